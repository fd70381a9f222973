package io.github.panamarnn.unroll;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;

/**
 * One live stream: one {@link #step} per tick, the state kept inside, the output written into the
 * caller's buffer, no allocation and no copying of weights (the cell is shared).
 *
 * <p>Not thread-safe: one instance per stream (or per thread feeding it).
 */
public final class StreamingCell {
    private final RnnCell cell;
    private final CellState state;

    /** One stream of {@code cell}, batch 1, from the zero state. */
    public StreamingCell(RnnCell cell) {
        this.cell = cell;
        this.state = cell.zeroState(1);
    }

    /** The cell this stream steps. */
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
     * Warms this stream up before its first real tick (what a latency-sensitive service calls at
     * start-up): {@code calls} steps through {@link #step}, the entry point the caller uses, then more
     * until the JIT is quiet ({@link WarmUp}). The steps run on this stream's own state so it is warm
     * in the caches too; the state is saved first and restored after, so the stream is left exactly as
     * it was. Returns what it did ({@link io.github.panamarnn.cells.WarmUp.Result}; about 1 to 2 s for an LSTM at h = 64 on the machine of
     * {@code jmh-results/latency}).
     */
    public WarmUp.Result warmUp(int calls) {
        float[] saved = new float[state.batch() * state.flatSize()];
        state.readFlat(saved, 0);
        float[] x = new float[cell.inputSize()];
        float[] y = new float[cell.outputSize()];
        long t0 = System.nanoTime();
        WarmUp.Result r = WarmUp.run(() -> step(x, 0, y, 0), calls);
        stepFromInterpretedCode(x, y);
        state.writeFlat(saved, 0);
        return new WarmUp.Result(r.calls() + 1, System.nanoTime() - t0, r.jitQuiet());
    }

    /**
     * One step from a method that runs once, so from the interpreter. The first call of the compiled
     * step from interpreted code (which is where a service's own start-up code calls it from) costs
     * about 30 us once per JVM on the machine of {@code jmh-results/latency}, 15 times a step at
     * h = 64; the warm-up's own calls all come from compiled code, so without this the service's first
     * real tick would pay it.
     */
    private void stepFromInterpretedCode(float[] x, float[] y) {
        step(x, 0, y, 0);
    }
}
