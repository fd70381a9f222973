package io.github.panamarnn.benchmarks;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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
 * The two limits of this machine that the kernels are read against, measured in the same suite:
 * <ul>
 * <li>{@code fmaPeak}: {@value #CHAINS} independent fma chains on registers, {@value #STEPS} steps;
 *     FLOPs per op = 2 * lanes * chains * steps. One core's FMA throughput, the ceiling of the
 *     batched product.</li>
 * <li>{@code streamRead}: a read-only vector pass over as many bytes as the {@code [2h, 4h]} weight
 *     matrix (8 accumulators, no stores). The batch-1 product reads every weight once, so this is
 *     its bandwidth ceiling at that size (L1, L2, L3 or DRAM, as the bytes fall).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class RooflineBench {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int CHAINS = 10;
    static final int STEPS = 1000;

    @Param({"16", "32", "64", "128", "256", "512", "1024"})
    public int hidden;

    private float[] weights;
    private float a = 1.0000001f;
    private float b = 1e-7f;

    @Setup
    public void setup() {
        weights = new float[2 * hidden * 4 * hidden];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (i % 7) * 0.01f;
        }
    }

    @Benchmark
    public float fmaPeak() {
        FloatVector va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, b);
        FloatVector c0 = FloatVector.broadcast(S, 1f);
        FloatVector c1 = c0.add(1f);
        FloatVector c2 = c0.add(2f);
        FloatVector c3 = c0.add(3f);
        FloatVector c4 = c0.add(4f);
        FloatVector c5 = c0.add(5f);
        FloatVector c6 = c0.add(6f);
        FloatVector c7 = c0.add(7f);
        FloatVector c8 = c0.add(8f);
        FloatVector c9 = c0.add(9f);
        for (int i = 0; i < STEPS; i++) {
            c0 = c0.fma(va, vb);
            c1 = c1.fma(va, vb);
            c2 = c2.fma(va, vb);
            c3 = c3.fma(va, vb);
            c4 = c4.fma(va, vb);
            c5 = c5.fma(va, vb);
            c6 = c6.fma(va, vb);
            c7 = c7.fma(va, vb);
            c8 = c8.fma(va, vb);
            c9 = c9.fma(va, vb);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /**
     * The FMA peak with twelve independent chains: on Zen 5 the ten-chain loop above under-reports the peak (about 210
     * against 236 GFLOP/s, PLATFORM-FACTS); fractions of peak are stated against this one.
     */
    @Benchmark
    public float fmaPeak12() {
        FloatVector va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, b);
        FloatVector c0 = FloatVector.broadcast(S, 1f);
        FloatVector c1 = c0.add(1f);
        FloatVector c2 = c0.add(2f);
        FloatVector c3 = c0.add(3f);
        FloatVector c4 = c0.add(4f);
        FloatVector c5 = c0.add(5f);
        FloatVector c6 = c0.add(6f);
        FloatVector c7 = c0.add(7f);
        FloatVector c8 = c0.add(8f);
        FloatVector c9 = c0.add(9f);
        FloatVector c10 = c0.add(10f);
        FloatVector c11 = c0.add(11f);
        for (int i = 0; i < STEPS; i++) {
            c0 = c0.fma(va, vb);
            c1 = c1.fma(va, vb);
            c2 = c2.fma(va, vb);
            c3 = c3.fma(va, vb);
            c4 = c4.fma(va, vb);
            c5 = c5.fma(va, vb);
            c6 = c6.fma(va, vb);
            c7 = c7.fma(va, vb);
            c8 = c8.fma(va, vb);
            c9 = c9.fma(va, vb);
            c10 = c10.fma(va, vb);
            c11 = c11.fma(va, vb);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    @Benchmark
    public float streamRead() {
        final float[] w = weights;
        final int l = S.length();
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        FloatVector s4 = s0;
        FloatVector s5 = s0;
        FloatVector s6 = s0;
        FloatVector s7 = s0;
        for (int i = 0; i + 8 * l <= w.length; i += 8 * l) {
            s0 = s0.add(FloatVector.fromArray(S, w, i));
            s1 = s1.add(FloatVector.fromArray(S, w, i + l));
            s2 = s2.add(FloatVector.fromArray(S, w, i + 2 * l));
            s3 = s3.add(FloatVector.fromArray(S, w, i + 3 * l));
            s4 = s4.add(FloatVector.fromArray(S, w, i + 4 * l));
            s5 = s5.add(FloatVector.fromArray(S, w, i + 5 * l));
            s6 = s6.add(FloatVector.fromArray(S, w, i + 6 * l));
            s7 = s7.add(FloatVector.fromArray(S, w, i + 7 * l));
        }
        return s0.add(s1).add(s2).add(s3).add(s4).add(s5).add(s6).add(s7).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
