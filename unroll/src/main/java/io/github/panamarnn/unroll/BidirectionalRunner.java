package io.github.panamarnn.unroll;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;

/**
 * A bidirectional run (SEMANTICS.md 3-6): a forward cell over the inputs and a backward cell over
 * each row's valid prefix reversed, its outputs put back at their input positions: TF1
 * {@code bidirectional_dynamic_rnn}, Keras {@code Bidirectional}, ONNX {@code direction=bidirectional},
 * one layer of a bidirectional PyTorch module. The two output sequences are merged as Keras does
 * ({@link Merge}), or kept apart. The two cells may differ in kind and output size (TF1
 * {@code bidirectional_dynamic_rnn(LSTMCell(7), GRUCell(4))}, Keras {@code backward_layer}); they read
 * the same input. {@link Merge#CONCAT} and {@link Merge#NONE} take any two sizes, the elementwise
 * merges need equal ones.
 *
 * <p>Not thread-safe: one per stream or thread; the cells are shared. {@link #run} allocates nothing.
 */
public final class BidirectionalRunner {
    /** How the two outputs of a step are combined. */
    public enum Merge {
        /** Forward then backward, side by side ({@code 2*out} wide): Keras concat, PyTorch, ONNX stacking. */
        CONCAT,
        /** Element-wise sum. */
        SUM,
        /** Element-wise product. */
        MUL,
        /** Element-wise mean. */
        AVE,
        /** Kept apart: Keras {@code merge_mode=None}, TF1 {@code (outputs_fw, outputs_bw)}. */
        NONE
    }

    private final SequenceRunner forward;
    private final SequenceRunner backward;
    private final int batch;
    private final int outF;
    private final int outB;
    private float[] fw;
    private float[] bw;

    /** A runner of the two cells over sequences of up to {@code capacity} steps for {@code batch} rows; their input sizes must be equal. */
    public BidirectionalRunner(RnnCell forwardCell, RnnCell backwardCell, int batch, int capacity) {
        if (forwardCell.inputSize() != backwardCell.inputSize()) {
            throw new IllegalArgumentException("forward and backward cells must read the same input width, got " + forwardCell.inputSize()
                    + " and " + backwardCell.inputSize());
        }
        this.forward = new SequenceRunner(forwardCell, batch, capacity);
        this.backward = new SequenceRunner(backwardCell, batch, capacity);
        this.batch = batch;
        this.outF = forwardCell.outputSize();
        this.outB = backwardCell.outputSize();
        this.fw = new float[Math.multiplyExact(Math.multiplyExact(batch, capacity), outF)];
        this.bw = new float[Math.multiplyExact(Math.multiplyExact(batch, capacity), outB)];
    }

    /** Raises the capacity explicitly (re-allocating the merge buffers once); runs longer than it are errors. */
    public void growCapacity(int newCapacity) {
        forward.growCapacity(newCapacity);
        backward.growCapacity(newCapacity);
        fw = new float[Math.multiplyExact(Math.multiplyExact(batch, newCapacity), outF)];
        bw = new float[Math.multiplyExact(Math.multiplyExact(batch, newCapacity), outB)];
    }

    /** The forward direction's state: the one the next run starts from and the last one ended in (live; set or reset it between runs). */
    public CellState forwardState() {
        return forward.state();
    }

    /** The backward direction's state: the one the next run starts from and the last one ended in (live; set or reset it between runs). */
    public CellState backwardState() {
        return backward.state();
    }

    /**
     * Width of one merged output row: forward plus backward width for {@link Merge#CONCAT}, else the
     * (common) width.
     *
     * @throws IllegalArgumentException for an elementwise merge of two different widths
     */
    public int mergedWidth(Merge merge) {
        if (merge == Merge.CONCAT) {
            return outF + outB;
        }
        if (merge != Merge.NONE && outF != outB) {
            throw new IllegalArgumentException("merge " + merge + " needs equal output widths, got forward " + outF + " and backward " + outB
                    + "; use CONCAT or NONE");
        }
        return outF;
    }

    /**
     * Runs both directions from their states.
     *
     * @param x        {@code [B, T, in]}, or {@code [T, B, in]} when {@code timeMajor}
     * @param lengths  per-row lengths (each row's backward run starts at its own last valid step), or null
     * @param mask     a Keras mask {@code [B, T]}, or null; masked steps output zeros in both directions
     *                 (Keras forces {@code zero_output_for_mask} inside Bidirectional)
     * @param merged   with a merge mode: {@code [B, T, mergedWidth]} (or time-major); ignored for NONE
     * @param outFw    with {@link Merge#NONE}: the forward outputs {@code [B, T, outF]}, else may be null
     * @param outBw    with {@link Merge#NONE}: the backward outputs {@code [B, T, outB]}, aligned with the input, else may be null
     * @throws IllegalArgumentException before anything runs, when an output array is missing or short
     */
    public void run(float[] x, int steps, boolean timeMajor, int[] lengths, boolean[] mask, Merge merge, float[] merged, float[] outFw,
                    float[] outBw) {
        int rows = batch * steps;
        int width = mergedWidth(merge);
        if (merge == Merge.NONE) {
            need("forward outputs", outFw, (long) rows * outF);
            need("backward outputs", outBw, (long) rows * outB);
        } else {
            need("merged outputs", merged, (long) rows * width);
        }
        float[] f = merge == Merge.NONE ? outFw : fw;
        float[] b = merge == Merge.NONE ? outBw : bw;
        forward.run(x, steps, timeMajor, lengths, mask, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, f);
        backward.run(x, steps, timeMajor, lengths, mask, SequenceRunner.Order.REVERSE_WITHIN_LENGTH, SequenceRunner.Padding.ZERO, b);
        if (merge == Merge.NONE) {
            return;
        }
        final int out = outF;
        for (int r = 0; r < rows; r++) {
            int o = r * out;
            switch (merge) {
                case CONCAT -> {
                    System.arraycopy(fw, r * outF, merged, r * width, outF);
                    System.arraycopy(bw, r * outB, merged, r * width + outF, outB);
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

    private static void need(String what, float[] a, long n) {
        if (a == null || a.length < n) {
            throw new IllegalArgumentException(what + " need " + n + " values, got " + (a == null ? "null" : a.length));
        }
    }

    /**
     * Warms both directions and the merge up before the first real run ({@link WarmUp}): {@code runs}
     * runs of {@code steps} zero steps (at most the capacity) merged by {@code merge}, then more until
     * the JIT is quiet. Both states are saved first and restored after. Returns what it did ({@link io.github.panamarnn.cells.WarmUp.Result}: calls, time, whether the JIT was quiet).
     */
    public WarmUp.Result warmUp(int runs, int steps, Merge merge) {
        int t = Math.max(1, Math.min(steps, forward.capacity()));
        CellState f = forwardState();
        CellState b = backwardState();
        float[] keptF = new float[f.batch() * f.flatSize()];
        float[] keptB = new float[b.batch() * b.flatSize()];
        f.readFlat(keptF, 0);
        b.readFlat(keptB, 0);
        float[] x = new float[t * batch * forward.cell().inputSize()];
        float[] merged = new float[t * batch * mergedWidth(merge)];
        float[] oF = new float[t * batch * outF];
        float[] oB = new float[t * batch * outB];
        WarmUp.Result ns = WarmUp.run(() -> run(x, t, true, null, null, merge, merged, oF, oB), runs);
        f.writeFlat(keptF, 0);
        b.writeFlat(keptB, 0);
        return ns;
    }
}
