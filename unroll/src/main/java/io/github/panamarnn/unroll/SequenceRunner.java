package io.github.panamarnn.unroll;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;

/**
 * The symbolic loop ({@code dynamic_rnn}, SEMANTICS.md 3-5): runs a cell over any number of steps up
 * to the capacity chosen at build time, for a fixed batch, with the sequence rules of TF1, Keras and
 * ONNX. One mechanism serves them all: at processing step {@code t}, row {@code b} reads input time
 * {@code src(b, t)} and writes output time {@code dst(b, t)}, or is inactive (its state is carried
 * and its output is zero, or the previous output for Keras masks):
 * <ul>
 * <li>{@link Order#FORWARD}: {@code src = dst = t}, active while {@code t < length[b]} (TF
 *     {@code sequence_length}: zero outputs after, the final state at the last valid step; length 0
 *     keeps the initial state);</li>
 * <li>{@link Order#REVERSE_WITHIN_LENGTH}: {@code src = dst = length[b] - 1 - t} (TF1
 *     {@code reverse_sequence} of a bidirectional run, ONNX {@code reverse}: each row starts at its
 *     own last valid step and results stand at their input's position);</li>
 * <li>{@link Order#BACKWARDS}: {@code src = T - 1 - t}, {@code dst = t} (Keras {@code go_backwards}:
 *     the returned sequence is in processing order).</li>
 * </ul>
 * A Keras mask makes a step inactive where it is false.
 *
 * <p>Not thread-safe: a runner owns its state and buffers, one per stream or thread; the cell it
 * runs is shared. {@link #run} allocates nothing.
 */
public final class SequenceRunner {
    /** Processing order of a run (see the class comment). */
    public enum Order {
        /** Time 0 first, each row while {@code t < length}. */
        FORWARD,
        /** Each row from its own last valid step back to time 0, results at their input's position. */
        REVERSE_WITHIN_LENGTH,
        /** The last time step first, results in processing order (Keras {@code go_backwards}). */
        BACKWARDS
    }

    /** What an inactive (masked or past-the-end) step outputs. */
    public enum Padding {
        /** Zeros: TF {@code sequence_length}, ONNX {@code sequence_lens}, Keras {@code zero_output_for_mask}. */
        ZERO,
        /** The row's previous output (the initial h's place is 0): Keras masking. */
        REPEAT_PREVIOUS
    }

    private final RnnCell cell;
    private final int batch;
    private int capacity;
    private final CellState state;
    private final CellState saved;
    private final float[] xt;
    private final float[] yt;
    private final float[] lastOut;
    private final boolean[] active;
    private final int[] fullLengths;

    /** A runner of {@code cell} for {@code batch} rows and sequences of up to {@code capacity} steps, its buffers allocated here. */
    public SequenceRunner(RnnCell cell, int batch, int capacity) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("batch and capacity must be positive, got batch " + batch + ", capacity " + capacity);
        }
        this.cell = cell;
        this.batch = batch;
        this.capacity = capacity;
        this.state = cell.zeroState(batch);
        this.saved = cell.zeroState(batch);
        this.xt = new float[batch * cell.inputSize()];
        this.yt = new float[batch * cell.outputSize()];
        this.lastOut = new float[batch * cell.outputSize()];
        this.active = new boolean[batch];
        this.fullLengths = new int[batch];
    }

    /** The cell this runner steps. */
    public RnnCell cell() {
        return cell;
    }

    /** Rows of every run. */
    public int batch() {
        return batch;
    }

    /** The most steps one run takes. */
    public int capacity() {
        return capacity;
    }

    /**
     * Raises the capacity (the longest sequence {@link #run} accepts). Explicit by design: a call with
     * more steps than the capacity is an error, never a silent re-allocation on a hot path. This
     * runner's buffers do not depend on T, so growing allocates nothing.
     */
    public void growCapacity(int newCapacity) {
        if (newCapacity < capacity) {
            throw new IllegalArgumentException("capacity can only grow: " + capacity + " -> " + newCapacity);
        }
        capacity = newCapacity;
    }

    /** The state the next {@link #run} starts from and the last one ended in (live; set or reset it between runs). */
    public CellState state() {
        return state;
    }

    /**
     * Runs {@code steps} steps from {@link #state()}.
     *
     * @param x         inputs, {@code [B, T, in]}, or {@code [T, B, in]} when {@code timeMajor}
     * @param lengths   per-row valid lengths in {@code [0, steps]}, or null for all {@code steps}
     * @param mask      Keras mask {@code [B, T]} (true = process), or null
     * @param outputs   {@code [B, T, out]} (or {@code [T, B, out]} when {@code timeMajor}), or null
     *                  when only the final state is wanted
     * @throws IllegalArgumentException for a length outside {@code [0, steps]} (naming the row and value),
     *                                  {@code steps} above the capacity, or arrays too short
     */
    public void run(float[] x, int steps, boolean timeMajor, int[] lengths, boolean[] mask, Order order, Padding padding, float[] outputs) {
        final int in = cell.inputSize();
        final int out = cell.outputSize();
        if (steps < 0 || steps > capacity) {
            throw new IllegalArgumentException("steps must be in [0, " + capacity + "] (the capacity), got " + steps);
        }
        // In long: batch x steps x width may pass 2^31 after growCapacity.
        long rows = (long) batch * steps;
        if (x == null || order == null || padding == null) {
            throw new IllegalArgumentException("inputs, order and padding are required, got " + (x == null ? "null inputs" : "a null option"));
        }
        if (x.length < rows * in) {
            throw new IllegalArgumentException("inputs need " + rows * in + " values, got " + x.length);
        }
        if (outputs != null && outputs.length < rows * out) {
            throw new IllegalArgumentException("outputs need " + rows * out + " values, got " + outputs.length);
        }
        if (mask != null && mask.length < rows) {
            throw new IllegalArgumentException("mask needs " + rows + " values, got " + mask.length);
        }
        int[] len = lengths;
        if (len == null) {
            java.util.Arrays.fill(fullLengths, steps);
            len = fullLengths;
        } else {
            if (len.length != batch) {
                throw new IllegalArgumentException("sequence_length must have one value per row: " + batch + ", got " + len.length);
            }
            for (int b = 0; b < batch; b++) {
                if (len[b] < 0 || len[b] > steps) {
                    throw new IllegalArgumentException("sequence_length of row " + b + " is " + len[b] + ", outside [0, " + steps + "]");
                }
            }
        }
        if (outputs != null) {
            java.util.Arrays.fill(outputs, 0, batch * steps * out, 0f);
        }
        java.util.Arrays.fill(lastOut, 0f);
        int maxLen = 0;
        for (int b = 0; b < batch; b++) {
            maxLen = Math.max(maxLen, len[b]);
        }
        final int last = order == Order.BACKWARDS ? steps : maxLen; // early exit at max(sequence_length)
        for (int t = 0; t < last; t++) {
            boolean all = true;
            for (int b = 0; b < batch; b++) {
                int src = source(order, t, len[b], steps);
                boolean on = src >= 0 && (mask == null || mask[b * steps + src]);
                active[b] = on;
                all &= on;
                System.arraycopy(x, timeMajor ? (Math.max(src, 0) * batch + b) * in : (b * steps + Math.max(src, 0)) * in, xt, b * in, in);
            }
            if (!all) {
                copyState(state, saved);
            }
            cell.step(xt, 0, state, yt, 0);
            for (int b = 0; b < batch; b++) {
                int dst = order == Order.BACKWARDS ? t : source(order, t, len[b], steps);
                if (active[b]) {
                    System.arraycopy(yt, b * out, lastOut, b * out, out);
                } else {
                    state.copyRowFrom(saved, b);
                    if (padding == Padding.ZERO) {
                        continue; // the output stays zero
                    }
                }
                if (outputs != null && dst >= 0) {
                    int o = timeMajor ? (dst * batch + b) * out : (b * steps + dst) * out;
                    System.arraycopy(active[b] ? yt : lastOut, b * out, outputs, o, out);
                }
            }
        }
    }

    /** Input time of processing step {@code t} for a row of length {@code len}, or -1 when past its end. */
    private static int source(Order order, int t, int len, int steps) {
        return switch (order) {
            case FORWARD -> t < len ? t : -1;
            case REVERSE_WITHIN_LENGTH -> t < len ? len - 1 - t : -1;
            case BACKWARDS -> steps - 1 - t;
        };
    }

    private static void copyState(CellState from, CellState to) {
        for (int i = 0; i < from.partCount(); i++) {
            System.arraycopy(from.part(i), 0, to.part(i), 0, from.part(i).length);
        }
    }

    /**
     * Warms this runner up before its first real run ({@link WarmUp}): {@code runs} forward runs of
     * {@code steps} zero steps (at most the capacity), then more until the JIT is quiet. The state is
     * saved first and restored after. Returns what it did ({@link io.github.panamarnn.cells.WarmUp.Result}: calls, time, whether the JIT was quiet).
     */
    public WarmUp.Result warmUp(int runs, int steps) {
        int t = Math.max(1, Math.min(steps, capacity));
        float[] kept = new float[state.batch() * state.flatSize()];
        state.readFlat(kept, 0);
        float[] x = new float[t * batch * cell.inputSize()];
        float[] out = new float[t * batch * cell.outputSize()];
        WarmUp.Result ns = WarmUp.run(() -> run(x, t, true, null, null, Order.FORWARD, Padding.ZERO, out), runs);
        state.writeFlat(kept, 0);
        return ns;
    }
}
