package io.github.panamarnn.tests.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.Precision;
import io.github.panamarnn.model.Dense;
import io.github.panamarnn.model.Model;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link Model#rowBlock()}: a batched {@link Model.Stream} whose batch is a multiple of the row block
 * computes each row (its output and its whole next state) bit for bit alike, whatever the row's position, the batch
 * size and what the other rows hold: every cell kind, odd unit counts (vector tails), a stack, a dense head, every
 * precision. What a keyed service that batches unrelated keys (the Flink operator) relies on for replays to be exact.
 */
class BatchInvarianceTest {

    @Provide
    Arbitrary<String> kinds() {
        return Arbitraries.of("lstm", "gru", "gru-reset-before", "simple", "stack");
    }

    static RnnCell cell(String kind, int in, int units, long seed) {
        return switch (kind) {
            case "lstm" -> Initializers.kerasLstm(in, units, seed);
            case "gru" -> Initializers.kerasGru(in, units, seed);
            case "gru-reset-before" -> Initializers.tf1Gru(in, units, seed);
            case "simple" -> Initializers.kerasSimpleRnn(in, units, seed);
            default -> new MultiRnnCell(List.of(Initializers.kerasLstm(in, units, seed), Initializers.kerasGru(units, units + 3, seed + 1)));
        };
    }

    static Model model(String kind, int in, int units, int out, long seed) {
        RnnCell c = cell(kind, in, units, seed);
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[c.outputSize() * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble(-1, 1);
        }
        float[] b = new float[out];
        return new Model("random " + kind, in, 0, List.of(
                new Model.Recurrent("rnn", kind, c, null, null, false, io.github.panamarnn.unroll.SequenceRunner.Order.FORWARD, false, false, 0),
                new Model.Pointwise("head", Dense.of(c.outputSize(), out, w, b), Activation.TANH)));
    }

    @Property(tries = 120)
    void aRowStepsAlikeInEveryBatchOfWholeRowBlocks(@ForAll("kinds") String kind, @ForAll @IntRange(min = 1, max = 9) int in,
                                                    @ForAll @IntRange(min = 1, max = 70) int units,
                                                    @ForAll @IntRange(min = 1, max = 5) int out,
                                                    @ForAll @IntRange(min = 1, max = 20) int blocks, @ForAll @IntRange(max = 1000) int position,
                                                    @ForAll Precision precision, @ForAll long seed) {
        Kernels k = KernelProvider.get().withPrecision(precision);
        Model m = model(kind, in, units, out, seed).using(k);
        int block = m.rowBlock();
        assertTrue(block >= 1);
        SplittableRandom r = new SplittableRandom(seed);
        float[] state = randomState(m, r);
        float[] x = gaussian(r, in);
        int batch = blocks * block;
        int at = position % batch;
        float[][] y = new float[2][];
        float[][] next = new float[2][];
        int[] sizes = {block, batch};
        int[] rows = {0, at};
        for (int v = 0; v < 2; v++) {
            Model.Stream s = m.newStream(sizes[v]);
            float[] xs = gaussian(r, sizes[v] * in);
            for (int b = 0; b < sizes[v]; b++) {
                s.restore(b, randomState(m, r), 0);
            }
            s.restore(rows[v], state, 0);
            System.arraycopy(x, 0, xs, rows[v] * in, in);
            float[] ys = new float[sizes[v] * out];
            s.step(xs, 0, ys, 0);
            y[v] = java.util.Arrays.copyOfRange(ys, rows[v] * out, rows[v] * out + out);
            next[v] = new float[m.stateSize()];
            s.snapshot(rows[v], next[v], 0);
        }
        same(y[0], y[1], kind + " " + precision + " h=" + units + ": output of row " + at + " of " + batch + " vs row 0 of " + block);
        same(next[0], next[1], kind + " " + precision + " h=" + units + ": state of row " + at + " of " + batch + " vs row 0 of " + block);
    }

    private static void same(float[] a, float[] b, String what) {
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                fail(what + ": value " + i + " is " + a[i] + " and " + b[i]);
            }
        }
    }

    private static float[] randomState(Model m, SplittableRandom r) {
        float[] s = new float[m.stateSize()];
        m.newStream().snapshot(s, 0);
        for (int i = 8; i < s.length; i++) {
            s[i] = (float) r.nextGaussian() * 0.7f;
        }
        return s;
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
