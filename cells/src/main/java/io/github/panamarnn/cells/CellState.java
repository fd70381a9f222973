package io.github.panamarnn.cells;

import java.util.Arrays;

/**
 * The state of one cell for a batch of {@code batch} rows: its parts (an LSTM has {@code c} then
 * {@code h}, TF1's order; a GRU or simple RNN has {@code h}), each {@code [batch, size]} row-major,
 * plus the scratch buffers one step of that cell needs, allocated once here.
 *
 * <p>Not thread-safe: one state per stream or thread. The cell that made it is immutable and can
 * be shared; the state is what a stream owns.
 */
public class CellState {
    final int batch;
    final int[] sizes;
    final float[][] parts;

    /** Zeros for {@code batch} rows of parts of {@code sizes} units each; a cell makes its own through {@code zeroState}. */
    protected CellState(int batch, int[] sizes) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batch);
        }
        this.batch = batch;
        this.sizes = sizes.clone();
        this.parts = new float[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            long n = (long) batch * sizes[i];
            if (n > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("a state of batch " + batch + " x " + sizes[i] + " = " + n + " values is over the 2^31 an array holds");
            }
            parts[i] = new float[(int) n];
        }
    }

    /** A scratch buffer of {@code batch} rows of {@code width}, or a clear error where the product leaves an array's range. */
    static float[] buffer(int batch, long width) {
        long n = batch * width;
        if (batch < 1 || width < 0 || n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a buffer of batch " + batch + " x " + width + " = " + n + " values is over the 2^31 an array holds");
        }
        return new float[(int) n];
    }

    /** Rows of this state. */
    public int batch() {
        return batch;
    }

    /** Number of parts. */
    public int partCount() {
        return parts.length;
    }

    /** A state over existing part arrays (a stack's state is its layers' parts, the same arrays). */
    protected CellState(int batch, int[] sizes, float[][] parts) {
        this.batch = batch;
        this.sizes = sizes.clone();
        this.parts = parts.clone();
        for (int i = 0; i < sizes.length; i++) {
            if (parts[i].length != batch * sizes[i]) {
                throw new IllegalArgumentException("state part " + i + " must have " + batch * sizes[i] + " values, got " + parts[i].length);
            }
        }
    }

    /** Width of part {@code i} per batch row. */
    public int partSize(int i) {
        return sizes[i];
    }

    /** Part {@code i}, {@code [batch, partSize(i)]} row-major: the live buffer, not a copy. */
    public float[] part(int i) {
        if (i < 0 || i >= parts.length) {
            throw new IllegalArgumentException("state part " + i + " does not exist; this state has parts 0.." + (parts.length - 1));
        }
        return parts[i];
    }

    /** Width of one flat row: the parts side by side (TF1 {@code state_is_tuple=False}). */
    public int flatSize() {
        int n = 0;
        for (int s : sizes) {
            n += s;
        }
        return n;
    }

    /** Writes the state as {@code [batch, flatSize()]} rows, each {@code concat(part0, part1, ...)}. */
    public void readFlat(float[] dst, int off) {
        int row = flatSize();
        StepChecks.range("state", "flat destination", dst, off, (long) batch * row);
        for (int b = 0; b < batch; b++) {
            int at = off + b * row;
            for (int i = 0; i < parts.length; i++) {
                System.arraycopy(parts[i], b * sizes[i], dst, at, sizes[i]);
                at += sizes[i];
            }
        }
    }

    /** Sets the state from {@code [batch, flatSize()]} rows laid out as {@link #readFlat} writes them. */
    public void writeFlat(float[] src, int off) {
        int row = flatSize();
        // Checked whole before the first value is copied: a short source changes nothing.
        StepChecks.range("state", "flat source", src, off, (long) batch * row);
        for (int b = 0; b < batch; b++) {
            int at = off + b * row;
            for (int i = 0; i < parts.length; i++) {
                System.arraycopy(src, at, parts[i], b * sizes[i], sizes[i]);
                at += sizes[i];
            }
        }
    }

    /** Sets part {@code i} from a user array {@code [batch, partSize(i)]}, checked. */
    public void setPart(int i, float[] values) {
        part(i);
        if (values == null || values.length != parts[i].length) {
            throw new IllegalArgumentException("state part " + i + " must have batch " + batch + " x " + sizes[i] + " = "
                    + parts[i].length + " values, got " + (values == null ? "null" : values.length));
        }
        System.arraycopy(values, 0, parts[i], 0, values.length);
    }

    /** Copies batch row {@code row} of every part from {@code other} (same cell and sizes). */
    public void copyRowFrom(CellState other, int row) {
        row(row);
        if (other == null || other.getClass() != getClass() || !Arrays.equals(other.sizes, sizes) || row >= other.batch) {
            throw new IllegalArgumentException("copyRowFrom needs a state of the same cell and sizes " + Arrays.toString(sizes) + " with row " + row
                    + ", got " + (other == null ? "null" : other.getClass().getSimpleName() + " " + Arrays.toString(other.sizes) + " of batch "
                    + other.batch));
        }
        for (int i = 0; i < parts.length; i++) {
            System.arraycopy(other.parts[i], row * sizes[i], parts[i], row * sizes[i], sizes[i]);
        }
    }

    private void row(int row) {
        if (row < 0 || row >= batch) {
            throw new IllegalArgumentException("batch row must be in [0, " + batch + "), got " + row);
        }
    }

    /** Zeroes every part. */
    public void reset() {
        for (float[] p : parts) {
            Arrays.fill(p, 0f);
        }
    }

    /** Zeroes batch row {@code row} of every part. */
    public void resetRow(int row) {
        row(row);
        for (int i = 0; i < parts.length; i++) {
            Arrays.fill(parts[i], row * sizes[i], (row + 1) * sizes[i], 0f);
        }
    }
}
