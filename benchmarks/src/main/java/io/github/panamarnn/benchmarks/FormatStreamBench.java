package io.github.panamarnn.benchmarks;

import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.model.Model;
import java.io.IOException;
import java.nio.file.Path;
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
 * One streamed tick of the same trained weights loaded from two formats: the PyTorch state_dict ({@code .safetensors})
 * and the ONNX graph torch.onnx exported from it, compiled to layers. Equal layers should tick equally fast.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class FormatStreamBench {
    @Param({"lstm2x64", "gru64"})
    public String model;

    @Param({"torch/%s.safetensors", "onnx/%s.onnx"})
    public String file;

    private Model.Stream stream;
    private final float[] x = {0.3f, -0.2f, 0.7f, 0.1f};
    private final float[] y = new float[1];

    @Setup
    public void setup() throws IOException {
        if (!KernelProvider.get().isVectorized()) {
            throw new IllegalStateException("vector kernels unavailable: " + KernelProvider.fallbackReason());
        }
        Model m = ModelFiles.load(Path.of(System.getProperty("rnn.models.dir", "../shared/models")).resolve(String.format(file, model)));
        stream = m.newStream();
    }

    @Benchmark
    public float[] tick() {
        stream.step(x, 0, y, 0);
        return y;
    }
}
