package io.github.panamarnn.cells;

import java.util.Arrays;

/**
 * The checks every {@code step} makes before it writes anything (so a rejected call changes no
 * state): the state was made by a cell of this kind and these sizes, and the input and output
 * arrays hold a whole batch at their offsets. A failure is an {@link IllegalArgumentException}
 * naming the cell, what was expected and what was given. The passing path is a few compares,
 * small enough to inline into every step; the messages are built only on failure, in their own
 * methods. Allocation-free when the checks pass.
 */
final class StepChecks {
    private StepChecks() {
    }

    /** {@code state} is a {@code kind} whose parts have {@code size0} ({@code size1 < 0}) or {@code size0, size1}; {@code x} holds {@code in} and {@code out} {@code width} values per row. */
    static void step(RnnCell cell, float[] x, int xOff, int in, CellState state, Class<? extends CellState> kind, int size0, int size1,
                     float[] out, int outOff, int width) {
        state(cell, state, kind, size0, size1);
        long rows = state.batch;
        if (x == null || xOff < 0 || xOff + rows * in > x.length) {
            throw rangeError(cell, "input", x, xOff, rows * in);
        }
        if (out == null || outOff < 0 || outOff + rows * width > out.length) {
            throw rangeError(cell, "output", out, outOff, rows * width);
        }
    }

    /** {@code state} is a {@code kind} with one part of {@code size0} ({@code size1 < 0}) or two parts. */
    static void state(RnnCell cell, CellState state, Class<? extends CellState> kind, int size0, int size1) {
        if (state == null || !kind.isInstance(state)) {
            throw stateError(cell, state, kind, size1 < 0 ? new int[] {size0} : new int[] {size0, size1});
        }
        int[] s = state.sizes;
        if (size1 < 0 ? s.length != 1 || s[0] != size0 : s.length != 2 || s[0] != size0 || s[1] != size1) {
            throw stateError(cell, state, kind, size1 < 0 ? new int[] {size0} : new int[] {size0, size1});
        }
    }

    /** {@code state} is a {@code kind} with exactly these part sizes. */
    static void state(RnnCell cell, CellState state, Class<? extends CellState> kind, int[] sizes) {
        if (state == null || !kind.isInstance(state) || !Arrays.equals(state.sizes, sizes)) {
            throw stateError(cell, state, kind, sizes);
        }
    }

    /** {@code a[off .. off + n)} exists. */
    static void range(Object who, String what, float[] a, int off, long n) {
        if (a == null || off < 0 || off + n > a.length) {
            throw rangeError(who, what, a, off, n);
        }
    }

    private static IllegalArgumentException stateError(RnnCell cell, CellState state, Class<?> kind, int[] sizes) {
        if (state == null) {
            return new IllegalArgumentException(cell + ": the state is null; expected one made by zeroState");
        }
        return new IllegalArgumentException(cell + ": the state was not made by a cell of this kind and size (expected " + kind.getSimpleName()
                + " parts " + Arrays.toString(sizes) + ", got " + state.getClass().getSimpleName() + " parts " + Arrays.toString(state.sizes) + ")");
    }

    private static IllegalArgumentException rangeError(Object who, String what, float[] a, int off, long n) {
        if (a == null) {
            return new IllegalArgumentException(who + ": the " + what + " array is null");
        }
        return new IllegalArgumentException(who + ": the " + what + " needs " + n + " values from offset " + off + ", the array holds " + a.length);
    }
}
