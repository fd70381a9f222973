package io.github.panamarnn.cells;

/**
 * TF1 {@code EmbeddingWrapper(cell, vocab, dim)}: integer ids in, embedding rows into the cell.
 * {@link #inputSize()} is 1: {@link #step} reads one id per batch row as a float (exact below 2^24);
 * {@link #stepIds} takes them as ints. An id outside {@code [0, vocab)} is an error naming it. The
 * embedding table is copied once; immutable and thread-safe; a state belongs to one stream.
 */
public final class EmbeddingWrapper extends CellWrapper {
    private final int[] innerSizes;
    private final int vocab;
    private final int dim;
    private final float[] table;

    /** {@code inner} fed by the rows of {@code embedding}, a row-major {@code [vocab, dim]} table ({@code dim} must be {@code inner.inputSize()}); the table is copied. */
    public EmbeddingWrapper(RnnCell inner, int vocab, int dim, float[] embedding) {
        super(inner);
        this.vocab = Shapes.positive("vocabulary size", vocab);
        this.dim = Shapes.positive("embedding size", dim);
        if (dim != inner.inputSize()) {
            throw new IllegalArgumentException("embedding size " + dim + " must equal the cell's input size " + inner.inputSize());
        }
        this.table = Shapes.check("embedding", embedding, vocab, dim).clone();
        this.innerSizes = inner.stateSizes();
    }

    @Override
    public int inputSize() {
        return 1;
    }

    @Override
    public CellState zeroState(int batch) {
        return new WrappedState(inner.zeroState(batch), batch * dim);
    }

    private void checks(CellState state, float[] out, int outOff) {
        StepChecks.state(this, state, WrappedState.class, innerSizes);
        StepChecks.range(this, "output", out, outOff, (long) state.batch * outputSize());
    }

    private void lookup(int row, int id, float[] dst) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException("id " + id + " in batch row " + row + " is outside the vocabulary [0, " + vocab + ")");
        }
        System.arraycopy(table, id * dim, dst, row * dim, dim);
    }

    @Override
    public void step(float[] ids, int idOff, CellState state, float[] out, int outOff) {
        checks(state, out, outOff);
        StepChecks.range(this, "ids", ids, idOff, state.batch);
        WrappedState s = (WrappedState) state;
        for (int b = 0; b < s.batch; b++) {
            float v = ids[idOff + b];
            int id = (int) v;
            if (id != v) {
                throw new IllegalArgumentException("id " + v + " in batch row " + b + " is not an integer");
            }
            lookup(b, id, s.scratch);
        }
        inner.step(s.scratch, 0, s.inner, out, outOff);
    }

    /** One step on integer ids, one per batch row. */
    public void stepIds(int[] ids, int idOff, CellState state, float[] out, int outOff) {
        checks(state, out, outOff);
        if (ids == null || idOff < 0 || (long) idOff + state.batch > ids.length) {
            throw new IllegalArgumentException(this + ": the ids need " + state.batch + " values from offset " + idOff + ", the array holds "
                    + (ids == null ? "nothing (null)" : ids.length));
        }
        WrappedState s = (WrappedState) state;
        for (int b = 0; b < s.batch; b++) {
            lookup(b, ids[idOff + b], s.scratch);
        }
        inner.step(s.scratch, 0, s.inner, out, outOff);
    }

    @Override
    public String toString() {
        return "EmbeddingWrapper[" + vocab + " x " + dim + ", " + inner + "]";
    }
}
