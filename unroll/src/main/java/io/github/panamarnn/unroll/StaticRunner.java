package io.github.panamarnn.unroll;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.InputProjectedCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;

/**
 * The static unrolled runner ({@code static_rnn}, SEMANTICS.md 3): built for a cell (or a stack of
 * them), a batch size and a sequence length T fixed at build time, with every buffer of all T steps
 * preallocated. The input half of every step does not depend on the recurrence, so each layer
 * computes it for many steps in ONE matrix-matrix product ({@link InputProjectedCell#projectInputs})
 * and its time loop runs only the recurrent half; a stack runs layer by layer, so every layer's input
 * projection is batched the same way. The projection covers {@value #CHUNK_ROWS} rows (steps x batch)
 * at a time: all T steps at batch 1, 8 steps at batch 32; a single product over thousands of rows
 * measured slower, its output streaming through L3 instead of staying in L2. {@code sequence_length} follows TF: zero
 * outputs past a row's length, the state carried, the final state at the last valid step, length 0
 * keeping the initial state.
 *
 * <p>Not thread-safe: a runner owns its states and buffers (one per stream or thread); the cells are
 * shared. {@link #run} allocates nothing.
 */
public final class StaticRunner {
    /** Rows (steps x batch) of input projections made by one product. */
    static final int CHUNK_ROWS = 256;

    private final InputProjectedCell[] layers;
    private final int batch;
    private final int steps;
    private final CellState[] states;
    private final CellState[] saved;
    /** Time-major inputs of each layer: layer 0's copy of the caller's x, then each layer's outputs. */
    private final float[][] inputs;
    private final float[][] projected;
    private final float[][] stepOut;
    private final boolean[] active;
    private final int[] fullLengths;
    /** Steps projected per product. */
    private final int chunk;

    /** A runner of {@code cell} (a stack runs layer by layer) for {@code batch} rows and sequences of exactly {@code steps} steps, every buffer allocated here. */
    public StaticRunner(RnnCell cell, int batch, int steps) {
        if (batch < 1 || steps < 1) {
            throw new IllegalArgumentException("batch and steps must be positive, got batch " + batch + ", steps " + steps);
        }
        this.layers = layersOf(cell);
        this.batch = batch;
        this.steps = steps;
        this.chunk = Math.max(1, Math.min(steps, CHUNK_ROWS / batch));
        int n = layers.length;
        this.states = new CellState[n];
        this.saved = new CellState[n];
        this.inputs = new float[n + 1][];
        this.projected = new float[n][];
        this.stepOut = new float[n][];
        for (int l = 0; l < n; l++) {
            states[l] = layers[l].zeroState(batch);
            saved[l] = layers[l].zeroState(batch);
            inputs[l] = new float[steps * batch * layers[l].inputSize()];
            projected[l] = new float[chunk * batch * layers[l].projectionSize()];
            stepOut[l] = new float[batch * layers[l].outputSize()];
        }
        inputs[n] = new float[steps * batch * layers[n - 1].outputSize()];
        this.active = new boolean[batch];
        this.fullLengths = new int[batch];
        java.util.Arrays.fill(fullLengths, steps);
    }

    private static InputProjectedCell[] layersOf(RnnCell cell) {
        if (cell instanceof InputProjectedCell p) {
            return new InputProjectedCell[] {p};
        }
        if (cell instanceof MultiRnnCell m) {
            InputProjectedCell[] ls = new InputProjectedCell[m.layerCount()];
            for (int l = 0; l < ls.length; l++) {
                if (!(m.layer(l) instanceof InputProjectedCell p)) {
                    throw new IllegalArgumentException("the static runner needs cells that project their inputs (LstmCell, GruCell, "
                            + "SimpleRnnCell); layer " + l + " is " + m.layer(l));
                }
                ls[l] = p;
            }
            return ls;
        }
        throw new IllegalArgumentException("the static runner needs a cell that projects its inputs (LstmCell, GruCell, SimpleRnnCell) "
                + "or a MultiRnnCell of them; got " + cell + " (use SequenceRunner for it)");
    }

    /** Steps of every run. */
    public int steps() {
        return steps;
    }

    /** Rows of every run. */
    public int batch() {
        return batch;
    }

    /** Layers run one after the other (1 for a cell that is not a stack). */
    public int layerCount() {
        return layers.length;
    }

    /** Layer {@code l}'s state: the initial state of the next {@link #run} and the final state of the last one. */
    public CellState state(int l) {
        return states[l];
    }

    /**
     * Runs all T steps.
     *
     * @param x        {@code [B, T, in]}, or {@code [T, B, in]} when {@code timeMajor}
     * @param lengths  per-row valid lengths in {@code [0, T]}, or null for all T
     * @param outputs  the last layer's outputs in the same layout as {@code x}, or null
     */
    public void run(float[] x, boolean timeMajor, int[] lengths, float[] outputs) {
        final int in = layers[0].inputSize();
        final int outW = layers[layers.length - 1].outputSize();
        if (x.length < steps * batch * in) {
            throw new IllegalArgumentException("inputs need T " + steps + " x batch " + batch + " x " + in + " = " + steps * batch * in
                    + " values, got " + x.length);
        }
        if (outputs != null && outputs.length < steps * batch * outW) {
            throw new IllegalArgumentException("outputs need " + steps * batch * outW + " values, got " + outputs.length);
        }
        int[] len = lengths == null ? fullLengths : lengths;
        if (len.length != batch) {
            throw new IllegalArgumentException("sequence_length must have one value per row: " + batch + ", got " + len.length);
        }
        int maxLen = 0;
        for (int b = 0; b < batch; b++) {
            if (len[b] < 0 || len[b] > steps) {
                throw new IllegalArgumentException("sequence_length of row " + b + " is " + len[b] + ", outside [0, " + steps + "]");
            }
            maxLen = Math.max(maxLen, len[b]);
        }
        // Layer 0 reads a time-major copy, so that each step's rows are contiguous for the batched product.
        if (timeMajor) {
            System.arraycopy(x, 0, inputs[0], 0, steps * batch * in);
        } else {
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < steps; t++) {
                    System.arraycopy(x, (b * steps + t) * in, inputs[0], (t * batch + b) * in, in);
                }
            }
        }
        for (int l = 0; l < layers.length; l++) {
            runLayer(l, len, maxLen);
        }
        if (outputs != null) {
            float[] last = inputs[layers.length];
            if (timeMajor) {
                System.arraycopy(last, 0, outputs, 0, steps * batch * outW);
            } else {
                for (int t = 0; t < steps; t++) {
                    for (int b = 0; b < batch; b++) {
                        System.arraycopy(last, (t * batch + b) * outW, outputs, (b * steps + t) * outW, outW);
                    }
                }
            }
        }
    }

    private void runLayer(int l, int[] len, int maxLen) {
        final InputProjectedCell cell = layers[l];
        final int g = cell.projectionSize();
        final int o = cell.outputSize();
        final float[] out = inputs[l + 1];
        final CellState state = states[l];
        final int in = cell.inputSize();
        java.util.Arrays.fill(out, 0f);
        for (int t = 0; t < maxLen; t++) {
            if (t % chunk == 0) {
                int n = Math.min(chunk, maxLen - t);
                cell.projectInputs(inputs[l], t * batch * in, n * batch, projected[l], 0);
            }
            boolean all = true;
            for (int b = 0; b < batch; b++) {
                active[b] = t < len[b];
                all &= active[b];
            }
            if (!all) {
                for (int p = 0; p < state.partCount(); p++) {
                    System.arraycopy(state.part(p), 0, saved[l].part(p), 0, state.part(p).length);
                }
            }
            cell.stepProjected(projected[l], (t % chunk) * batch * g, state, stepOut[l], 0);
            for (int b = 0; b < batch; b++) {
                if (active[b]) {
                    System.arraycopy(stepOut[l], b * o, out, (t * batch + b) * o, o);
                } else {
                    state.copyRowFrom(saved[l], b);
                }
            }
        }
    }

    /**
     * Warms this runner up before its first real run ({@link WarmUp}): {@code runs} runs of zero
     * inputs on this runner's own buffers, then more until the JIT is quiet. Every layer's state is
     * saved first and restored after. Returns what it did ({@link io.github.panamarnn.cells.WarmUp.Result}: calls, time, whether the JIT was quiet).
     */
    public WarmUp.Result warmUp(int runs) {
        float[][] kept = new float[layers.length][];
        for (int l = 0; l < layers.length; l++) {
            kept[l] = new float[states[l].batch() * states[l].flatSize()];
            states[l].readFlat(kept[l], 0);
        }
        float[] x = new float[steps * batch * layers[0].inputSize()];
        float[] out = new float[steps * batch * layers[layers.length - 1].outputSize()];
        WarmUp.Result t = WarmUp.run(() -> run(x, true, null, out), runs);
        for (int l = 0; l < layers.length; l++) {
            states[l].writeFlat(kept[l], 0);
        }
        return t;
    }
}
