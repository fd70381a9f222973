package io.github.panamarnn.unroll;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;

/**
 * Many independent streams of one cell (e.g. 10,000 sensors or instruments), each with its own
 * state, of which any subset advances in a tick. A tick gathers those streams' states into one
 * batch, runs ONE batched step (a matrix-matrix product instead of one matrix-vector product per
 * stream) and scatters the new states back. Stream ids are {@code 0 .. streams-1}; an unknown or
 * repeated id in a tick is an error that changes no state.
 *
 * <p>Not thread-safe: the pool owns every stream's state and its gather buffers; one thread ticks
 * it. The cell is shared. The first tick of a given size builds that batch's buffers once (or
 * {@link #prepare} does, at start-up); every later tick of that size allocates nothing.
 */
public final class StreamPool {
    private final RnnCell cell;
    private final int streams;
    private final int maxPerTick;
    private final int[] sizes;
    /** Per part, all streams' rows: {@code [streams, size]}. */
    private final float[][] store;
    /** The batched state of each tick size used so far (index = size), built on first use. */
    private final CellState[] batchStates;
    private final TickIds ids;

    /** {@code streams} streams of {@code cell} from the zero state, any {@code maxPerTick} of which advance in one tick. */
    public StreamPool(RnnCell cell, int streams, int maxPerTick) {
        if (streams < 1 || maxPerTick < 1) {
            throw new IllegalArgumentException("streams and maxPerTick must be positive, got " + streams + " and " + maxPerTick);
        }
        this.cell = cell;
        this.streams = streams;
        this.maxPerTick = Math.min(maxPerTick, streams);
        this.sizes = cell.stateSizes();
        this.store = new float[sizes.length][];
        for (int p = 0; p < sizes.length; p++) {
            long n = (long) streams * sizes[p];
            if (n > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException(streams + " streams of state width " + sizes[p] + " do not fit one array");
            }
            store[p] = new float[(int) n];
        }
        this.batchStates = new CellState[this.maxPerTick + 1];
        this.ids = new TickIds(streams, maxPerTick);
    }

    /** Streams in this pool (ids {@code 0 .. streams-1}). */
    public int streams() {
        return streams;
    }

    /** The most streams one tick advances. */
    public int maxPerTick() {
        return maxPerTick;
    }

    /**
     * Advances streams {@code ids[0 .. count)} by one step: row {@code i} of {@code x}
     * ({@code [count, inputSize]}) is stream {@code ids[i]}'s input, row {@code i} of {@code out}
     * its output.
     *
     * @throws IllegalArgumentException for a count above {@link #maxPerTick()}, an unknown or a
     *                                  repeated id (naming it); no state has changed then
     */
    public void tick(int[] ids, int count, float[] x, int xOff, float[] out, int outOff) {
        if (!this.ids.count(ids, count)) {
            return;
        }
        this.ids.check(ids, count);
        CellState batch = batchStates[count];
        if (batch == null) {
            prepare(count);
            batch = batchStates[count];
        }
        for (int p = 0; p < sizes.length; p++) {
            float[] dst = batch.part(p);
            int w = sizes[p];
            for (int i = 0; i < count; i++) {
                System.arraycopy(store[p], ids[i] * w, dst, i * w, w);
            }
        }
        cell.step(x, xOff, batch, out, outOff);
        for (int p = 0; p < sizes.length; p++) {
            float[] src = batch.part(p);
            int w = sizes[p];
            for (int i = 0; i < count; i++) {
                System.arraycopy(src, i * w, store[p], ids[i] * w, w);
            }
        }
    }

    /** Builds the buffers of ticks of {@code count} streams now rather than on the first such tick. */
    public void prepare(int count) {
        if (count < 1 || count > maxPerTick) {
            throw new IllegalArgumentException("a tick takes 1 to " + maxPerTick + " streams, got " + count);
        }
        if (batchStates[count] == null) {
            batchStates[count] = cell.zeroState(count);
        }
    }

    /** Copies stream {@code id}'s state part {@code part} into {@code dst[off ..]}. */
    public void readState(int id, int part, float[] dst, int off) {
        checkPart(id, part, dst, off);
        System.arraycopy(store[part], id * sizes[part], dst, off, sizes[part]);
    }

    /** Sets stream {@code id}'s state part {@code part} from {@code src[off ..]}. */
    public void writeState(int id, int part, float[] src, int off) {
        checkPart(id, part, src, off);
        System.arraycopy(src, off, store[part], id * sizes[part], sizes[part]);
    }

    /** Back to the zero state for one stream. */
    public void reset(int id) {
        checkId(id);
        for (int p = 0; p < sizes.length; p++) {
            java.util.Arrays.fill(store[p], id * sizes[p], (id + 1) * sizes[p], 0f);
        }
    }

    /** Back to the zero state for every stream. */
    public void resetAll() {
        for (float[] s : store) {
            java.util.Arrays.fill(s, 0f);
        }
    }

    private void checkPart(int id, int part, float[] a, int off) {
        checkId(id);
        if (part < 0 || part >= sizes.length) {
            throw new IllegalArgumentException("state part " + part + " does not exist; the cell's state has parts 0.." + (sizes.length - 1));
        }
        if (a == null || off < 0 || (long) off + sizes[part] > a.length) {
            throw new IllegalArgumentException("state part " + part + " needs " + sizes[part] + " values from offset " + off + ", the array holds "
                    + (a == null ? "nothing (null)" : a.length));
        }
    }

    private void checkId(int id) {
        ids.checkId(id);
    }

    /**
     * Warms the pool up before its first real tick ({@link WarmUp}): {@code ticks} ticks of the
     * largest size ({@link #maxPerTick()} streams, zero inputs), then more until the JIT is quiet. The
     * streams it ticks are saved first and restored after; no stream's state changes. Returns what it
     * did ({@link io.github.panamarnn.cells.WarmUp.Result}: calls, time, whether the JIT was quiet).
     */
    public WarmUp.Result warmUp(int ticks) {
        int n = maxPerTick;
        int[] ids = new int[n];
        float[][] kept = new float[sizes.length][];
        for (int p = 0; p < sizes.length; p++) {
            kept[p] = new float[n * sizes[p]];
            System.arraycopy(store[p], 0, kept[p], 0, n * sizes[p]);
        }
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        float[] x = new float[n * cell.inputSize()];
        float[] out = new float[n * cell.outputSize()];
        WarmUp.Result ns = WarmUp.run(() -> tick(ids, n, x, 0, out, 0), ticks);
        for (int p = 0; p < sizes.length; p++) {
            System.arraycopy(kept[p], 0, store[p], 0, n * sizes[p]);
        }
        return ns;
    }
}
