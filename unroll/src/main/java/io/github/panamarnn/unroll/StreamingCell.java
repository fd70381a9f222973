package io.github.panamarnn.unroll;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;

/**
 * One live stream: one {@link #step} per tick, the state kept inside, the output written into the
 * caller's buffer, no allocation and no copying of weights (the cell is shared).
 *
 * <p>Not thread-safe: one instance per stream (or per thread feeding it).
 */
public final class StreamingCell {
    private final RnnCell cell;
    private final CellState state;

    public StreamingCell(RnnCell cell) {
        this.cell = cell;
        this.state = cell.zeroState(1);
    }

    public RnnCell cell() {
        return cell;
    }

    /** The live state (c then h for an LSTM); set it to resume a stream, read it to checkpoint one. */
    public CellState state() {
        return state;
    }

    /** One tick: {@code x[xOff .. xOff + inputSize)} in, {@code out[outOff .. outOff + outputSize)} out. */
    public void step(float[] x, int xOff, float[] out, int outOff) {
        cell.step(x, xOff, state, out, outOff);
    }

    /** Back to the zero state. */
    public void reset() {
        state.reset();
    }

    /**
     * Runs {@code calls} steps so the JIT compiles this cell's step before the first real tick (what a
     * latency-sensitive service calls at start-up). The steps run on this stream's own state and
     * output buffers, so they are also warm in the caches afterwards; the state is saved first and
     * restored after, so the stream is left exactly as it was. Returns the nanoseconds it took.
     */
    public long warmUp(int calls) {
        CellState saved = cell.zeroState(1);
        saved.copyRowFrom(state, 0);
        float[] x = new float[cell.inputSize()];
        float[] y = new float[cell.outputSize()];
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            x[i % x.length] = (i % 7) * 0.1f;
            cell.step(x, 0, state, y, 0);
        }
        state.copyRowFrom(saved, 0);
        return System.nanoTime() - t0;
    }
}
