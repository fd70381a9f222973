package io.github.panamarnn.cells;

/**
 * The state of a wrapper: the inner cell's state (whose arrays are this state's parts) plus the
 * wrapper's own scratch. Not thread-safe: one per stream.
 */
class WrappedState extends CellState {
    final CellState inner;
    final float[] scratch;

    WrappedState(CellState inner, int scratchSize) {
        super(inner.batch, inner.sizes, inner.parts);
        this.inner = inner;
        this.scratch = new float[scratchSize];
    }
}
