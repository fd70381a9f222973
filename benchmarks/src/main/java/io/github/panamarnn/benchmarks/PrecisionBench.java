package io.github.panamarnn.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.ParallelKernels;
import io.github.panamarnn.kernels.Precision;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Weights past float32 and one step across cores (issue 13): one batch-1 LSTM step (input size = hidden size) with
 * float32, bfloat16 and int8 weights, on one thread and split over two ({@link ParallelKernels}), against
 * onnxruntime on the same ONNX weights with one and with two intra-op threads ({@link Peer}). All in one run so the
 * ratios share the machine's state.
 */
public class PrecisionBench {

    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
    public static class Ours {
        @Param({"256", "512", "1024"})
        public int hidden;

        @Param({"fp32", "bf16", "int8"})
        public String precision;

        @Param({"1", "2"})
        public int threads;

        private ParallelKernels parallel;
        private RnnCell cell;
        private CellState state;
        private float[] x;
        private float[] y;

        @Setup(Level.Trial)
        public void setup() {
            if (!KernelProvider.get().isVectorized()) {
                throw new IllegalStateException("vector kernels unavailable: " + KernelProvider.fallbackReason());
            }
            OrtPeer peer = new OrtPeer(OrtPeer.Kind.LSTM, hidden, hidden, 11);
            Kernels k = KernelProvider.get().withPrecision(Precision.parse(precision));
            if (threads > 1) {
                parallel = ParallelKernels.of(KernelProvider.get(), threads);
                k = parallel.withPrecision(Precision.parse(precision));
            }
            cell = RnnCell.using(peer.cell(), k);
            state = cell.zeroState(1);
            x = OrtPeer.gaussian(5, hidden);
            y = new float[hidden];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            OrtPeer.allocationCheck("LSTM h=" + hidden + " " + precision + " x" + threads, this::step);
            if (parallel != null) {
                parallel.close();
            }
        }

        @Benchmark
        public float[] step() {
            cell.step(x, 0, state, y, 0);
            return y;
        }
    }

    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
    public static class Peer {
        @Param({"256", "512", "1024"})
        public int hidden;

        @Param({"1", "2"})
        public int ortThreads;

        private OrtEnvironment env;
        private OrtSession session;
        private OnnxTensor xTensor;
        private final OnnxTensor[] h = new OnnxTensor[2];
        private final OnnxTensor[] c = new OnnxTensor[2];
        private final FloatBuffer[] hBuf = new FloatBuffer[2];
        private final java.util.List<Map<String, OnnxTensor>> in = new java.util.ArrayList<>();
        private final java.util.List<Map<String, OnnxTensor>> out = new java.util.ArrayList<>();
        private int parity;

        @Setup(Level.Trial)
        public void setup() throws OrtException {
            OrtPeer peer = new OrtPeer(OrtPeer.Kind.LSTM, hidden, hidden, 11);
            env = OrtEnvironment.getEnvironment();
            session = OrtPeer.open(env, peer.model(1, 1), ortThreads);
            long[] shape = {1, 1, hidden};
            FloatBuffer xb = PeerStepBench.direct(hidden);
            xb.put(0, OrtPeer.gaussian(5, hidden));
            xTensor = OnnxTensor.createTensor(env, xb, shape);
            for (int p = 0; p < 2; p++) {
                hBuf[p] = PeerStepBench.direct(hidden);
                h[p] = OnnxTensor.createTensor(env, hBuf[p], shape);
                c[p] = OnnxTensor.createTensor(env, PeerStepBench.direct(hidden), shape);
            }
            for (int p = 0; p < 2; p++) {
                in.add(Map.of("X", xTensor, "initial_h", h[p], "initial_c", c[p]));
                out.add(Map.of("Y_h", h[p ^ 1], "Y_c", c[p ^ 1]));
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws OrtException {
            xTensor.close();
            for (int p = 0; p < 2; p++) {
                h[p].close();
                c[p].close();
            }
            session.close();
        }

        /** onnxruntime at its fastest: pinned input, state and outputs (as {@code PeerStepBench.ortPinned}). */
        @Benchmark
        public FloatBuffer ortPinned() throws OrtException {
            int p = parity;
            session.run(in.get(p), out.get(p)).close();
            parity = p ^ 1;
            return hBuf[p ^ 1];
        }
    }
}
