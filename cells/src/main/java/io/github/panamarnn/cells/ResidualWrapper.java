package io.github.panamarnn.cells;

/**
 * TF1 {@code ResidualWrapper} (SEMANTICS.md 2): output = input + inner output; the state is the
 * inner cell's, without the residual (the next step's h is the inner h). Input and output sizes must
 * match. Immutable and thread-safe; a state belongs to one stream.
 */
public final class ResidualWrapper extends CellWrapper {

    /** {@code inner} with its input added to its output (equal sizes). */
    public ResidualWrapper(RnnCell inner) {
        super(inner);
        if (inner.inputSize() != inner.outputSize()) {
            throw new IllegalArgumentException("ResidualWrapper needs input size == output size, got input " + inner.inputSize()
                    + " and output " + inner.outputSize());
        }
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
