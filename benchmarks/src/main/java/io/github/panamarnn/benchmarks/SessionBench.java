package io.github.panamarnn.benchmarks;

import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.unroll.StaticRunner;
import java.io.IOException;
import java.nio.file.Path;
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
 * A loaded model's {@code Session} over T = 100 steps at batch 32 against the bare {@link StaticRunner} on the same
 * recurrent cells (stacked when the model has several recurrent layers): what the model layer costs on top of the fastest runner. {@code session} fills its capacity, so it
 * runs the static runner; {@code loopSession} has one step of room to spare, so it runs the loop runner (the runner a
 * session used for every run before).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class SessionBench {
    static final int T = 100;
    static final int BATCH = 32;

    @Param({"keras/lstm64.keras", "torch/lstm2x64.safetensors"})
    public String model;

    private Model.Session session;
    private Model.Session loopSession;
    private StaticRunner bare;
    private float[] x;
    private float[] y;

    @Setup
    public void setup() throws IOException {
        if (!KernelProvider.get().isVectorized()) {
            throw new IllegalStateException("vector kernels unavailable: " + KernelProvider.fallbackReason());
        }
        Model m = ModelFiles.load(Path.of(System.getProperty("rnn.models.dir", "../shared/models")).resolve(model));
        session = m.newSession(BATCH, T);
        loopSession = m.newSession(BATCH, T + 1);
        java.util.List<io.github.panamarnn.cells.RnnCell> cells = new java.util.ArrayList<>();
        for (Model.Layer l : m.layers()) {
            if (l instanceof Model.Recurrent r) {
                cells.add(r.forward());
            }
        }
        bare = new StaticRunner(cells.size() == 1 ? cells.get(0) : new io.github.panamarnn.cells.MultiRnnCell(cells), BATCH, T);
        x = new float[BATCH * T * m.inputSize()];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        y = new float[m.outputLength(BATCH, T)];
    }

    @Benchmark
    public float[] session() {
        session.run(x, T, y);
        return y;
    }

    @Benchmark
    public float[] loopSession() {
        loopSession.run(x, T, y);
        return y;
    }

    /** The model's recurrent layers alone (stacked) on the static runner, from the zero state (the session resets it too). */
    @Benchmark
    public Object staticRunner() {
        for (int l = 0; l < bare.layerCount(); l++) {
            bare.state(l).reset();
        }
        bare.run(x, false, null, null);
        return bare;
    }
}
