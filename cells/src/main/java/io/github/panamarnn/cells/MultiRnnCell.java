package io.github.panamarnn.cells;

import java.util.List;

/**
 * TF1 {@code MultiRNNCell} (SEMANTICS.md 2): layers run in order within one step, layer k+1 reads
 * layer k's output. The state is the layers' state parts in order (for {@code state_is_tuple=False},
 * {@link CellState#readFlat} gives the flat row {@code [c_0 | h_0 | h_1 ...]}); the output is the
 * last layer's. Immutable and thread-safe; a state belongs to one stream.
 */
public final class MultiRnnCell implements RnnCell {
    private final RnnCell[] layers;
    private final int[] sizes;

    /** A stack of {@code cells}, each reading the previous one's output. */
    public MultiRnnCell(List<? extends RnnCell> cells) {
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("MultiRNNCell needs at least one cell, got an empty list");
        }
        this.layers = cells.toArray(new RnnCell[0]);
        for (int l = 1; l < layers.length; l++) {
            if (layers[l].inputSize() != layers[l - 1].outputSize()) {
                throw new IllegalArgumentException("layer " + l + " expects input size " + layers[l].inputSize()
                        + " but layer " + (l - 1) + " outputs " + layers[l - 1].outputSize());
            }
        }
        this.sizes = stateSizes();
    }

    /** Cells in the stack. */
    public int layerCount() {
        return layers.length;
    }

    /** Cell {@code l} of the stack, 0 the first. */
    public RnnCell layer(int l) {
        return layers[l];
    }

    @Override
    public int inputSize() {
        return layers[0].inputSize();
    }

    @Override
    public int outputSize() {
        return layers[layers.length - 1].outputSize();
    }

    @Override
    public int[] stateSizes() {
        int n = 0;
        for (RnnCell c : layers) {
            n += c.stateSizes().length;
        }
        int[] sizes = new int[n];
        int at = 0;
        for (RnnCell c : layers) {
            for (int s : c.stateSizes()) {
                sizes[at++] = s;
            }
        }
        return sizes;
    }

    /** The layers' states (whose arrays are this state's parts) and one output buffer per inner layer. */
    static final class State extends CellState {
        final CellState[] inner;
        final float[][] outputs;

        State(int batch, int[] sizes, float[][] parts, CellState[] inner, float[][] outputs) {
            super(batch, sizes, parts);
            this.inner = inner;
            this.outputs = outputs;
        }
    }

    /** The state of layer {@code l} inside a state of this stack. */
    public CellState layerState(CellState state, int l) {
        return ((State) state).inner[l];
    }

    @Override
    public CellState zeroState(int batch) {
        CellState[] inner = new CellState[layers.length];
        int[] sizes = stateSizes();
        float[][] parts = new float[sizes.length][];
        float[][] outputs = new float[layers.length - 1][];
        int at = 0;
        for (int l = 0; l < layers.length; l++) {
            inner[l] = layers[l].zeroState(batch);
            for (int i = 0; i < inner[l].partCount(); i++) {
                parts[at++] = inner[l].part(i);
            }
            if (l < layers.length - 1) {
                outputs[l] = CellState.buffer(batch, layers[l].outputSize());
            }
        }
        return new State(batch, sizes, parts, inner, outputs);
    }

    @Override
    public void step(float[] x, int xOff, CellState state, float[] out, int outOff) {
        // Checked here for the whole stack: the first layers would otherwise update their states before the last refuses `out`.
        StepChecks.state(this, state, State.class, sizes);
        StepChecks.range(this, "input", x, xOff, (long) state.batch * inputSize());
        StepChecks.range(this, "output", out, outOff, (long) state.batch * outputSize());
        State s = (State) state;
        float[] in = x;
        int inOff = xOff;
        for (int l = 0; l < layers.length - 1; l++) {
            layers[l].step(in, inOff, s.inner[l], s.outputs[l], 0);
            in = s.outputs[l];
            inOff = 0;
        }
        layers[layers.length - 1].step(in, inOff, s.inner[layers.length - 1], out, outOff);
    }

    @Override
    public String toString() {
        return "MultiRnnCell" + List.of(layers);
    }

    /** Every layer's fingerprint, in order ({@link RnnCell#fingerprint()}). */
    @Override
    public long fingerprint() {
        long h = RnnCell.fingerprint(this, layers.length);
        for (RnnCell c : layers) {
            h = io.github.panamarnn.kernels.PackedMatrix.combine(h, c.fingerprint());
        }
        return h;
    }
}
