package io.github.panamarnn.unroll;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import io.github.panamarnn.unroll.SequenceRunner.Padding;
import java.util.List;

/**
 * Recurrent layers over whole sequences (SEMANTICS.md 3-6), each of one or two directions: layer {@code l + 1} reads
 * layer {@code l}'s merged output at every step. One runner serves every framework's stacked and bidirectional runs:
 * TF1 {@code bidirectional_dynamic_rnn}, a Keras {@code Bidirectional} or {@code go_backwards} layer, an ONNX
 * {@code LSTM}/{@code GRU}/{@code RNN} node of any {@code direction}, a PyTorch module of {@code num_layers} layers,
 * bidirectional or not.
 *
 * <p>A layer's first direction reads its input in the layer's {@link Order} (forward, Keras {@code go_backwards}, or
 * ONNX {@code reverse}: each row from its own last valid step); a second direction reads each row's valid prefix
 * reversed, its outputs put back at their input positions. The two may differ in kind and output width (TF1
 * {@code bidirectional_dynamic_rnn(LSTMCell(7), GRUCell(4))}, Keras {@code backward_layer}); they read the same input.
 * Their outputs are merged ({@link Merge}): side by side, element-wise, or kept apart (the last layer only).
 *
 * <p>Each run starts from the {@link #state} of every layer and direction and leaves the final ones there; set them
 * (initial states) or {@link #reset()} them between runs. Inactive steps (past a row's length, or masked) carry the
 * state; a one-direction layer outputs zeros or the previous output there ({@link Padding}), a two-direction layer
 * zeros in both directions (what TF1, ONNX, PyTorch and Keras, which forces {@code zero_output_for_mask} inside
 * {@code Bidirectional}, all do).
 *
 * <p>Not thread-safe: one per stream or thread; it owns the states and buffers for one batch size and capacity, the
 * cells are shared. {@link #run} and {@link #finalOutputs} allocate nothing.
 */
public final class LayeredRunner {
    /** How the two directions' outputs of a step are combined. */
    public enum Merge {
        /** Forward then backward, side by side: Keras concat, PyTorch, stacked ONNX and TF1 layers. */
        CONCAT,
        /** Element-wise sum. */
        SUM,
        /** Element-wise product. */
        MUL,
        /** Element-wise mean. */
        AVE,
        /** Kept apart (last layer only): Keras {@code merge_mode=None}, TF1 {@code (outputs_fw, outputs_bw)}, ONNX {@code Y}. */
        NONE
    }

    /**
     * One recurrent layer: {@code forward} read in {@code order}, and optionally {@code backward} reading each row's valid
     * prefix reversed, merged by {@code merge} (null for a one-direction layer).
     *
     * @param forward  the first direction's cell
     * @param order    the first direction's processing order
     * @param backward the second direction's cell, or null
     * @param merge    how the two directions' outputs combine (required with {@code backward}, null without)
     */
    public record Layer(RnnCell forward, Order order, RnnCell backward, Merge merge) {
        /** Checks the cells, the order and the merge against each other, naming what is wrong. */
        public Layer {
            if (forward == null || order == null) {
                throw new IllegalArgumentException("a layer needs a cell and an order, got " + (forward == null ? "no cell" : "no order"));
            }
            if (backward == null && merge != null) {
                throw new IllegalArgumentException("merge " + merge + " given for a layer of one direction");
            }
            if (backward != null) {
                if (merge == null) {
                    throw new IllegalArgumentException("a layer of two directions needs a merge mode");
                }
                if (forward.inputSize() != backward.inputSize()) {
                    throw new IllegalArgumentException("forward and backward cells must read the same input width, got " + forward.inputSize()
                            + " and " + backward.inputSize());
                }
                if (merge != Merge.CONCAT && merge != Merge.NONE && forward.outputSize() != backward.outputSize()) {
                    throw new IllegalArgumentException("merge " + merge + " needs equal output widths, got forward " + forward.outputSize()
                            + " and backward " + backward.outputSize() + "; use CONCAT or NONE");
                }
            }
        }

        /** A forward layer of one cell. */
        public static Layer of(RnnCell cell) {
            return new Layer(cell, Order.FORWARD, null, null);
        }

        /** A one-direction layer read in {@code order}. */
        public static Layer of(RnnCell cell, Order order) {
            return new Layer(cell, order, null, null);
        }

        /** A bidirectional layer: {@code forward} forward, {@code backward} over each row's valid prefix reversed. */
        public static Layer bidirectional(RnnCell forward, RnnCell backward, Merge merge) {
            return new Layer(forward, Order.FORWARD, backward, merge);
        }

        /** 1, or 2 with a backward cell. */
        public int directions() {
            return backward == null ? 1 : 2;
        }

        /** Width of one output row: both directions' widths for {@link Merge#CONCAT}, else the forward width. */
        public int outputWidth() {
            return merge == Merge.CONCAT ? forward.outputSize() + backward.outputSize() : forward.outputSize();
        }
    }

    private final Layer[] layers;
    private final SequenceRunner[][] runners;
    private final int batch;
    private int capacity;
    /** Per direction: one bidirectional layer's outputs before they are merged (sized for the widest such layer). */
    private float[] fw;
    private float[] bw;
    /** Between layers: ping-pong buffers of the widest inner layer output. */
    private float[] inner0;
    private float[] inner1;

    /**
     * A runner of {@code layers} for {@code batch} rows and sequences of up to {@code capacity} steps.
     *
     * @throws IllegalArgumentException when a layer does not read the previous one's output width, or a layer before the
     *                                  last keeps its directions apart ({@link Merge#NONE})
     */
    public LayeredRunner(List<Layer> layers, int batch, int capacity) {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a layered runner needs at least one layer");
        }
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("batch and capacity must be positive, got batch " + batch + ", capacity " + capacity);
        }
        this.layers = layers.toArray(new Layer[0]);
        for (int l = 0; l + 1 < this.layers.length; l++) {
            Layer a = this.layers[l];
            if (a.merge() == Merge.NONE) {
                throw new IllegalArgumentException("layer " + l + " keeps its directions apart (NONE); only the last layer may");
            }
            if (this.layers[l + 1].forward().inputSize() != a.outputWidth()) {
                throw new IllegalArgumentException("layer " + (l + 1) + " reads " + this.layers[l + 1].forward().inputSize()
                        + " features, layer " + l + " outputs " + a.outputWidth());
            }
        }
        this.batch = batch;
        this.capacity = capacity;
        this.runners = new SequenceRunner[this.layers.length][];
        for (int l = 0; l < this.layers.length; l++) {
            Layer a = this.layers[l];
            runners[l] = a.backward() == null ? new SequenceRunner[] {new SequenceRunner(a.forward(), batch, capacity)}
                    : new SequenceRunner[] {new SequenceRunner(a.forward(), batch, capacity), new SequenceRunner(a.backward(), batch, capacity)};
        }
        allocate();
    }

    private void allocate() {
        int wf = 0;
        int wb = 0;
        int inner = 0;
        for (int l = 0; l < layers.length; l++) {
            Layer a = layers[l];
            if (a.backward() != null) {
                wf = Math.max(wf, a.forward().outputSize());
                wb = Math.max(wb, a.backward().outputSize());
            }
            if (l + 1 < layers.length) {
                inner = Math.max(inner, a.outputWidth());
            }
        }
        long rows = (long) batch * capacity;
        fw = new float[Math.toIntExact(rows * wf)];
        bw = new float[Math.toIntExact(rows * wb)];
        inner0 = new float[Math.toIntExact(rows * inner)];
        inner1 = layers.length > 2 ? new float[inner0.length] : inner0;
    }

    /** Layers in order. */
    public int layerCount() {
        return layers.length;
    }

    /** Layer {@code l}. */
    public Layer layer(int l) {
        return layers[l];
    }

    /** Rows of every run. */
    public int batch() {
        return batch;
    }

    /** The most steps one run takes. */
    public int capacity() {
        return capacity;
    }

    /** Width of one output row of the last layer ({@link Layer#outputWidth()}). */
    public int outputWidth() {
        return layers[layers.length - 1].outputWidth();
    }

    /** Raises the capacity explicitly (re-allocating the buffers between directions and layers once); longer runs are errors. */
    public void growCapacity(int newCapacity) {
        if (newCapacity < capacity) {
            throw new IllegalArgumentException("capacity can only grow: " + capacity + " -> " + newCapacity);
        }
        for (SequenceRunner[] rs : runners) {
            for (SequenceRunner r : rs) {
                r.growCapacity(newCapacity);
            }
        }
        capacity = newCapacity;
        allocate();
    }

    /** The state of layer {@code layer}, direction {@code direction} (0 forward, 1 backward): the next run starts from it (live). */
    public CellState state(int layer, int direction) {
        return runners[layer][direction].state();
    }

    /** Sets every layer's and direction's state to zero. */
    public void reset() {
        for (SequenceRunner[] rs : runners) {
            for (SequenceRunner r : rs) {
                r.state().reset();
            }
        }
    }

    /** Sets row {@code row}'s state to zero in every layer and direction; the other rows keep theirs. */
    public void resetRow(int row) {
        for (SequenceRunner[] rs : runners) {
            for (SequenceRunner r : rs) {
                r.state().resetRow(row);
            }
        }
    }

    /**
     * Runs every layer over {@code steps} steps from the current states.
     *
     * @param x           {@code [B, T, in]}, or {@code [T, B, in]} when {@code timeMajor}
     * @param lengths     per-row lengths in {@code [0, steps]} (a reverse direction starts at each row's own last valid
     *                    step), or null
     * @param mask        a Keras mask {@code [B, T]} (true = process), or null
     * @param padding     what a one-direction layer outputs at an inactive step (two-direction layers output zeros)
     * @param out         the last layer's outputs, {@code [B, T, outputWidth]} (or time-major); with {@link Merge#NONE},
     *                    the forward direction's; null when only the final states are wanted
     * @param outBackward with {@link Merge#NONE} on the last layer: the backward direction's outputs, aligned with the
     *                    input; else ignored
     * @throws IllegalArgumentException before anything runs or changes, for steps above the capacity, a length out of
     *                                  range, or an array that is missing or short
     */
    public void run(float[] x, int steps, boolean timeMajor, int[] lengths, boolean[] mask, Padding padding, float[] out, float[] outBackward) {
        if (steps < 0 || steps > capacity) {
            throw new IllegalArgumentException("steps must be in [0, " + capacity + "] (the capacity), got " + steps);
        }
        long rows = (long) batch * steps;
        Layer lastLayer = layers[layers.length - 1];
        if (x == null || x.length < rows * layers[0].forward().inputSize()) {
            throw new IllegalArgumentException("inputs need " + rows * layers[0].forward().inputSize() + " values, got "
                    + (x == null ? "null" : x.length));
        }
        if (padding == null) {
            throw new IllegalArgumentException("a padding is required");
        }
        if (lastLayer.merge() == Merge.NONE) {
            need("forward outputs", out, rows * lastLayer.forward().outputSize());
            need("backward outputs", outBackward, rows * lastLayer.backward().outputSize());
        } else if (out != null) {
            need("outputs", out, rows * lastLayer.outputWidth());
        }
        if (mask != null && mask.length < rows) {
            throw new IllegalArgumentException("mask needs " + rows + " values, got " + mask.length);
        }
        if (lengths != null) {
            if (lengths.length != batch) {
                throw new IllegalArgumentException("sequence lengths must have one value per row: " + batch + ", got " + lengths.length);
            }
            for (int b = 0; b < batch; b++) {
                if (lengths[b] < 0 || lengths[b] > steps) {
                    throw new IllegalArgumentException("sequence length of row " + b + " is " + lengths[b] + ", outside [0, " + steps + "]");
                }
            }
        }
        float[] in = x;
        for (int l = 0; l < layers.length; l++) {
            Layer a = layers[l];
            boolean last = l == layers.length - 1;
            float[] dst = last ? out : (l % 2 == 0 ? inner0 : inner1);
            if (a.backward() == null) {
                runners[l][0].run(in, steps, timeMajor, lengths, mask, a.order(), padding, dst);
            } else if (a.merge() == Merge.NONE) {
                runners[l][0].run(in, steps, timeMajor, lengths, mask, a.order(), Padding.ZERO, out);
                runners[l][1].run(in, steps, timeMajor, lengths, mask, Order.REVERSE_WITHIN_LENGTH, Padding.ZERO, outBackward);
            } else {
                runners[l][0].run(in, steps, timeMajor, lengths, mask, a.order(), Padding.ZERO, fw);
                runners[l][1].run(in, steps, timeMajor, lengths, mask, Order.REVERSE_WITHIN_LENGTH, Padding.ZERO, bw);
                if (dst != null) {
                    merge(a.merge(), fw, a.forward().outputSize(), bw, a.backward().outputSize(), batch * steps, dst);
                }
            }
            in = dst;
        }
    }

    /**
     * Each row's last output of the last layer, its directions merged: {@code [B, outputWidth]} into {@code y} (what a
     * layer without {@code return_sequences} returns). For a two-direction layer kept apart ({@link Merge#NONE}), the
     * forward outputs and then the backward ones, side by side.
     */
    public void finalOutputs(float[] y) {
        Layer a = layers[layers.length - 1];
        SequenceRunner[] rs = runners[layers.length - 1];
        int wf = a.forward().outputSize();
        need("final outputs", y, (long) batch * (a.merge() == Merge.NONE ? wf + a.backward().outputSize() : a.outputWidth()));
        if (a.backward() == null) {
            System.arraycopy(hidden(rs[0].state()), 0, y, 0, batch * wf);
        } else {
            merge(a.merge() == Merge.NONE ? Merge.CONCAT : a.merge(), hidden(rs[0].state()), wf, hidden(rs[1].state()), a.backward().outputSize(),
                    batch, y);
        }
    }

    private static float[] hidden(CellState s) {
        return s.part(s.partCount() - 1);
    }

    /**
     * Merges {@code rows} rows of two directions' outputs ({@code wf} and {@code wb} wide, equal unless {@link Merge#CONCAT})
     * into {@code y}.
     */
    static void merge(Merge merge, float[] f, int wf, float[] b, int wb, int rows, float[] y) {
        for (int r = 0; r < rows; r++) {
            if (merge == Merge.CONCAT) {
                System.arraycopy(f, r * wf, y, r * (wf + wb), wf);
                System.arraycopy(b, r * wb, y, r * (wf + wb) + wf, wb);
                continue;
            }
            int o = r * wf;
            for (int j = 0; j < wf; j++) {
                float p = f[o + j];
                float q = b[o + j];
                switch (merge) {
                    case SUM -> y[o + j] = p + q;
                    case MUL -> y[o + j] = p * q;
                    case AVE -> y[o + j] = (p + q) / 2;
                    default -> throw new AssertionError(merge);
                }
            }
        }
    }

    private static void need(String what, float[] a, long n) {
        if (a == null || a.length < n) {
            throw new IllegalArgumentException(what + " need " + n + " values, got " + (a == null ? "null" : a.length));
        }
    }

    /**
     * Warms every layer and direction up before the first real run ({@link WarmUp}): {@code runs} runs of {@code steps}
     * zero steps (at most the capacity), then more until the JIT is quiet. Every state is saved first and restored
     * after. Returns what it did ({@link io.github.panamarnn.cells.WarmUp.Result}: calls, time, whether the JIT was quiet).
     */
    public WarmUp.Result warmUp(int runs, int steps) {
        int t = Math.max(1, Math.min(steps, capacity));
        float[][][] kept = new float[layers.length][][];
        for (int l = 0; l < layers.length; l++) {
            kept[l] = new float[runners[l].length][];
            for (int d = 0; d < runners[l].length; d++) {
                CellState s = runners[l][d].state();
                kept[l][d] = new float[s.batch() * s.flatSize()];
                s.readFlat(kept[l][d], 0);
            }
        }
        Layer a = layers[layers.length - 1];
        float[] x = new float[t * batch * layers[0].forward().inputSize()];
        float[] out = new float[t * batch * a.outputWidth()];
        float[] outB = a.backward() == null ? null : new float[t * batch * a.backward().outputSize()];
        WarmUp.Result result = WarmUp.run(() -> run(x, t, true, null, null, Padding.ZERO, out, outB), runs);
        for (int l = 0; l < layers.length; l++) {
            for (int d = 0; d < runners[l].length; d++) {
                runners[l][d].state().writeFlat(kept[l][d], 0);
            }
        }
        return result;
    }
}
