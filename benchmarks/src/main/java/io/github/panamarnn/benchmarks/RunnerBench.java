package io.github.panamarnn.benchmarks;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.unroll.SequenceRunner;
import io.github.panamarnn.unroll.StaticRunner;
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
 * A {@value #T}-step LSTM sequence (Keras defaults, input = hidden), four ways in one class: the
 * static runner (input projections of all steps in one product), the symbolic runner, a plain loop
 * of single cell steps, and that loop on the scalar specification.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class RunnerBench {
    static final int T = 100;

    @Param({"128", "256"})
    public int hidden;

    @Param({"1", "32"})
    public int batch;

    private LstmCell cell;
    private LstmCell scalarCell;
    private StaticRunner unrolled;
    private SequenceRunner symbolic;
    private CellState loopState;
    private CellState scalarState;
    private float[] x;
    private float[] out;

    @Setup
    public void setup() {
        cell = Initializers.kerasLstm(hidden, hidden, 13);
        scalarCell = cell.using(KernelProvider.scalar());
        unrolled = new StaticRunner(cell, batch, T);
        symbolic = new SequenceRunner(cell, batch, T);
        loopState = cell.zeroState(batch);
        scalarState = scalarCell.zeroState(batch);
        SplittableRandom r = new SplittableRandom(2);
        x = new float[T * batch * hidden];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        out = new float[T * batch * hidden];
    }

    @Benchmark
    public float[] staticRunner() {
        unrolled.state(0).reset();
        unrolled.run(x, true, null, out);
        return out;
    }

    @Benchmark
    public float[] symbolicRunner() {
        symbolic.state().reset();
        symbolic.run(x, T, true, null, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, out);
        return out;
    }

    @Benchmark
    public float[] loopOfSteps() {
        loopState.reset();
        for (int t = 0; t < T; t++) {
            cell.step(x, t * batch * hidden, loopState, out, t * batch * hidden);
        }
        return out;
    }

    @Benchmark
    public float[] scalarLoopOfSteps() {
        scalarState.reset();
        for (int t = 0; t < T; t++) {
            scalarCell.step(x, t * batch * hidden, scalarState, out, t * batch * hidden);
        }
        return out;
    }
}
