package io.github.panamarnn.cells;

import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;

/**
 * A recurrent cell (SEMANTICS.md section 1): built once from its configuration and weights,
 * immutable and shareable by any number of threads. One {@link #step} reads an input batch
 * {@code [B, inputSize]} and a state, writes the output {@code [B, outputSize]} into a buffer the
 * caller owns and updates the state in place; it allocates nothing. The state (and its scratch)
 * belongs to one stream or thread.
 */
public interface RnnCell {

    /** Features of one step's input, per batch row. */
    int inputSize();

    /** Values of one step's output, per batch row. */
    int outputSize();

    /** Widths of the state parts, in order (an LSTM: {@code c} then {@code h}). */
    int[] stateSizes();

    /** A zeroed state for {@code batch} rows, with the scratch this cell's step needs. */
    CellState zeroState(int batch);

    /**
     * A state for {@code batch} rows initialised from user arrays, one per part, each
     * {@code [batch, size]}; a wrong length names the expected and actual sizes.
     */
    default CellState initialState(int batch, float[]... parts) {
        CellState s = zeroState(batch);
        if (parts.length != s.partCount()) {
            throw new IllegalArgumentException("expected " + s.partCount() + " state parts, got " + parts.length);
        }
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].length % stateSizes()[i] != 0 || parts[i].length / stateSizes()[i] != batch) {
                throw new IllegalArgumentException("state part " + i + " has " + parts[i].length + " values: batch size "
                        + (parts[i].length / (double) stateSizes()[i]) + " disagrees with the batch size " + batch);
            }
            s.setPart(i, parts[i]);
        }
        return s;
    }

    /**
     * One step for the state's batch: {@code x[xOff + b*inputSize() + i]} in,
     * {@code out[outOff + b*outputSize() + j]} out, the state updated in place.
     */
    void step(float[] x, int xOff, CellState state, float[] out, int outOff);

    /**
     * Warms this cell up for {@code batch} rows before the first real step (see {@link WarmUp}): runs
     * {@code calls} steps on a scratch state, then until the JIT is quiet. Nothing of the caller's
     * changes. Returns what it did ({@link io.github.panamarnn.cells.WarmUp.Result}: calls, time, whether the JIT was quiet).
     */
    default WarmUp.Result warmUp(int batch, int calls) {
        CellState scratch = zeroState(batch);
        float[] x = new float[batch * inputSize()];
        float[] y = new float[batch * outputSize()];
        return WarmUp.run(() -> step(x, 0, scratch, y, 0), calls);
    }

    /**
     * A 64-bit digest of what this cell computes with: its kind, sizes and weights (as stored, so a bf16 copy differs
     * from the fp32 one), the same on every machine. Two cells with equal fingerprints run the same step; state
     * snapshots carry it so a state is never restored into another model. The LSTM, GRU and simple RNN cells and their
     * stacks digest every weight; other cells only their kind and sizes.
     */
    default long fingerprint() {
        long h = PackedMatrix.combine(getClass().getName().hashCode(), inputSize());
        h = PackedMatrix.combine(h, outputSize());
        for (int s : stateSizes()) {
            h = PackedMatrix.combine(h, s);
        }
        return h;
    }

    /** {@link #fingerprint()}'s default digest extended with {@code matrices} (nulls skipped): for the cells that have weights. */
    static long fingerprint(RnnCell cell, long options, PackedMatrix... matrices) {
        long h = PackedMatrix.combine(cell.getClass().getName().hashCode(), cell.inputSize());
        h = PackedMatrix.combine(PackedMatrix.combine(h, cell.outputSize()), options);
        for (PackedMatrix m : matrices) {
            h = PackedMatrix.combine(h, m == null ? 0 : m.fingerprint());
        }
        return h;
    }

    /**
     * {@code cell} on other kernels (e.g. {@code KernelProvider.scalar()}, the specification), same
     * weights: the LSTM, GRU and simple RNN cells and stacks of them.
     *
     * @throws IllegalArgumentException for any other cell, naming it
     */
    static RnnCell using(RnnCell cell, Kernels kernels) {
        return switch (cell) {
            case LstmCell l -> l.using(kernels);
            case GruCell g -> g.using(kernels);
            case SimpleRnnCell s -> s.using(kernels);
            case MultiRnnCell m -> {
                java.util.List<RnnCell> cs = new java.util.ArrayList<>();
                for (int i = 0; i < m.layerCount(); i++) {
                    cs.add(using(m.layer(i), kernels));
                }
                yield new MultiRnnCell(cs);
            }
            default -> throw new IllegalArgumentException("cannot move a " + cell.getClass().getSimpleName() + " to other kernels");
        };
    }
}
