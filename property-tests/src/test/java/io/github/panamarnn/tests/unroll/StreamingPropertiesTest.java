package io.github.panamarnn.tests.unroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.tests.AllocationMeter;
import io.github.panamarnn.unroll.StreamPool;
import io.github.panamarnn.unroll.StreamingCell;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The pool equals independent single streams for any interleaving of ticks; bad ticks change nothing; no allocation. */
class StreamingPropertiesTest {

    static RnnCell cell(int kind, int in, int u, long seed) {
        return switch (kind) {
            case 0 -> Initializers.kerasLstm(in, u, seed);
            case 1 -> Initializers.tf1Gru(in, u, seed);
            default -> Initializers.kerasSimpleRnn(in, u, seed);
        };
    }

    @Property(tries = 60)
    void poolEqualsIndependentStreams(@ForAll @IntRange(min = 0, max = 2) int kind, @ForAll @IntRange(min = 1, max = 20) int in,
                                      @ForAll @IntRange(min = 1, max = 40) int units, @ForAll @IntRange(min = 1, max = 30) int streams,
                                      @ForAll @IntRange(min = 1, max = 12) int maxPerTick, @ForAll long seed) {
        RnnCell c = cell(kind, in, units, seed);
        StreamPool pool = new StreamPool(c, streams, maxPerTick);
        StreamingCell[] single = new StreamingCell[streams];
        for (int i = 0; i < streams; i++) {
            single[i] = new StreamingCell(c);
        }
        SplittableRandom r = new SplittableRandom(seed);
        int o = c.outputSize();
        int max = Math.min(maxPerTick, streams);
        for (int tick = 0; tick < 12; tick++) {
            int count = 1 + r.nextInt(max);
            int[] ids = new int[count];
            boolean[] used = new boolean[streams];
            for (int i = 0; i < count; i++) {
                int id;
                do {
                    id = r.nextInt(streams);
                } while (used[id]);
                used[id] = true;
                ids[i] = id;
            }
            float[] x = SequenceRunnerPropertiesTest.rand(r, count * in, 1.5);
            float[] y = new float[count * o];
            pool.tick(ids, count, x, 0, y, 0);
            float[] ys = new float[o];
            for (int i = 0; i < count; i++) {
                single[ids[i]].step(x, i * in, ys, 0);
                for (int j = 0; j < o; j++) {
                    assertEquals(ys[j], y[i * o + j], 1e-5 + 1e-5 * Math.abs(ys[j]), "tick " + tick + " stream " + ids[i] + " unit " + j);
                }
            }
        }
        for (int id = 0; id < streams; id++) {
            for (int p = 0; p < c.stateSizes().length; p++) {
                float[] got = new float[c.stateSizes()[p]];
                pool.readState(id, p, got, 0);
                float[] want = single[id].state().part(p);
                for (int j = 0; j < got.length; j++) {
                    assertEquals(want[j], got[j], 1e-5 + 1e-5 * Math.abs(want[j]));
                }
            }
        }
    }

    @Example
    void unknownOrRepeatedIdsAreErrorsThatChangeNothing() {
        RnnCell c = cell(0, 3, 5, 1);
        StreamPool pool = new StreamPool(c, 4, 4);
        float[] x = new float[4 * 3];
        java.util.Arrays.fill(x, 0.5f);
        float[] y = new float[4 * 5];
        pool.tick(new int[] {0, 1, 2, 3}, 4, x, 0, y, 0);
        float[][] before = new float[4][5];
        for (int id = 0; id < 4; id++) {
            pool.readState(id, 1, before[id], 0);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.tick(new int[] {1, 7}, 2, x, 0, y, 0));
        assertTrue(e.getMessage().contains("7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pool.tick(new int[] {2, 0, 2}, 3, x, 0, y, 0));
        assertTrue(e.getMessage().contains("2") && e.getMessage().contains("twice"), e.getMessage());
        for (int id = 0; id < 4; id++) {
            float[] now = new float[5];
            pool.readState(id, 1, now, 0);
            assertArrayEquals(before[id], now, "stream " + id + " changed by a rejected tick");
        }
        // The marks of a rejected tick do not leak into the next one.
        pool.tick(new int[] {2, 0}, 2, x, 0, y, 0);
    }

    @Example
    void aTickAndAStreamStepAllocateNothing() {
        RnnCell c = cell(0, 32, 64, 3);
        StreamPool pool = new StreamPool(c, 1000, 64);
        pool.prepare(64);
        int[] ids = new int[64];
        for (int i = 0; i < 64; i++) {
            ids[i] = i * 15;
        }
        float[] x = SequenceRunnerPropertiesTest.rand(new SplittableRandom(4), 64 * 32, 1);
        float[] y = new float[64 * 64];
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> pool.tick(ids, 64, x, 0, y, 0)));
        StreamingCell s = new StreamingCell(c);
        assertTrue(s.warmUp(2000).calls() > 2000);
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> s.step(x, 0, y, 0)));
    }
}
