package io.github.panamarnn.benchmarks;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
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

/** Every activation over {@value #N} elements (in L1), vector kernel and scalar specification; {@link Results} reports ns per element. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class ActivationBench {
    static final int N = 1024;

    @Param({"tanh", "sigmoid", "relu", "hardSigmoid", "hard_sigmoid", "linear", "elu", "selu", "softsign", "softplus", "swish",
        "gelu", "exponential", "relu6", "hard_tanh", "hard_silu", "mish", "gelu_tanh", "log_sigmoid", "soft_shrink", "hard_shrink"})
    public String activation;

    private final Kernels vector = KernelProvider.get();
    private final Kernels scalar = KernelProvider.scalar();
    private Activation act;
    private float[] src;
    private float[] dst;

    @Setup
    public void setup() {
        act = activation.equals("gelu_tanh") ? Activation.GELU_TANH : Activation.named(activation);
        SplittableRandom r = new SplittableRandom(3);
        src = new float[N];
        for (int i = 0; i < N; i++) {
            src[i] = (float) (r.nextGaussian() * 3);
        }
        dst = new float[N];
    }

    @Benchmark
    public float[] vector() {
        vector.activate(act, src, 0, dst, 0, N);
        return dst;
    }

    @Benchmark
    public float[] scalar() {
        scalar.activate(act, src, 0, dst, 0, N);
        return dst;
    }
}
