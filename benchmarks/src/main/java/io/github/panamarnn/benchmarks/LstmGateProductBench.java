package io.github.panamarnn.benchmarks;

import io.github.panamarnn.cells.Initializers;
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
 * The floor of an LSTM step: its gate product alone, {@code x@Wx + h@Wh} ({@code [h, 4h]} each)
 * into the gate buffer, exactly the two kernel calls the step makes. Read with {@link CellBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class LstmGateProductBench {
    @Param({"32", "64", "128", "256", "512"})
    public int hidden;

    @Param({"1", "32"})
    public int batch;

    private final Kernels kernels = KernelProvider.get();
    private PackedMatrix wx;
    private PackedMatrix wh;
    private float[] x;
    private float[] h;
    private float[] gates;

    @Setup
    public void setup() {
        int n = 4 * hidden;
        float[] w = Initializers.glorotUniform(1).make(hidden, n);
        wx = kernels.pack(hidden, n, (i, j) -> w[i * n + j], new float[n]);
        wh = kernels.pack(hidden, n, (i, j) -> w[i * n + j], null);
        SplittableRandom r = new SplittableRandom(3);
        x = new float[batch * hidden];
        h = new float[batch * hidden];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            h[i] = (float) r.nextGaussian() * 0.5f;
        }
        gates = new float[batch * n];
    }

    @Benchmark
    public float[] gateProduct() {
        kernels.matMul(wx, x, 0, hidden, batch, gates, 0, 4 * hidden, false);
        kernels.matMul(wh, h, 0, hidden, batch, gates, 0, 4 * hidden, true);
        return gates;
    }
}
