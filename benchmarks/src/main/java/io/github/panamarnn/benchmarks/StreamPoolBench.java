package io.github.panamarnn.benchmarks;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.unroll.StreamPool;
import io.github.panamarnn.unroll.StreamingCell;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@value #STREAMS} LSTM streams (Keras defaults, input = hidden), {@value #ACTIVE} of them ticking
 * at a time: one pool tick (gather, one batched step, scatter) against the same 64 streams each
 * stepped on its own. Each op advances the next group of 64 streams, so states are cold as they
 * would be in a service; both methods touch the same streams in the same order.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g"})
public class StreamPoolBench {
    static final int STREAMS = 10_000;
    static final int ACTIVE = 64;

    @Param({"64", "128"})
    public int hidden;

    private StreamPool pool;
    private StreamingCell[] single;
    private int[][] groups;
    private int next;
    private float[] x;
    private float[] y;

    @Setup
    public void setup() {
        LstmCell cell = Initializers.kerasLstm(hidden, hidden, 11);
        pool = new StreamPool(cell, STREAMS, ACTIVE);
        pool.prepare(ACTIVE);
        single = new StreamingCell[STREAMS];
        for (int i = 0; i < STREAMS; i++) {
            single[i] = new StreamingCell(cell);
        }
        SplittableRandom r = new SplittableRandom(5);
        groups = new int[STREAMS / ACTIVE][ACTIVE];
        int[] perm = new int[STREAMS];
        for (int i = 0; i < STREAMS; i++) {
            perm[i] = i;
        }
        for (int i = STREAMS - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (int g = 0; g < groups.length; g++) {
            System.arraycopy(perm, g * ACTIVE, groups[g], 0, ACTIVE);
        }
        x = new float[ACTIVE * hidden];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        y = new float[ACTIVE * hidden];
    }

    @Benchmark
    public float[] poolTick() {
        int[] ids = groups[next];
        next = next + 1 == groups.length ? 0 : next + 1;
        pool.tick(ids, ACTIVE, x, 0, y, 0);
        return y;
    }

    @Benchmark
    public float[] singleSteps() {
        int[] ids = groups[next];
        next = next + 1 == groups.length ? 0 : next + 1;
        for (int i = 0; i < ACTIVE; i++) {
            single[ids[i]].step(x, i * hidden, y, i * hidden);
        }
        return y;
    }
}
