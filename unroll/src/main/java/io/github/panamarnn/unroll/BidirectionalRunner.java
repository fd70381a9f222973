package io.github.panamarnn.unroll;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;

/**
 * A bidirectional run (SEMANTICS.md 3-6): a forward cell over the inputs and a backward cell over
 * each row's valid prefix reversed, its outputs put back at their input positions: TF1
 * {@code bidirectional_dynamic_rnn}, Keras {@code Bidirectional}, ONNX {@code direction=bidirectional},
 * one layer of a bidirectional PyTorch module. The two output sequences are merged as Keras does
 * ({@link Merge}), or kept apart.
 *
 * <p>Not thread-safe: one per stream or thread; the cells are shared. {@link #run} allocates nothing.
 */
public final class BidirectionalRunner {
    /** How the two outputs of a step are combined. */
    public enum Merge {
        /** Forward then backward, side by side ({@code 2*out} wide): Keras concat, PyTorch, ONNX stacking. */
        CONCAT, SUM, MUL, AVE,
        /** Kept apart: Keras {@code merge_mode=None}, TF1 {@code (outputs_fw, outputs_bw)}. */
        NONE
    }

    private final SequenceRunner forward;
    private final SequenceRunner backward;
    private final int batch;
    private final int out;
    private float[] fw;
    private float[] bw;

    public BidirectionalRunner(RnnCell forwardCell, RnnCell backwardCell, int batch, int capacity) {
        if (forwardCell.inputSize() != backwardCell.inputSize() || forwardCell.outputSize() != backwardCell.outputSize()) {
            throw new IllegalArgumentException("forward and backward cells must have the same sizes: in " + forwardCell.inputSize() + "/"
                    + backwardCell.inputSize() + ", out " + forwardCell.outputSize() + "/" + backwardCell.outputSize());
        }
        this.forward = new SequenceRunner(forwardCell, batch, capacity);
        this.backward = new SequenceRunner(backwardCell, batch, capacity);
        this.batch = batch;
        this.out = forwardCell.outputSize();
        this.fw = new float[batch * capacity * out];
        this.bw = new float[batch * capacity * out];
    }

    /** Raises the capacity explicitly (re-allocating the merge buffers once); runs longer than it are errors. */
    public void growCapacity(int newCapacity) {
        forward.growCapacity(newCapacity);
        backward.growCapacity(newCapacity);
        fw = new float[batch * newCapacity * out];
        bw = new float[batch * newCapacity * out];
    }

    public CellState forwardState() {
        return forward.state();
    }

    public CellState backwardState() {
        return backward.state();
    }

    /** Width of one merged output row: {@code 2*out} for {@link Merge#CONCAT}, else {@code out}. */
    public int mergedWidth(Merge merge) {
        return merge == Merge.CONCAT ? 2 * out : out;
    }

    /**
     * Runs both directions from their states.
     *
     * @param x        {@code [B, T, in]}, or {@code [T, B, in]} when {@code timeMajor}
     * @param lengths  per-row lengths (each row's backward run starts at its own last valid step), or null
     * @param mask     a Keras mask {@code [B, T]}, or null; masked steps output zeros in both directions
     *                 (Keras forces {@code zero_output_for_mask} inside Bidirectional)
     * @param merged   with a merge mode: {@code [B, T, mergedWidth]} (or time-major); ignored for NONE
     * @param outFw    with {@link Merge#NONE}: the forward outputs {@code [B, T, out]}, else may be null
     * @param outBw    with {@link Merge#NONE}: the backward outputs, aligned with the input, else may be null
     */
    public void run(float[] x, int steps, boolean timeMajor, int[] lengths, boolean[] mask, Merge merge, float[] merged, float[] outFw,
                    float[] outBw) {
        float[] f = merge == Merge.NONE ? outFw : fw;
        float[] b = merge == Merge.NONE ? outBw : bw;
        forward.run(x, steps, timeMajor, lengths, mask, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, f);
        backward.run(x, steps, timeMajor, lengths, mask, SequenceRunner.Order.REVERSE_WITHIN_LENGTH, SequenceRunner.Padding.ZERO, b);
        if (merge == Merge.NONE) {
            return;
        }
        int rows = batch * steps;
        if (merged.length < rows * mergedWidth(merge)) {
            throw new IllegalArgumentException("merged outputs need " + rows * mergedWidth(merge) + " values, got " + merged.length);
        }
        for (int r = 0; r < rows; r++) {
            int o = r * out;
            switch (merge) {
                case CONCAT -> {
                    System.arraycopy(fw, o, merged, 2 * o, out);
                    System.arraycopy(bw, o, merged, 2 * o + out, out);
                }
                case SUM -> {
                    for (int j = 0; j < out; j++) {
                        merged[o + j] = fw[o + j] + bw[o + j];
                    }
                }
                case MUL -> {
                    for (int j = 0; j < out; j++) {
                        merged[o + j] = fw[o + j] * bw[o + j];
                    }
                }
                case AVE -> {
                    for (int j = 0; j < out; j++) {
                        merged[o + j] = (fw[o + j] + bw[o + j]) / 2;
                    }
                }
                default -> throw new AssertionError(merge);
            }
        }
    }

    /**
     * Warms both directions and the merge up before the first real run ({@link WarmUp}): {@code runs}
     * runs of {@code steps} zero steps (at most the capacity) merged by {@code merge}, then more until
     * the JIT is quiet. Both states are saved first and restored after. Returns the nanoseconds it took.
     */
    public long warmUp(int runs, int steps, Merge merge) {
        int t = Math.max(1, Math.min(steps, forward.capacity()));
        CellState f = forwardState();
        CellState b = backwardState();
        float[] keptF = new float[f.batch() * f.flatSize()];
        float[] keptB = new float[b.batch() * b.flatSize()];
        f.readFlat(keptF, 0);
        b.readFlat(keptB, 0);
        float[] x = new float[t * batch * forward.cell().inputSize()];
        float[] merged = new float[t * batch * mergedWidth(merge)];
        float[] oF = new float[t * batch * out];
        float[] oB = new float[t * batch * out];
        long ns = WarmUp.run(() -> run(x, t, true, null, null, merge, merged, oF, oB), runs);
        f.writeFlat(keptF, 0);
        b.writeFlat(keptB, 0);
        return ns;
    }
}
