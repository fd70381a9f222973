package io.github.panamarnn.benchmarks;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;
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
 * The gate product of an LSTM step, kernel {@code [in + h, 4h]} with {@code in = h}: the Vector API
 * kernel and the scalar specification in one class, so their ratio comes from one run. FLOPs per
 * op are {@code 2 * 2h * 4h * batch}; {@link Results} turns times into GFLOP/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class MatVecBench {
    @Param({"16", "32", "64", "128", "256", "512", "1024"})
    public int hidden;

    @Param({"1", "32"})
    public int batch;

    private final Kernels vector = KernelProvider.get();
    private final Kernels scalar = KernelProvider.scalar();
    private PackedMatrix wVector;
    private PackedMatrix wScalar;
    private float[] x;
    private float[] y;

    @Setup
    public void setup() {
        if (!vector.isVectorized()) {
            throw new IllegalStateException("vector kernels unavailable: " + KernelProvider.fallbackReason());
        }
        int rows = 2 * hidden;
        int cols = 4 * hidden;
        SplittableRandom r = new SplittableRandom(42);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextDouble() - 0.5) * 0.1f;
        }
        float[] bias = new float[cols];
        wVector = vector.pack(rows, cols, (i, j) -> w[i * cols + j], bias);
        wScalar = scalar.pack(rows, cols, (i, j) -> w[i * cols + j], bias);
        x = new float[batch * rows];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() - 0.5);
        }
        y = new float[batch * cols];
    }

    @Benchmark
    public float[] vector() {
        vector.matMul(wVector, x, 0, 2 * hidden, batch, y, 0, 4 * hidden, false);
        return y;
    }

    @Benchmark
    public float[] scalar() {
        scalar.matMul(wScalar, x, 0, 2 * hidden, batch, y, 0, 4 * hidden, false);
        return y;
    }
}
