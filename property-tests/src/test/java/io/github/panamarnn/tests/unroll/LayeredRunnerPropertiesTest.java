package io.github.panamarnn.tests.unroll;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.tests.AllocationMeter;
import io.github.panamarnn.unroll.LayeredRunner;
import io.github.panamarnn.unroll.LayeredRunner.Merge;
import io.github.panamarnn.unroll.SequenceRunner;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import io.github.panamarnn.unroll.SequenceRunner.Padding;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A bidirectional layer equals a forward run plus a forward run over each row's prefix reversed by hand, reversed back;
 * a stack of layers equals its layers run one after the other.
 */
class LayeredRunnerPropertiesTest {

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
        LayeredRunner bi = new LayeredRunner(List.of(LayeredRunner.Layer.bidirectional(f, b, merge)), batch, steps);
        float[] fo = new float[batch * steps * u];
        float[] bo = new float[batch * steps * u];
        float[] merged = new float[batch * steps * bi.outputWidth()];
        bi.run(x, steps, false, len, null, Padding.REPEAT_PREVIOUS, merge == Merge.NONE ? fo : merged, bo);

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
        LayeredRunner bi = new LayeredRunner(List.of(LayeredRunner.Layer.bidirectional(f, b, Merge.CONCAT),
                LayeredRunner.Layer.bidirectional(Initializers.kerasGru(32, 8, 3), Initializers.kerasGru(32, 8, 4), Merge.SUM)), 2, 10);
        float[] x = SequenceRunnerPropertiesTest.rand(new SplittableRandom(1), 2 * 10 * 8, 1);
        float[] merged = new float[2 * 10 * 8];
        float[] last = new float[2 * 8];
        int[] len = {10, 6};
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> {
            bi.run(x, 10, false, len, null, Padding.ZERO, merged, null);
            bi.finalOutputs(last);
        }));
    }

    @Property(tries = 60)
    void aStackEqualsItsLayersRunOneAfterTheOther(@ForAll @IntRange(min = 1, max = 9) int in, @ForAll @IntRange(min = 1, max = 3) int depth,
                                                 @ForAll @IntRange(min = 1, max = 5) int batch, @ForAll @IntRange(min = 1, max = 7) int steps,
                                                 @ForAll boolean timeMajor, @ForAll boolean withLengths, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<LayeredRunner.Layer> layers = new ArrayList<>();
        int width = in;
        for (int l = 0; l < depth; l++) {
            int u = 1 + r.nextInt(12);
            RnnCell f = r.nextBoolean() ? Initializers.kerasLstm(width, u, seed + l) : Initializers.kerasGru(width, u, seed + l);
            LayeredRunner.Layer layer = switch (r.nextInt(3)) {
                case 0 -> LayeredRunner.Layer.of(f);
                case 1 -> LayeredRunner.Layer.bidirectional(f, Initializers.kerasGru(width, 1 + r.nextInt(12), seed + 100 + l), Merge.CONCAT);
                default -> LayeredRunner.Layer.bidirectional(f, Initializers.kerasLstm(width, u, seed + 100 + l),
                        Merge.values()[1 + r.nextInt(3)]);
            };
            layers.add(layer);
            width = layer.outputWidth();
        }
        int[] len = null;
        if (withLengths) {
            len = new int[batch];
            for (int i = 0; i < batch; i++) {
                len[i] = r.nextInt(steps + 1);
            }
        }
        float[] x = SequenceRunnerPropertiesTest.rand(r, batch * steps * in, 1.5);
        LayeredRunner stack = new LayeredRunner(layers, batch, steps);
        float[] got = new float[batch * steps * stack.outputWidth()];
        stack.run(x, steps, timeMajor, len, null, Padding.ZERO, got, null);
        float[] last = new float[batch * stack.outputWidth()];
        stack.finalOutputs(last);

        float[] cur = x;
        float[] lastWant = null;
        for (LayeredRunner.Layer layer : layers) {
            LayeredRunner one = new LayeredRunner(List.of(layer), batch, steps);
            float[] next = new float[batch * steps * layer.outputWidth()];
            one.run(cur, steps, timeMajor, len, null, Padding.ZERO, next, null);
            lastWant = new float[batch * layer.outputWidth()];
            one.finalOutputs(lastWant);
            cur = next;
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(cur, got, "stack of " + depth + " layers");
        org.junit.jupiter.api.Assertions.assertArrayEquals(lastWant, last, "final outputs of a stack of " + depth + " layers");
    }

    @Example
    void aStackRefusesLayersThatDoNotChain() {
        RnnCell a = Initializers.kerasLstm(4, 6, 1);
        RnnCell b = Initializers.kerasLstm(7, 5, 2);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LayeredRunner(List.of(LayeredRunner.Layer.of(a), LayeredRunner.Layer.of(b)), 1, 3));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("reads 7 features, layer 0 outputs 6"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LayeredRunner(List.of(LayeredRunner.Layer.bidirectional(a, Initializers.kerasLstm(4, 6, 3), Merge.NONE),
                        LayeredRunner.Layer.of(Initializers.kerasLstm(6, 2, 4))), 1, 3));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("NONE"), e.getMessage());
    }
}
