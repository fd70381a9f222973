package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Precision;
import io.github.panamarnn.model.Dense;
import io.github.panamarnn.model.ModelStreamPool;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.tests.AllocationMeter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Whole models as many streams and as state data: the model-level stream pool against independent streams for any
 * interleaving of ticks, snapshot and restore (float arrays and byte buffers, either byte order, between a stream and a
 * pool) continuing exactly, restores into another model refused with nothing changed, and 0 bytes per tick, snapshot
 * and restore. Models: the trained files of ../shared/models, and an Embedding(mask_zero) -> GRU -> Dense model for the
 * masked path.
 */
public class ModelStreamsTest {
    private static final Path MODELS = TorchModelsTest.MODELS;
    private static final List<String> FILES = List.of("keras/lstm64.keras", "keras/stacked_lstm64_32.keras", "keras/gru64.keras",
            "keras/simplernn32.keras", "torch/lstm2x64.safetensors", "torch/lstm64_proj16.safetensors", "tokens");

    public static Model loadPublic(String name) {
        return load(name);
    }

    static Model load(String name) {
        if (name.equals("tokens")) {
            SplittableRandom r = new SplittableRandom(3);
            float[] table = new float[5 * 6];
            for (int i = 0; i < table.length; i++) {
                table[i] = (float) r.nextDouble(-1, 1);
            }
            float[] dense = new float[8 * 2];
            for (int i = 0; i < dense.length; i++) {
                dense[i] = (float) r.nextDouble(-1, 1);
            }
            return new Model("tokens", 1, 0, List.of(
                    new Model.Embedding("emb", 5, 6, table, true),
                    new Model.Recurrent("gru", "GRU(8)", Initializers.kerasGru(6, 8, 9), null, null, false,
                            io.github.panamarnn.unroll.SequenceRunner.Order.FORWARD, false, false, 0),
                    new Model.Pointwise("out", Dense.of(8, 2, dense, new float[] {0.1f, -0.2f}), Activation.TANH)));
        }
        try {
            return ModelFiles.load(MODELS.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Provide
    Arbitrary<String> models() {
        return Arbitraries.of(FILES);
    }

    private static float input(Model m, SplittableRandom r) {
        return m.tokenIds() ? r.nextInt(5) : (float) r.nextGaussian();
    }

    @Property(tries = 25)
    void poolTicksEqualIndependentStreams(@ForAll("models") String name, @ForAll @IntRange(min = 1, max = 9) int streams,
                                          @ForAll @IntRange(min = 1, max = 16) int maxPerTick, @ForAll long seed) {
        Model m = load(name);
        ModelStreamPool pool = m.newStreamPool(streams, maxPerTick);
        Model.Stream[] single = new Model.Stream[streams];
        for (int i = 0; i < streams; i++) {
            single[i] = m.newStream();
        }
        SplittableRandom r = new SplittableRandom(seed);
        int in = m.inputSize();
        int out = m.outputSize();
        float[] one = new float[out];
        for (int t = 0; t < 30; t++) {
            int count = 1 + r.nextInt(pool.maxPerTick());
            int[] ids = r.ints(0, streams).distinct().limit(count).toArray();
            count = ids.length;
            float[] x = new float[count * in];
            for (int i = 0; i < x.length; i++) {
                x[i] = input(m, r);
            }
            float[] y = new float[count * out];
            pool.tick(ids, count, x, 0, y, 0);
            for (int i = 0; i < count; i++) {
                single[ids[i]].step(x, i * in, one, 0);
                for (int j = 0; j < out; j++) {
                    float want = one[j];
                    float got = y[i * out + j];
                    // Bit for bit: every row of a batched product sums in the single-row order (Kernels.rowBlock() == 1).
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                            name + " tick " + t + " stream " + ids[i] + " unit " + j + ": pool " + got + ", stream " + want);
                }
            }
        }
    }

    @Property(tries = 25)
    void aBatchedStreamEqualsIndependentStreams(@ForAll("models") String name, @ForAll @IntRange(min = 1, max = 20) int batch, @ForAll long seed) {
        Model m = load(name);
        Model.Stream all = m.newStream(batch);
        Model.Stream[] single = new Model.Stream[batch];
        for (int i = 0; i < batch; i++) {
            single[i] = m.newStream();
        }
        SplittableRandom r = new SplittableRandom(seed);
        int in = m.inputSize();
        int out = m.outputSize();
        float[] x = new float[batch * in];
        float[] y = new float[batch * out];
        float[] one = new float[out];
        for (int t = 0; t < 25; t++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = input(m, r);
            }
            all.step(x, 0, y, 0);
            for (int b = 0; b < batch; b++) {
                single[b].step(x, b * in, one, 0);
                for (int j = 0; j < out; j++) {
                    assertEquals(Float.floatToRawIntBits(one[j]), Float.floatToRawIntBits(y[b * out + j]),
                            name + " step " + t + " row " + b + ": batched " + y[b * out + j] + ", single " + one[j]);
                }
            }
        }
        // A row's state moves to a batch-1 stream and back to another row, exactly.
        float[] state = new float[m.stateSize()];
        all.snapshot(batch - 1, state, 0);
        single[0].restore(state, 0);
        float[] again = new float[m.stateSize()];
        single[0].snapshot(again, 0);
        assertArrayEquals(state, again);
        all.restore(0, again, 0);
        all.snapshot(0, again, 0);
        assertArrayEquals(state, again);
        if (batch > 1) {
            assertThrows(IllegalStateException.class, () -> all.snapshot(state, 0));
            assertThrows(IllegalArgumentException.class, () -> all.snapshot(batch, state, 0));
        }
    }

    @Property(tries = 20)
    void snapshotThenRestoreContinuesExactly(@ForAll("models") String name, @ForAll @IntRange(min = 0, max = 20) int before,
                                             @ForAll boolean buffer, @ForAll boolean bigEndian, @ForAll long seed) {
        Model m = load(name);
        SplittableRandom r = new SplittableRandom(seed);
        Model.Stream s = m.newStream();
        float[] x = new float[m.inputSize()];
        float[] y = new float[m.outputSize()];
        for (int t = 0; t < before; t++) {
            x[0] = input(m, r);
            s.step(x, 0, y, 0);
        }
        Model.Stream copy = m.newStream();
        if (buffer) {
            ByteBuffer b = ByteBuffer.allocate(4 * m.stateSize() + 3).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            b.position(3);
            s.snapshot(b);
            assertEquals(b.capacity(), b.position());
            b.position(3);
            copy.restore(b);
            assertEquals(b.capacity(), b.position());
        } else {
            float[] state = new float[m.stateSize() + 2];
            s.snapshot(state, 2);
            copy.restore(state, 2);
        }
        // Into a pool stream, from the copy's snapshot: the pool continues as the stream does (batched summation aside).
        ModelStreamPool pool = m.newStreamPool(3, 3);
        float[] state = new float[m.stateSize()];
        copy.snapshot(state, 0);
        pool.restore(2, state, 0);
        float[] y2 = new float[y.length];
        float[] yp = new float[y.length];
        for (int t = 0; t < 10; t++) {
            x[0] = input(m, r);
            s.step(x, 0, y, 0);
            copy.step(x, 0, y2, 0);
            pool.tick(new int[] {2}, 1, x, 0, yp, 0);
            assertArrayEquals(y, y2, name + ": the restored stream departs at step " + t);
            for (int j = 0; j < y.length; j++) {
                assertTrue(Math.abs(y[j] - yp[j]) <= 1e-5 + 1e-5 * Math.abs(y[j]), name + ": the restored pool stream departs at step " + t);
            }
        }
        // And back out of the pool.
        float[] fromPool = new float[m.stateSize()];
        pool.snapshot(2, fromPool, 0);
        Model.Stream back = m.newStream();
        back.restore(fromPool, 0);
        float[] again = new float[m.stateSize()];
        back.snapshot(again, 0);
        assertArrayEquals(fromPool, again);
    }

    @Test
    void aStateIsNeverRestoredIntoAnotherModel() {
        Model lstm = load("keras/lstm64.keras");
        Model bf16 = lstm.using(KernelProvider.get().withPrecision(Precision.BF16));
        Model gru = load("keras/gru64.keras");
        assertEquals(lstm.fingerprint(), load("keras/lstm64.h5").fingerprint(), "the same weights from .keras and .h5");
        assertEquals(lstm.fingerprint(), lstm.using(KernelProvider.scalar()).fingerprint(), "kernels do not change the model");
        assertNotEquals(lstm.fingerprint(), bf16.fingerprint());
        Model.Stream s = lstm.newStream();
        float[] x = {0.5f, -1f, 2f, 0.25f};
        float[] y = new float[1];
        s.step(x, 0, y, 0);
        float[] state = new float[lstm.stateSize()];
        s.snapshot(state, 0);
        for (Model other : new Model[] {bf16, gru}) {
            Model.Stream target = other.newStream();
            target.step(x, 0, y, 0);
            float[] before = new float[other.stateSize()];
            target.snapshot(before, 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                if (other.stateSize() > state.length) {
                    float[] padded = java.util.Arrays.copyOf(state, other.stateSize());
                    target.restore(padded, 0);
                } else {
                    target.restore(state, 0);
                }
            });
            assertTrue(e.getMessage().contains("another model") || e.getMessage().contains("values after its header"), e.getMessage());
            float[] after = new float[other.stateSize()];
            target.snapshot(after, 0);
            assertArrayEquals(before, after, "a refused restore changed the stream");
        }
        float[] bad = state.clone();
        bad[0] = 7;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.restore(bad, 0)).getMessage().contains("not a panama-rnn stream state"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.restore(state, 1)).getMessage().contains("needs " + lstm.stateSize()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.snapshot(ByteBuffer.allocate(16)))
                .getMessage().contains(4L * lstm.stateSize() + " bytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.snapshot(ByteBuffer.allocate(4 * lstm.stateSize()).asReadOnlyBuffer()))
                .getMessage().contains("read-only"));
        ByteBuffer wrongOrder = ByteBuffer.allocate(4 * lstm.stateSize()).order(ByteOrder.BIG_ENDIAN);
        s.snapshot(wrongOrder);
        wrongOrder.flip().order(ByteOrder.LITTLE_ENDIAN);
        assertThrows(IllegalArgumentException.class, () -> s.restore(wrongOrder));
        assertEquals(0, wrongOrder.position(), "a refused restore moved the buffer");
    }

    @Test
    void badTicksChangeNothing() {
        Model m = load("tokens");
        ModelStreamPool pool = m.newStreamPool(4, 4);
        pool.tick(new int[] {0, 1}, 2, new float[] {1, 2}, 0, new float[4], 0);
        float[] before = new float[m.stateSize()];
        pool.snapshot(1, before, 0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> pool.tick(new int[] {1, 1}, 2, new float[] {1, 2}, 0, new float[4], 0))
                .getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> pool.tick(new int[] {1, 4}, 2, new float[] {1, 2}, 0, new float[4], 0))
                .getMessage().contains("unknown stream id 4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> pool.tick(new int[] {1, 2}, 2, new float[] {1, 9}, 0, new float[4], 0))
                .getMessage().contains("token id 9.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> pool.tick(new int[] {1, 2}, 2, new float[] {1}, 0, new float[4], 0))
                .getMessage().contains("tick input"));
        float[] after = new float[m.stateSize()];
        pool.snapshot(1, after, 0);
        assertArrayEquals(before, after);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.newStream(0)).getMessage().contains("got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.newStreamPool(0, 4)).getMessage().contains("got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> pool.prepare(5)).getMessage().contains("got 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> io.github.panamarnn.formats.LoadOptions.DEFAULTS.withKernels(null))
                .getMessage().contains("kernels are missing"));
    }

    @Test
    void ticksSnapshotsAndRestoresAllocateNothing() {
        Model m = load("keras/stacked_lstm64_32.keras");
        ModelStreamPool pool = m.newStreamPool(1000, 64);
        pool.prepare(64);
        int[] ids = new int[64];
        for (int i = 0; i < 64; i++) {
            ids[i] = i * 15;
        }
        float[] x = new float[64 * 4];
        float[] y = new float[64];
        float[] state = new float[m.stateSize()];
        ByteBuffer buf = ByteBuffer.allocateDirect(4 * m.stateSize());
        Model.Stream s = m.newStream();
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> pool.tick(ids, 64, x, 0, y, 0)), "pool tick");
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> {
            pool.snapshot(15, state, 0);
            s.restore(state, 0);
            s.snapshot(state, 0);
            pool.restore(30, state, 0);
        }), "snapshot and restore, arrays");
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> {
            buf.clear();
            s.snapshot(buf);
            buf.flip();
            pool.restore(7, buf);
        }), "snapshot and restore, buffers");
    }
}
