package io.github.panamarnn.cells;

/**
 * A cell around another cell, whose state parts are the inner cell's: sizes and state delegate to
 * the inner cell unless the wrapper says otherwise. Immutable and thread-safe, as cells are.
 */
public abstract class CellWrapper implements RnnCell {
    /** The wrapped cell. */
    protected final RnnCell inner;

    /** A wrapper around {@code inner}. */
    protected CellWrapper(RnnCell inner) {
        this.inner = java.util.Objects.requireNonNull(inner, "inner cell");
    }

    /** The wrapped cell. */
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
}
