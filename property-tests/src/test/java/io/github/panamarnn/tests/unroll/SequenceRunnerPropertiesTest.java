package io.github.panamarnn.tests.unroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.tests.AllocationMeter;
import io.github.panamarnn.unroll.SequenceRunner;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import io.github.panamarnn.unroll.SequenceRunner.Padding;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The symbolic loop against a literal per-row reading of its rules (SEMANTICS.md 3-5): each row run
 * alone with batch 1, input time and output time as the order says, inactive steps carrying the
 * state and writing zeros or the previous output.
 */
class SequenceRunnerPropertiesTest {

    static float[] rand(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    static RnnCell cell(boolean lstm, int in, int u, SplittableRandom r) {
        return lstm ? LstmCell.keras(in, u, rand(r, in * 4 * u, 0.5), rand(r, u * 4 * u, 0.5), rand(r, 4 * u, 0.5), Activation.TANH, Activation.SIGMOID)
                : GruCell.keras(in, u, true, rand(r, in * 3 * u, 0.5), rand(r, u * 3 * u, 0.5), rand(r, 6 * u, 0.5), Activation.TANH, Activation.SIGMOID);
    }

    @Property(tries = 200)
    void runnerFollowsTheRulesRowByRow(@ForAll boolean lstm, @ForAll @IntRange(min = 1, max = 12) int in, @ForAll @IntRange(min = 1, max = 20) int u,
                                       @ForAll @IntRange(min = 1, max = 7) int batch, @ForAll @IntRange(min = 0, max = 9) int steps,
                                       @ForAll Order order, @ForAll Padding padding, @ForAll boolean withLengths, @ForAll boolean withMask,
                                       @ForAll boolean timeMajor, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        RnnCell cell = cell(lstm, in, u, r);
        int o = cell.outputSize();
        float[] x = rand(r, batch * steps * in, 1.5);
        int[] len = null;
        if (withLengths && order != Order.BACKWARDS) {
            len = new int[batch];
            for (int b = 0; b < batch; b++) {
                int pick = r.nextInt(4);
                len[b] = pick == 0 ? 0 : pick == 1 ? steps : r.nextInt(steps + 1);
            }
        }
        boolean[] mask = null;
        if (withMask) {
            mask = new boolean[batch * steps];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = r.nextInt(4) != 0;
            }
        }
        SequenceRunner runner = new SequenceRunner(cell, batch, Math.max(steps, 1));
        CellState init = cell.zeroState(batch);
        for (int p = 0; p < init.partCount(); p++) {
            float[] v = rand(r, init.part(p).length, 0.7);
            init.setPart(p, v);
            runner.state().setPart(p, v);
        }
        float[] out = new float[batch * steps * o];
        java.util.Arrays.fill(out, 99f);
        runner.run(x, steps, timeMajor, len, mask, order, padding, out);

        for (int b = 0; b < batch; b++) {
            int rowLen = len == null ? steps : len[b];
            CellState s = cell.zeroState(1);
            for (int p = 0; p < s.partCount(); p++) {
                float[] v = new float[s.partSize(p)];
                System.arraycopy(init.part(p), b * v.length, v, 0, v.length);
                s.setPart(p, v);
            }
            float[] expected = new float[steps * o];
            float[] last = new float[o];
            float[] y = new float[o];
            float[] xt = new float[in];
            for (int t = 0; t < steps; t++) {
                int src = switch (order) {
                    case FORWARD -> t < rowLen ? t : -1;
                    case REVERSE_WITHIN_LENGTH -> t < rowLen ? rowLen - 1 - t : -1;
                    case BACKWARDS -> steps - 1 - t;
                };
                int dst = order == Order.BACKWARDS ? t : src;
                boolean active = src >= 0 && (mask == null || mask[b * steps + src]);
                if (active) {
                    System.arraycopy(x, timeMajor ? (src * batch + b) * in : (b * steps + src) * in, xt, 0, in);
                    cell.step(xt, 0, s, y, 0);
                    System.arraycopy(y, 0, last, 0, o);
                    System.arraycopy(y, 0, expected, dst * o, o);
                } else if (dst >= 0 && padding == Padding.REPEAT_PREVIOUS) {
                    System.arraycopy(last, 0, expected, dst * o, o);
                }
            }
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < o; j++) {
                    float e = expected[t * o + j];
                    float g = out[timeMajor ? (t * batch + b) * o + j : (b * steps + t) * o + j];
                    boolean ok = e == 0f ? g == 0f : Math.abs(g - e) <= 1e-5 + 1e-5 * Math.abs(e);
                    if (!ok) {
                        fail(order + " " + padding + " row " + b + " (length " + rowLen + ") t " + t + " unit " + j + ": " + g + " vs " + e);
                    }
                }
            }
            for (int p = 0; p < s.partCount(); p++) {
                for (int j = 0; j < s.partSize(p); j++) {
                    float e = s.part(p)[j];
                    float g = runner.state().part(p)[b * s.partSize(p) + j];
                    assertTrue(Math.abs(g - e) <= 1e-5 + 1e-5 * Math.abs(e), "final state part " + p + " row " + b + ": " + g + " vs " + e);
                }
            }
        }
    }

    @Example
    void badLengthsAndStepsAreRejectedWithTheirValues() {
        RnnCell c = cell(true, 3, 4, new SplittableRandom(1));
        SequenceRunner runner = new SequenceRunner(c, 2, 5);
        float[] x = new float[2 * 5 * 3];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> runner.run(x, 5, false, new int[] {5, 6}, null, Order.FORWARD, Padding.ZERO, null));
        assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> runner.run(new float[60], 6, false, null, null, Order.FORWARD, Padding.ZERO, null));
        assertTrue(e.getMessage().contains("6") && e.getMessage().contains("5"), e.getMessage());
        runner.growCapacity(6);
        runner.run(new float[36], 6, false, null, null, Order.FORWARD, Padding.ZERO, null);
        assertThrows(IllegalArgumentException.class, () -> runner.growCapacity(4));
    }

    @Example
    void aSequenceCallAllocatesNothing() {
        SplittableRandom r = new SplittableRandom(2);
        RnnCell c = cell(true, 16, 32, r);
        SequenceRunner runner = new SequenceRunner(c, 3, 20);
        float[] x = rand(r, 3 * 20 * 16, 1);
        float[] out = new float[3 * 20 * 32];
        int[] len = {20, 7, 0};
        boolean[] mask = new boolean[60];
        java.util.Arrays.fill(mask, true);
        mask[5] = false;
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> {
            runner.state().reset();
            runner.run(x, 20, false, len, mask, Order.REVERSE_WITHIN_LENGTH, Padding.ZERO, out);
        }));
    }
}
