package io.github.panamarnn.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.unroll.StaticRunner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * A whole {@value #T}-step sequence (time-major, input size = hidden size, zero initial state, every
 * row of length T passed as {@code sequence_lens}), all outputs {@code Y} kept, four ways on the same
 * ONNX weights ({@link OrtPeer}): this library's {@link StaticRunner} on the Vector API kernels and
 * on the scalar specification, onnxruntime with pinned tensors, and onnxruntime the ordinary way
 * (see {@link PeerStepBench}). The setup aborts if the outputs differ by more than 1e-5.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class PeerSequenceBench {
    static final int T = 100;

    @Param({"LSTM", "GRU", "GRU_LBR"})
    public String cell;

    @Param({"128", "256"})
    public int hidden;

    @Param({"1", "32"})
    public int batch;

    private StaticRunner ours;
    private StaticRunner scalar;
    private float[] x;
    private int[] lengths;
    private float[] y;
    private float[] ys;

    private OrtEnvironment env;
    private OrtSession session;
    private long[] xShape;
    private OnnxTensor xTensor;
    private OnnxTensor lenTensor;
    private OnnxTensor yTensor;
    private FloatBuffer yBuf;
    private final Map<String, OnnxTensor> pinnedIn = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> pinnedOut = new LinkedHashMap<>();
    private float[] yOrdinary;

    @Setup
    public void setup() throws OrtException {
        if (!KernelProvider.get().isVectorized()) {
            throw new IllegalStateException("vector kernels unavailable: " + KernelProvider.fallbackReason());
        }
        OrtPeer peer = new OrtPeer(OrtPeer.Kind.valueOf(cell), hidden, hidden, 17);
        RnnCell c = peer.cell();
        ours = new StaticRunner(c, batch, T);
        scalar = new StaticRunner(RnnCell.using(c, KernelProvider.scalar()), batch, T);
        int n = T * batch * hidden;
        x = OrtPeer.gaussian(9, n);
        lengths = new int[batch];
        Arrays.fill(lengths, T);
        y = new float[n];
        ys = new float[n];
        yOrdinary = new float[n];

        env = OrtEnvironment.getEnvironment();
        session = OrtPeer.open(env, peer.model(T, batch));
        xShape = new long[] {T, batch, hidden};
        FloatBuffer xb = PeerStepBench.direct(n);
        xb.put(0, x);
        xTensor = OnnxTensor.createTensor(env, xb, xShape);
        IntBuffer lb = ByteBuffer.allocateDirect(4 * batch).order(ByteOrder.nativeOrder()).asIntBuffer();
        lb.put(0, lengths);
        lenTensor = OnnxTensor.createTensor(env, lb, new long[] {batch});
        yBuf = PeerStepBench.direct(n);
        yTensor = OnnxTensor.createTensor(env, yBuf, new long[] {T, 1, batch, hidden});
        pinnedIn.put("X", xTensor);
        pinnedIn.put("sequence_lens", lenTensor);
        pinnedOut.put("Y", yTensor);

        ours();
        scalar();
        ortPinned();
        ortOrdinary();
        String what = cell + " h=" + hidden + " batch=" + batch + " T=" + T;
        OrtPeer.check(what + ", pinned", y, yBuf, n);
        OrtPeer.check(what + ", ordinary", y, FloatBuffer.wrap(yOrdinary), n);
        OrtPeer.check(what + ", scalar specification", y, FloatBuffer.wrap(ys), n);
    }

    @TearDown
    public void tearDown(BenchmarkParams params) throws OrtException {
        if (params.getBenchmark().endsWith(".ours")) {
            OrtPeer.allocationCheck(cell + " h=" + hidden + " batch=" + batch + " T=" + T, this::ours);
        }
        xTensor.close();
        lenTensor.close();
        yTensor.close();
        session.close();
    }

    @Benchmark
    public float[] ours() {
        ours.state(0).reset();
        ours.run(x, true, lengths, y);
        return y;
    }

    @Benchmark
    public float[] scalar() {
        scalar.state(0).reset();
        scalar.run(x, true, lengths, ys);
        return ys;
    }

    @Benchmark
    public FloatBuffer ortPinned() throws OrtException {
        session.run(pinnedIn, pinnedOut).close();
        return yBuf;
    }

    @Benchmark
    public float[] ortOrdinary() throws OrtException {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try (OnnxTensor tx = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), xShape);
             OnnxTensor tl = OnnxTensor.createTensor(env, IntBuffer.wrap(lengths), new long[] {batch})) {
            in.put("X", tx);
            in.put("sequence_lens", tl);
            try (OrtSession.Result r = session.run(in)) {
                ((OnnxTensor) r.get("Y").orElseThrow()).getFloatBuffer().get(yOrdinary);
            }
        }
        return yOrdinary;
    }
}
