package io.github.panamarnn.benchmarks;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;
import io.github.panamarnn.kernels.Precision;
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
 * A dense head narrower than one vector ({@code [rows, cols]}, {@code cols} of 1 or 3: a regression or class head on
 * a recurrent layer) in each precision: the vector kernels (one column per panel, dot products along the rows in
 * lanes) against the scalar specification, which is also what bfloat16 and int8 heads ran before they had lanes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class HeadBench {
    @Param({"fp32", "bf16", "int8"})
    public String precision;

    @Param({"64", "256"})
    public int rows;

    @Param({"1", "3"})
    public int cols;

    @Param({"1", "32"})
    public int batch;

    private Kernels vector;
    private Kernels scalar;
    private PackedMatrix wVector;
    private PackedMatrix wScalar;
    private float[] x;
    private float[] y;

    @Setup
    public void setup() {
        if (!KernelProvider.get().isVectorized()) {
            throw new IllegalStateException("vector kernels unavailable: " + KernelProvider.fallbackReason());
        }
        Precision p = Precision.parse(precision);
        vector = KernelProvider.get().withPrecision(p);
        scalar = KernelProvider.scalar().withPrecision(p);
        SplittableRandom r = new SplittableRandom(17);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() / Math.sqrt(rows));
        }
        float[] bias = {0.1f, -0.2f, 0.3f};
        float[] b = java.util.Arrays.copyOf(bias, cols);
        wVector = vector.pack(rows, cols, (i, j) -> w[i * cols + j], b);
        wScalar = scalar.pack(rows, cols, (i, j) -> w[i * cols + j], b);
        x = new float[batch * rows];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        y = new float[batch * cols];
    }

    @Benchmark
    public float[] vector() {
        vector.matMul(wVector, x, 0, rows, batch, y, 0, cols, false);
        return y;
    }

    @Benchmark
    public float[] scalar() {
        scalar.matMul(wScalar, x, 0, rows, batch, y, 0, cols, false);
        return y;
    }
}
