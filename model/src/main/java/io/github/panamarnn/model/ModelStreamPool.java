package io.github.panamarnn.model;

import io.github.panamarnn.cells.WarmUp;
import io.github.panamarnn.unroll.TickIds;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Many independent streams of one whole model (e.g. 10,000 sensors), each with its own state in every recurrent layer,
 * of which any subset advances in a tick: the tick runs ONE batched step through every layer, heads included (a
 * matrix-matrix product per layer instead of a matrix-vector product per stream), gathering those streams' states and
 * scattering them back. Each row is bit for bit what {@link Model.Stream#step} computes for that stream (every
 * row of a batched product sums in the single-row order: {@link io.github.panamarnn.kernels.Kernels#rowBlock()} is 1).
 * Stream ids are {@code 0 .. streams-1}; a bad tick
 * (an unknown or repeated id, a bad token id, a short array) is refused before any state changes.
 *
 * <p>State as data: {@link #snapshot} and {@link #restore} move one stream's whole state in the format a
 * {@link Model.Stream} uses, so a stream can leave a pool for a single-stream service and come back, or move
 * between machines.
 *
 * <p>Not thread-safe: the pool owns every stream's state and its buffers; one thread ticks it. The model is shared. The
 * first tick of a given size builds that size's batch states once (or {@link #prepare} does, at start-up); every later
 * tick allocates nothing.
 */
public final class ModelStreamPool {
    private final Model model;
    private final int streams;
    private final int maxPerTick;
    private final int inputSize;
    private final int outputSize;
    /** Per recurrent layer (null for the others) and part: every stream's rows, {@code [streams, size]} ({@link StateFormat} rows). */
    private final float[][][] store;
    /** Per recurrent layer: every stream's last unmasked output, {@code [streams, width]}. */
    private final float[][] last;
    /** Per tick size: the batched stream a tick of that many streams runs on, built on first use. */
    private final Model.Stream[] batch;
    private final TickIds tickIds;

    ModelStreamPool(Model model, int streams, int maxPerTick) {
        this.tickIds = new TickIds(streams, maxPerTick);
        this.model = model;
        this.streams = streams;
        this.maxPerTick = tickIds.maxPerTick();
        this.inputSize = model.inputSize();
        this.outputSize = model.outputSize();
        List<Model.Layer> layers = model.layers();
        this.store = new float[layers.size()][][];
        this.last = new float[layers.size()][];
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Model.Recurrent r) {
                int[] sizes = r.forward().stateSizes();
                store[i] = new float[sizes.length][];
                for (int p = 0; p < sizes.length; p++) {
                    store[i][p] = new float[size(streams, sizes[p])];
                }
                last[i] = new float[size(streams, r.forward().outputSize())];
            }
        }
        this.batch = new Model.Stream[this.maxPerTick + 1];
    }

    private static int size(int rows, int width) {
        long n = (long) rows * width;
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(rows + " rows of " + width + " values do not fit one array (" + n + ")");
        }
        return (int) n;
    }

    /** The model every stream of this pool runs. */
    public Model model() {
        return model;
    }

    /** Streams in the pool: ids {@code 0 .. streams() - 1}. */
    public int streams() {
        return streams;
    }

    /** The most streams one tick advances. */
    public int maxPerTick() {
        return maxPerTick;
    }

    /**
     * Advances streams {@code ids[0 .. count)} by one step: row {@code i} of {@code x} ({@code [count, inputSize]}) is
     * stream {@code ids[i]}'s input, row {@code i} of {@code out} ({@code [count, outputSize]}) its output. The streams'
     * states are gathered into a batched {@link Model.Stream} of {@code count} rows, stepped, and scattered back.
     *
     * @throws IllegalArgumentException for a count outside [0, {@link #maxPerTick()}], a short array, an unknown or a
     *                                  repeated id, or a bad token id (naming it); no state has changed then
     */
    public void tick(int[] ids, int count, float[] x, int xOff, float[] out, int outOff) {
        if (!tickIds.count(ids, count)) {
            return;
        }
        StateFormat.checkRange("tick input", x, xOff, count * inputSize);
        StateFormat.checkRange("tick output", out, outOff, count * outputSize);
        tickIds.check(ids, count);
        Model.Stream s = batch[count];
        if (s == null) {
            prepare(count);
            s = batch[count];
        }
        StateFormat.copyRows(store, last, streams, s.parts, s.last, count, ids, count, false);
        s.step(x, xOff, out, outOff); // checks the token ids before any state moves; the pool's rows change only below
        StateFormat.copyRows(store, last, streams, s.parts, s.last, count, ids, count, true);
    }

    /** Builds the batched stream of ticks of {@code count} streams now rather than on the first such tick. */
    public void prepare(int count) {
        if (count < 1 || count > maxPerTick) {
            throw new IllegalArgumentException("a tick takes 1 to " + maxPerTick + " streams, got " + count);
        }
        if (batch[count] == null) {
            batch[count] = model.newStream(count);
        }
    }

    /** Back to the zero state for stream {@code id}. */
    public void reset(int id) {
        checkId(id);
        for (int i = 0; i < store.length; i++) {
            if (store[i] != null) {
                for (float[] part : store[i]) {
                    int w = part.length / streams;
                    Arrays.fill(part, id * w, (id + 1) * w, 0f);
                }
                int w = last[i].length / streams;
                Arrays.fill(last[i], id * w, (id + 1) * w, 0f);
            }
        }
    }

    /** Back to the zero state for every stream. */
    public void resetAll() {
        for (int i = 0; i < store.length; i++) {
            if (store[i] != null) {
                for (float[] part : store[i]) {
                    Arrays.fill(part, 0f);
                }
                Arrays.fill(last[i], 0f);
            }
        }
    }

    /**
     * Writes stream {@code id}'s whole state ({@link Model#stateSize()} floats, the format of
     * {@link Model.Stream#snapshot}) to {@code dst[off ..]}. Allocates nothing.
     *
     * @throws IllegalArgumentException for an unknown id or too short an array (nothing written)
     */
    public void snapshot(int id, float[] dst, int off) {
        checkId(id);
        StateFormat.write(model.fingerprint(), model.statePayload(), store, last, streams, id, dst, off);
    }

    /**
     * Sets stream {@code id}'s whole state from a snapshot (of a pool stream or a {@link Model.Stream} of the same
     * model) at {@code src[off ..]}. Allocates nothing.
     *
     * @throws IllegalArgumentException for an unknown id, too short an array, or a state that is not this model's
     *                                  (naming which); nothing changes then
     */
    public void restore(int id, float[] src, int off) {
        checkId(id);
        StateFormat.read(model.fingerprint(), model.statePayload(), store, last, streams, id, src, off);
    }

    /** {@link #snapshot(int, float[], int)} into a buffer at its position (which moves past it), in its byte order. */
    public void snapshot(int id, ByteBuffer dst) {
        checkId(id);
        StateFormat.write(model.fingerprint(), model.statePayload(), store, last, streams, id, dst);
    }

    /** {@link #restore(int, float[], int)} from a buffer at its position (which moves past it only when the state is accepted). */
    public void restore(int id, ByteBuffer src) {
        checkId(id);
        StateFormat.read(model.fingerprint(), model.statePayload(), store, last, streams, id, src);
    }

    private void checkId(int id) {
        tickIds.checkId(id);
    }

    /**
     * Warms the pool up before its first real tick ({@link WarmUp}): {@code ticks} ticks of {@link #maxPerTick()} streams
     * on a scratch pool of this model, then more until the JIT is quiet; this pool's streams are untouched. Returns what it
     * did (calls, time, whether the JIT was quiet).
     */
    public WarmUp.Result warmUp(int ticks) {
        ModelStreamPool scratch = new ModelStreamPool(model, maxPerTick, maxPerTick);
        int n = maxPerTick;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        float[] x = new float[n * inputSize];
        float[] y = new float[n * outputSize];
        int[] c = {0};
        return WarmUp.run(() -> {
            int t = c[0]++;
            if (model.tokenIdLayer() == null) {
                x[t % x.length] = (t % 7) * 0.1f - 0.3f;
            }
            scratch.tick(ids, n, x, 0, y, 0);
            if (t % 64 == 63) {
                scratch.resetAll();
            }
        }, ticks);
    }
}
