package io.github.panamarnn.benchmarks;

import io.github.panamarnn.kernels.GruGates;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.LstmGates;
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
 * The fused state updates for one batch row, vector and scalar specification: LSTM (with forget
 * bias, peepholes and cell clip, the full TF1 LSTMCell option set) and the reset-after GRU. The gate
 * buffer is restored from a copy before each update (the update uses it as scratch); that copy is
 * part of both measurements.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class GateBench {
    @Param({"128", "512"})
    public int units;

    private final Kernels vector = KernelProvider.get();
    private final Kernels scalar = KernelProvider.scalar();
    private LstmGates lstm;
    private GruGates gru;
    private float[] gates0;
    private float[] gates;
    private float[] gh;
    private float[] c;
    private float[] h;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(5);
        float[] peep = new float[3 * units];
        for (int i = 0; i < peep.length; i++) {
            peep[i] = (float) r.nextGaussian() * 0.1f;
        }
        lstm = LstmGates.builder(units).forgetBias(1f).peepholes(peep).cellClip(3f).build();
        gru = GruGates.standard(units);
        gates0 = new float[4 * units];
        gh = new float[3 * units];
        for (int i = 0; i < gates0.length; i++) {
            gates0[i] = (float) r.nextGaussian() * 2;
        }
        for (int i = 0; i < gh.length; i++) {
            gh[i] = (float) r.nextGaussian() * 2;
        }
        gates = gates0.clone();
        c = new float[units];
        h = new float[units];
    }

    @Benchmark
    public float[] lstmVector() {
        System.arraycopy(gates0, 0, gates, 0, gates.length);
        vector.lstmUpdate(lstm, 1, gates, 0, c, 0, h, 0);
        return h;
    }

    @Benchmark
    public float[] lstmScalar() {
        System.arraycopy(gates0, 0, gates, 0, gates.length);
        scalar.lstmUpdate(lstm, 1, gates, 0, c, 0, h, 0);
        return h;
    }

    @Benchmark
    public float[] gruVector() {
        System.arraycopy(gates0, 0, gates, 0, 3 * units);
        vector.gruUpdateResetAfter(gru, 1, gates, 0, gh, 0, h, 0, h, 0);
        return h;
    }

    @Benchmark
    public float[] gruScalar() {
        System.arraycopy(gates0, 0, gates, 0, 3 * units);
        scalar.gruUpdateResetAfter(gru, 1, gates, 0, gh, 0, h, 0, h, 0);
        return h;
    }
}
