package io.github.panamarnn.benchmarks;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.kernels.KernelProvider;
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
 * One step of a cell (input size = hidden size), on the Vector API kernels and on the scalar
 * specification ({@code cell.using(KernelProvider.scalar())}, same weights) in one class. The
 * LSTM step's floor, its gate product alone, is {@link LstmGateProductBench}, in the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class CellBench {
    @Param({"BasicLSTMCell", "GRU", "SimpleRNN"})
    public String cell;

    @Param({"32", "64", "128", "256", "512"})
    public int hidden;

    @Param({"1", "32"})
    public int batch;

    private RnnCell vectorCell;
    private RnnCell scalarCell;
    private CellState vectorState;
    private CellState scalarState;
    private float[] x;
    private float[] y;

    @Setup
    public void setup() {
        if (!KernelProvider.get().isVectorized()) {
            throw new IllegalStateException("vector kernels unavailable: " + KernelProvider.fallbackReason());
        }
        switch (cell) {
            case "BasicLSTMCell" -> {
                LstmCell c = Initializers.tf1BasicLstm(hidden, hidden, 7);
                vectorCell = c;
                scalarCell = c.using(KernelProvider.scalar());
            }
            case "GRU" -> {
                GruCell c = Initializers.kerasGru(hidden, hidden, 7);
                vectorCell = c;
                scalarCell = c.using(KernelProvider.scalar());
            }
            default -> {
                SimpleRnnCell c = Initializers.kerasSimpleRnn(hidden, hidden, 7);
                vectorCell = c;
                scalarCell = c.using(KernelProvider.scalar());
            }
        }
        vectorState = vectorCell.zeroState(batch);
        scalarState = scalarCell.zeroState(batch);
        SplittableRandom r = new SplittableRandom(3);
        x = new float[batch * hidden];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        y = new float[batch * vectorCell.outputSize()];
    }

    @Benchmark
    public float[] vectorStep() {
        vectorCell.step(x, 0, vectorState, y, 0);
        return y;
    }

    @Benchmark
    public float[] scalarStep() {
        scalarCell.step(x, 0, scalarState, y, 0);
        return y;
    }
}
