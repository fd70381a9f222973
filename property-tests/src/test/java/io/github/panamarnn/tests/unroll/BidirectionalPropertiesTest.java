package io.github.panamarnn.tests.unroll;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.tests.AllocationMeter;
import io.github.panamarnn.unroll.BidirectionalRunner;
import io.github.panamarnn.unroll.BidirectionalRunner.Merge;
import io.github.panamarnn.unroll.SequenceRunner;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import io.github.panamarnn.unroll.SequenceRunner.Padding;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** A bidirectional run equals a forward run plus a forward run over each row's prefix reversed by hand, reversed back. */
class BidirectionalPropertiesTest {

    @Property(tries = 80)
    void bidirectionalEqualsForwardPlusManuallyReversedBackward(@ForAll @IntRange(min = 1, max = 10) int in, @ForAll @IntRange(min = 1, max = 20) int u,
                                                              @ForAll @IntRange(min = 1, max = 5) int batch, @ForAll @IntRange(min = 1, max = 8) int steps,
                                                              @ForAll Merge merge, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        RnnCell f = Initializers.kerasLstm(in, u, seed);
        RnnCell b = Initializers.kerasGru(in, u, seed + 1);
        int[] len = new int[batch];
        for (int i = 0; i < batch; i++) {
            len[i] = r.nextInt(steps + 1);
        }
        float[] x = SequenceRunnerPropertiesTest.rand(r, batch * steps * in, 1.5);
        BidirectionalRunner bi = new BidirectionalRunner(f, b, batch, steps);
        float[] fo = new float[batch * steps * u];
        float[] bo = new float[batch * steps * u];
        float[] merged = new float[batch * steps * bi.mergedWidth(merge)];
        bi.run(x, steps, false, len, null, merge, merged, fo, bo);

        float[] fwant = new float[batch * steps * u];
        new SequenceRunner(f, batch, steps).run(x, steps, false, len, null, Order.FORWARD, Padding.ZERO, fwant);
        // reverse_sequence by hand: each row's valid prefix reversed, the rest left as is.
        float[] xr = x.clone();
        for (int row = 0; row < batch; row++) {
            for (int t = 0; t < len[row]; t++) {
                System.arraycopy(x, (row * steps + t) * in, xr, (row * steps + len[row] - 1 - t) * in, in);
            }
        }
        float[] brev = new float[batch * steps * u];
        new SequenceRunner(b, batch, steps).run(xr, steps, false, len, null, Order.FORWARD, Padding.ZERO, brev);
        float[] bwant = new float[batch * steps * u];
        for (int row = 0; row < batch; row++) {
            for (int t = 0; t < len[row]; t++) {
                System.arraycopy(brev, (row * steps + t) * u, bwant, (row * steps + len[row] - 1 - t) * u, u);
            }
        }
        for (int i = 0; i < batch * steps; i++) {
            for (int j = 0; j < u; j++) {
                float fv = fwant[i * u + j];
                float bv = bwant[i * u + j];
                float want;
                float got;
                switch (merge) {
                    case NONE -> {
                        assertEquals(fv, fo[i * u + j], 1e-6f);
                        want = bv;
                        got = bo[i * u + j];
                    }
                    case CONCAT -> {
                        assertEquals(fv, merged[i * 2 * u + j], 1e-6f);
                        want = bv;
                        got = merged[i * 2 * u + u + j];
                    }
                    case SUM -> {
                        want = fv + bv;
                        got = merged[i * u + j];
                    }
                    case MUL -> {
                        want = fv * bv;
                        got = merged[i * u + j];
                    }
                    default -> {
                        want = (fv + bv) / 2;
                        got = merged[i * u + j];
                    }
                }
                assertEquals(want, got, 1e-6f, merge + " row-step " + i + " unit " + j);
            }
        }
    }

    @Example
    void aBidirectionalRunAllocatesNothing() {
        RnnCell f = Initializers.kerasLstm(8, 16, 1);
        RnnCell b = Initializers.kerasLstm(8, 16, 2);
        BidirectionalRunner bi = new BidirectionalRunner(f, b, 2, 10);
        float[] x = SequenceRunnerPropertiesTest.rand(new SplittableRandom(1), 2 * 10 * 8, 1);
        float[] merged = new float[2 * 10 * 32];
        int[] len = {10, 6};
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> bi.run(x, 10, false, len, null, Merge.CONCAT, merged, null, null)));
    }
}
