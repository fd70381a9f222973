package io.github.panamarnn.tests.cells;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.unroll.StreamingCell;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Long streaming runs stay close to a double reference; threads sharing one cell match sequential work bit for bit. */
class LongRunTest {

    /**
     * 1,000,000 streaming steps of an LSTM (h = 64) whose recurrence is contractive (weights scaled
     * down), against the double-precision reference of {@link ReferenceCells} at every step; the
     * error is checked at every 10,000th step. Issue 4 asks for 1e-4; measured here: 2.2e-7 (the
     * float and double trajectories do not drift apart: a contractive recurrence forgets old rounding
     * errors), so the test asserts 1e-5 and prints what it saw.
     */
    @Test
    void aMillionStepsStayWithinBoundOfTheDoubleReference() {
        int in = 8;
        int u = 64;
        SplittableRandom r = new SplittableRandom(2026);
        float[] kernel = CellPropertiesTest.rand(r, in * 4 * u, 0.4);
        float[] rec = Initializers.orthogonal(0.5f, 7).make(u, 4 * u);
        float[] bias = CellPropertiesTest.rand(r, 4 * u, 0.2);
        LstmCell cell = LstmCell.keras(in, u, kernel, rec, bias, Activation.TANH, Activation.SIGMOID);
        StreamingCell stream = new StreamingCell(cell);
        double[] c = new double[u];
        double[] h = new double[u];
        float[] x = new float[in];
        double[] xd = new double[in];
        float[] y = new float[u];
        double worst = 0;
        for (int step = 1; step <= 1_000_000; step++) {
            for (int i = 0; i < in; i++) {
                x[i] = (float) (Math.sin(step * 0.01 * (i + 1)) + 0.3 * r.nextGaussian());
                xd[i] = x[i];
            }
            stream.step(x, 0, y, 0);
            ReferenceCells.kerasLstm(in, u, kernel, rec, bias, "tanh", "sigmoid", xd, c, h, 1);
            if (step % 10_000 == 0) {
                for (int j = 0; j < u; j++) {
                    worst = Math.max(worst, Math.abs(y[j] - h[j]));
                    worst = Math.max(worst, Math.abs(stream.state().part(0)[j] - c[j]));
                }
                assertTrue(worst <= 1e-5, "step " + step + ": error " + worst + " above 1e-5");
            }
        }
        System.out.println("long run: 1,000,000 LSTM steps (h=64), largest |float - double| over h and c at every 10,000th step: " + worst);
    }

    /** 8 threads share one cell (weights immutable), each with its own states: the same numbers as sequential work. */
    @Test
    void eightThreadsSharingOneCellMatchSequentialWorkBitForBit() throws Exception {
        LstmCell cell = Initializers.kerasLstm(16, 48, 5);
        int threads = 8;
        float[][] sequential = new float[threads][];
        for (int t = 0; t < threads; t++) {
            sequential[t] = work(cell, t);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            java.util.List<Future<float[]>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int id = t;
                futures.add(pool.submit(() -> work(cell, id)));
            }
            for (int t = 0; t < threads; t++) {
                assertArrayEquals(sequential[t], futures.get(t).get(), "thread " + t);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** 2,000 steps of batch 3 with inputs seeded by the worker id; returns the final outputs and state. */
    private static float[] work(LstmCell cell, int id) {
        SplittableRandom r = new SplittableRandom(100 + id);
        CellState s = cell.zeroState(3);
        float[] x = new float[3 * 16];
        float[] y = new float[3 * 48];
        for (int step = 0; step < 2_000; step++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            cell.step(x, 0, s, y, 0);
        }
        float[] result = new float[y.length + s.part(0).length];
        System.arraycopy(y, 0, result, 0, y.length);
        System.arraycopy(s.part(0), 0, result, y.length, s.part(0).length);
        return result;
    }
}
