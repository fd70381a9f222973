package io.github.panamarnn.model;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.WarmUp;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.unroll.TickIds;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Many independent streams of one whole model (e.g. 10,000 sensors), each with its own state in every recurrent layer,
 * of which any subset advances in a tick: the tick runs ONE batched step through every layer, heads included (a
 * matrix-matrix product per layer instead of a matrix-vector product per stream), gathering those streams' states and
 * scattering them back. Each row is exactly what {@link SequenceModel.Stream#step} computes for that stream, but for the
 * summation order of the batched products (within 1e-6 relative). Stream ids are {@code 0 .. streams-1}; a bad tick
 * (an unknown or repeated id, a bad token id, a short array) is refused before any state changes.
 *
 * <p>State as data: {@link #snapshot} and {@link #restore} move one stream's whole state in the format a
 * {@link SequenceModel.Stream} uses, so a stream can leave a pool for a single-stream service and come back, or move
 * between machines.
 *
 * <p>Not thread-safe: the pool owns every stream's state and its buffers; one thread ticks it. The model is shared. The
 * first tick of a given size builds that size's batch states once (or {@link #prepare} does, at start-up); every later
 * tick allocates nothing.
 */
public final class ModelStreamPool {
    private final SequenceModel model;
    private final SequenceModel.Layer[] layers;
    private final Kernels k;
    private final int streams;
    private final int maxPerTick;
    private final int inputSize;
    private final int outputSize;
    /** Per layer (null for layers without state) and part: every stream's rows, {@code [streams, size]}. */
    private final float[][][] store;
    /** Per layer: every stream's last unmasked output, {@code [streams, width]}. */
    private final float[][] last;
    /** Per layer and tick size: the batch state, built on first use. */
    private final CellState[][] batch;
    private final float[] a;
    private final float[] b;
    private final boolean[] masked;
    private final TickIds tickIds;

    ModelStreamPool(SequenceModel model, int streams, int maxPerTick) {
        if (streams < 1 || maxPerTick < 1) {
            throw new IllegalArgumentException("streams and maxPerTick must be positive, got " + streams + " and " + maxPerTick);
        }
        this.model = model;
        this.layers = model.layers().toArray(new SequenceModel.Layer[0]);
        this.k = model.kernels();
        this.streams = streams;
        this.maxPerTick = Math.min(maxPerTick, streams);
        this.inputSize = model.inputSize();
        this.outputSize = model.outputSize();
        this.store = new float[layers.length][][];
        this.last = new float[layers.length][];
        this.batch = new CellState[layers.length][];
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] instanceof SequenceModel.Recurrent r) {
                int[] sizes = r.forward().stateSizes();
                store[i] = new float[sizes.length][];
                for (int p = 0; p < sizes.length; p++) {
                    store[i][p] = new float[size(streams, sizes[p])];
                }
                last[i] = new float[size(streams, r.forward().outputSize())];
                batch[i] = new CellState[this.maxPerTick + 1];
            }
        }
        this.a = new float[size(this.maxPerTick, model.maxWidth())];
        this.b = new float[a.length];
        this.masked = new boolean[this.maxPerTick];
        this.tickIds = new TickIds(streams, maxPerTick);
    }

    private static int size(int rows, int width) {
        long n = (long) rows * width;
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(rows + " rows of " + width + " values do not fit one array (" + n + ")");
        }
        return (int) n;
    }

    /** The model every stream of this pool runs. */
    public SequenceModel model() {
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
     * stream {@code ids[i]}'s input, row {@code i} of {@code out} ({@code [count, outputSize]}) its output.
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
        SequenceModel.Embedding tokens = model.tokenIdLayer();
        if (tokens != null) {
            for (int r = 0; r < count; r++) {
                tokens.row(x[xOff + r], r);
            }
        }
        tickIds.check(ids, count);
        System.arraycopy(x, xOff, a, 0, count * inputSize);
        Arrays.fill(masked, 0, count, false);
        float[] cur = a;
        int width = inputSize;
        for (int i = 0; i < layers.length; i++) {
            float[] next = cur == a ? b : a;
            switch (layers[i]) {
                case SequenceModel.Embedding e -> {
                    int d = e.outputDim();
                    for (int r = 0; r < count; r++) {
                        int id = (int) cur[r * width];
                        System.arraycopy(e.table(), id * d, next, r * d, d);
                        masked[r] = e.maskZero() && id == 0;
                    }
                    width = d;
                }
                case SequenceModel.Masking m -> {
                    for (int r = 0; r < count; r++) {
                        boolean keep = false;
                        for (int j = 0; j < width; j++) {
                            keep |= cur[r * width + j] != m.value();
                        }
                        masked[r] = !keep;
                        for (int j = 0; j < width; j++) {
                            next[r * width + j] = keep ? cur[r * width + j] : 0f;
                        }
                    }
                }
                case SequenceModel.Recurrent rec -> {
                    recurrent(i, rec, ids, count, cur, next);
                    width = rec.forward().outputSize();
                    if (!rec.returnSequences()) {
                        Arrays.fill(masked, 0, count, false);
                    }
                }
                case SequenceModel.Pointwise p -> {
                    p.dense().apply(cur, 0, count, next, 0);
                    width = p.dense().outputSize();
                    SequenceModel.activate(k, p.activation(), next, count * width);
                }
                case SequenceModel.LastStep s -> {
                    System.arraycopy(cur, 0, next, 0, count * width);
                    Arrays.fill(masked, 0, count, false);
                }
            }
            cur = next;
        }
        System.arraycopy(cur, 0, out, outOff, count * outputSize);
    }

    /** One recurrent layer for the tick's rows: gather, one batched step, scatter (masked rows keep state and repeat their last output). */
    private void recurrent(int i, SequenceModel.Recurrent rec, int[] ids, int count, float[] cur, float[] next) {
        CellState s = batch[i][count];
        if (s == null) {
            prepare(count);
            s = batch[i][count];
        }
        float[][] parts = store[i];
        for (int p = 0; p < parts.length; p++) {
            float[] dst = s.part(p);
            int w = s.partSize(p);
            for (int r = 0; r < count; r++) {
                System.arraycopy(parts[p], ids[r] * w, dst, r * w, w);
            }
        }
        rec.forward().step(cur, 0, s, next, 0);
        int w = rec.forward().outputSize();
        for (int r = 0; r < count; r++) {
            int id = ids[r];
            if (masked[r]) {
                if (rec.zeroOutputForMask() && rec.returnSequences()) {
                    Arrays.fill(next, r * w, (r + 1) * w, 0f);
                } else {
                    System.arraycopy(last[i], id * w, next, r * w, w);
                }
                continue;
            }
            for (int p = 0; p < parts.length; p++) {
                int pw = s.partSize(p);
                System.arraycopy(s.part(p), r * pw, parts[p], id * pw, pw);
            }
            System.arraycopy(next, r * w, last[i], id * w, w);
        }
    }

    /** Builds the batch states of ticks of {@code count} streams now rather than on the first such tick. */
    public void prepare(int count) {
        if (count < 1 || count > maxPerTick) {
            throw new IllegalArgumentException("a tick takes 1 to " + maxPerTick + " streams, got " + count);
        }
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] instanceof SequenceModel.Recurrent r && batch[i][count] == null) {
                batch[i][count] = r.forward().zeroState(count);
            }
        }
    }

    /** Back to the zero state for stream {@code id}. */
    public void reset(int id) {
        checkId(id);
        for (int i = 0; i < layers.length; i++) {
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
        for (int i = 0; i < layers.length; i++) {
            if (store[i] != null) {
                for (float[] part : store[i]) {
                    Arrays.fill(part, 0f);
                }
                Arrays.fill(last[i], 0f);
            }
        }
    }

    /**
     * Writes stream {@code id}'s whole state ({@link SequenceModel#stateSize()} floats, the format of
     * {@link SequenceModel.Stream#snapshot}) to {@code dst[off ..]}. Allocates nothing.
     *
     * @throws IllegalArgumentException for an unknown id or too short an array (nothing written)
     */
    public void snapshot(int id, float[] dst, int off) {
        checkId(id);
        final int payload = model.statePayload();
        StateFormat.checkRange("snapshot", dst, off, StateFormat.HEADER + payload);
        StateFormat.writeHeader(model.fingerprint(), payload, dst, off);
        int at = off + StateFormat.HEADER;
        for (int i = 0; i < layers.length; i++) {
            if (store[i] != null) {
                for (float[] part : store[i]) {
                    int w = part.length / streams;
                    System.arraycopy(part, id * w, dst, at, w);
                    at += w;
                }
                int w = last[i].length / streams;
                System.arraycopy(last[i], id * w, dst, at, w);
                at += w;
            }
        }
    }

    /**
     * Sets stream {@code id}'s whole state from a snapshot (of a pool stream or a {@link SequenceModel.Stream} of the same
     * model) at {@code src[off ..]}. Allocates nothing.
     *
     * @throws IllegalArgumentException for an unknown id, too short an array, or a state that is not this model's
     *                                  (naming which); nothing changes then
     */
    public void restore(int id, float[] src, int off) {
        checkId(id);
        final int payload = model.statePayload();
        StateFormat.checkRange("restore", src, off, StateFormat.HEADER + payload);
        StateFormat.checkHeader(model.fingerprint(), payload, src, off);
        int at = off + StateFormat.HEADER;
        for (int i = 0; i < layers.length; i++) {
            if (store[i] != null) {
                for (float[] part : store[i]) {
                    int w = part.length / streams;
                    System.arraycopy(src, at, part, id * w, w);
                    at += w;
                }
                int w = last[i].length / streams;
                System.arraycopy(src, at, last[i], id * w, w);
                at += w;
            }
        }
    }

    /** {@link #snapshot(int, float[], int)} into a buffer at its position (which moves past it), in its byte order. */
    public void snapshot(int id, ByteBuffer dst) {
        checkId(id);
        final int payload = model.statePayload();
        StateFormat.checkRange("snapshot", dst, StateFormat.HEADER + payload, true);
        StateFormat.writeHeader(model.fingerprint(), payload, dst);
        for (int i = 0; i < layers.length; i++) {
            if (store[i] != null) {
                for (float[] part : store[i]) {
                    int w = part.length / streams;
                    for (int j = 0; j < w; j++) {
                        dst.putFloat(part[id * w + j]);
                    }
                }
                int w = last[i].length / streams;
                for (int j = 0; j < w; j++) {
                    dst.putFloat(last[i][id * w + j]);
                }
            }
        }
    }

    /** {@link #restore(int, float[], int)} from a buffer at its position (which moves past it only when the state is accepted). */
    public void restore(int id, ByteBuffer src) {
        checkId(id);
        final int payload = model.statePayload();
        StateFormat.checkRange("restore", src, StateFormat.HEADER + payload, false);
        StateFormat.checkHeader(model.fingerprint(), payload, src);
        src.position(src.position() + 4 * StateFormat.HEADER);
        for (int i = 0; i < layers.length; i++) {
            if (store[i] != null) {
                for (float[] part : store[i]) {
                    int w = part.length / streams;
                    for (int j = 0; j < w; j++) {
                        part[id * w + j] = src.getFloat();
                    }
                }
                int w = last[i].length / streams;
                for (int j = 0; j < w; j++) {
                    last[i][id * w + j] = src.getFloat();
                }
            }
        }
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
