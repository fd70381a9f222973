package io.github.panamarnn.benchmarks;

import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.model.ModelStreamPool;
import io.github.panamarnn.model.Model;
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
 * 10,000 streams of a trained model from {@code ../shared/models} (recurrent layers and the dense head), 64 of them
 * advanced per tick: one {@link ModelStreamPool} tick (one batched step through every layer) against 64
 * {@link Model.Stream#step} calls on 64 of 10,000 separate streams. The 64 ids move on by 64 every call, so
 * both sides touch state that is not in cache, as a service with many series does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g"})
public class ModelPoolBench {
    static final int STREAMS = 10_000;
    static final int TICK = 64;

    @Param({"keras/lstm64.keras", "keras/stacked_lstm64_32.keras", "torch/lstm2x64.safetensors"})
    public String model;

    private ModelStreamPool pool;
    private Model.Stream[] streams;
    private final int[] ids = new int[TICK];
    private float[] x;
    private float[] y;
    private int next;
    private int in;
    private int out;

    @Setup
    public void setup() throws IOException {
        if (!KernelProvider.get().isVectorized()) {
            throw new IllegalStateException("vector kernels unavailable: " + KernelProvider.fallbackReason());
        }
        Model m = ModelFiles.load(Path.of(System.getProperty("rnn.models.dir", "../shared/models")).resolve(model));
        pool = m.newStreamPool(STREAMS, TICK);
        pool.prepare(TICK);
        streams = new Model.Stream[STREAMS];
        for (int i = 0; i < STREAMS; i++) {
            streams[i] = m.newStream();
        }
        in = m.inputSize();
        out = m.outputSize();
        x = new float[TICK * in];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        y = new float[TICK * out];
    }

    private void nextIds() {
        for (int i = 0; i < TICK; i++) {
            ids[i] = (next + i * 157) % STREAMS; // 157 is prime to 10,000: 64 distinct ids, spread out
        }
        next = (next + TICK) % STREAMS;
    }

    @Benchmark
    public float[] poolTick() {
        nextIds();
        pool.tick(ids, TICK, x, 0, y, 0);
        return y;
    }

    @Benchmark
    public float[] singleStreamSteps() {
        nextIds();
        for (int i = 0; i < TICK; i++) {
            streams[ids[i]].step(x, i * in, y, i * out);
        }
        return y;
    }
}
