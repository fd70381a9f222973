package io.github.panamarnn.cells;

/**
 * TF1 {@code ResidualWrapper} (SEMANTICS.md 2): output = input + inner output; the state is the
 * inner cell's, without the residual (the next step's h is the inner h). Input and output sizes must
 * match. Immutable and thread-safe; a state belongs to one stream.
 */
public final class ResidualWrapper implements RnnCell, CellWrapper {
    private final RnnCell inner;

    public ResidualWrapper(RnnCell inner) {
        if (inner.inputSize() != inner.outputSize()) {
            throw new IllegalArgumentException("ResidualWrapper needs input size == output size, got input " + inner.inputSize()
                    + " and output " + inner.outputSize());
        }
        this.inner = inner;
    }

    @Override
    public RnnCell inner() {
        return inner;
    }

    @Override
    public int inputSize() {
        return inner.inputSize();
    }

    @Override
    public int outputSize() {
        return inner.outputSize();
    }

    @Override
    public int[] stateSizes() {
        return inner.stateSizes();
    }

    @Override
    public CellState zeroState(int batch) {
        return inner.zeroState(batch);
    }

    @Override
    public void step(float[] x, int xOff, CellState state, float[] out, int outOff) {
        inner.step(x, xOff, state, out, outOff);
        int n = state.batch() * inner.outputSize();
        for (int i = 0; i < n; i++) {
            out[outOff + i] += x[xOff + i];
        }
    }

    @Override
    public String toString() {
        return "ResidualWrapper[" + inner + "]";
    }
}
