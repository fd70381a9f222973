package io.github.panamarnn.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.KernelProvider;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
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
 * One streaming step (state in, state out; input size = hidden size) four ways in one class, on the
 * same ONNX weights ({@link OrtPeer}):
 * <ul>
 *   <li>{@code ours}: this library's cell on the Vector API kernels, state kept in its {@code CellState};</li>
 *   <li>{@code scalar}: the same cell on the scalar specification;</li>
 *   <li>{@code ortPinned}: onnxruntime Java at its fastest: every input and output tensor created
 *       once over direct buffers and reused through {@code run(inputs, pinnedOutputs)}, the state
 *       ping-ponged between two pinned pairs, the input written straight into its direct buffer
 *       (no copy counted);</li>
 *   <li>{@code ortOrdinary}: onnxruntime the usual way: tensors made from the caller's arrays each
 *       call, outputs allocated by onnxruntime and copied back.</li>
 * </ul>
 * The setup runs three steps both ways from the zero state and aborts if onnxruntime and this
 * library differ by more than 1e-5.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class PeerStepBench {
    @Param({"LSTM", "GRU", "GRU_LBR", "RNN"})
    public String cell;

    @Param({"32", "64", "128", "256", "512"})
    public int hidden;

    @Param({"1", "32"})
    public int batch;

    private RnnCell ours;
    private RnnCell scalar;
    private CellState oursState;
    private CellState scalarState;
    private float[] x;
    private float[] y;
    private float[] ys;

    private OrtEnvironment env;
    private OrtSession session;
    private boolean lstm;
    private long[] xShape;
    private long[] sShape;
    /** Pinned: the input and two state pairs; step p reads pair p and writes pair p ^ 1. */
    private OnnxTensor xTensor;
    private final FloatBuffer[] hBuf = new FloatBuffer[2];
    private final FloatBuffer[] cBuf = new FloatBuffer[2];
    private final OnnxTensor[] hTensor = new OnnxTensor[2];
    private final OnnxTensor[] cTensor = new OnnxTensor[2];
    private final Pinned[] pinned = {new Pinned(new LinkedHashMap<>(), new LinkedHashMap<>()), new Pinned(new LinkedHashMap<>(), new LinkedHashMap<>())};
    private int parity;
    /** Ordinary: the state as the caller's arrays. */
    private float[] hArr;
    private float[] cArr;

    /** The inputs and the pinned outputs of one parity. */
    private record Pinned(Map<String, OnnxTensor> in, Map<String, OnnxTensor> out) {
    }

    @Setup
    public void setup() throws OrtException {
        if (!KernelProvider.get().isVectorized()) {
            throw new IllegalStateException("vector kernels unavailable: " + KernelProvider.fallbackReason());
        }
        OrtPeer peer = new OrtPeer(OrtPeer.Kind.valueOf(cell), hidden, hidden, 11);
        lstm = peer.kind.hasCellState();
        ours = peer.cell();
        scalar = RnnCell.using(ours, KernelProvider.scalar());
        oursState = ours.zeroState(batch);
        scalarState = scalar.zeroState(batch);
        x = OrtPeer.gaussian(5, batch * hidden);
        y = new float[batch * hidden];
        ys = new float[batch * hidden];
        hArr = new float[batch * hidden];
        cArr = new float[batch * hidden];

        env = OrtEnvironment.getEnvironment();
        session = OrtPeer.open(env, peer.model(1, batch));
        xShape = new long[] {1, batch, hidden};
        sShape = new long[] {1, batch, hidden};
        FloatBuffer xb = direct(batch * hidden);
        xb.put(0, x);
        xTensor = OnnxTensor.createTensor(env, xb, xShape);
        for (int p = 0; p < 2; p++) {
            hBuf[p] = direct(batch * hidden);
            cBuf[p] = direct(batch * hidden);
            hTensor[p] = OnnxTensor.createTensor(env, hBuf[p], sShape);
            cTensor[p] = OnnxTensor.createTensor(env, cBuf[p], sShape);
        }
        for (int p = 0; p < 2; p++) {
            pinned[p].in().put("X", xTensor);
            pinned[p].in().put("initial_h", hTensor[p]);
            pinned[p].out().put("Y_h", hTensor[p ^ 1]);
            if (lstm) {
                pinned[p].in().put("initial_c", cTensor[p]);
                pinned[p].out().put("Y_c", cTensor[p ^ 1]);
            }
        }

        // The same three steps from the zero state, every way; then back to zero.
        String what = cell + " h=" + hidden + " batch=" + batch + " (3 steps)";
        for (int k = 0; k < 3; k++) {
            ours();
            ortPinned();
            ortOrdinary();
            scalar();
        }
        OrtPeer.check(what + ", pinned", y, hBuf[parity], batch * hidden);
        OrtPeer.check(what + ", ordinary", y, FloatBuffer.wrap(hArr), batch * hidden);
        OrtPeer.check(what + ", scalar specification", y, FloatBuffer.wrap(ys), batch * hidden);
        oursState.reset();
        scalarState.reset();
        for (int p = 0; p < 2; p++) {
            hBuf[p].put(0, new float[batch * hidden]);
            cBuf[p].put(0, new float[batch * hidden]);
        }
        parity = 0;
        java.util.Arrays.fill(hArr, 0);
        java.util.Arrays.fill(cArr, 0);
    }

    static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @TearDown
    public void tearDown(BenchmarkParams params) throws OrtException {
        if (params.getBenchmark().endsWith(".ours")) {
            OrtPeer.allocationCheck(cell + " h=" + hidden + " batch=" + batch, this::ours);
        }
        xTensor.close();
        for (int p = 0; p < 2; p++) {
            hTensor[p].close();
            cTensor[p].close();
        }
        session.close();
    }

    @Benchmark
    public float[] ours() {
        ours.step(x, 0, oursState, y, 0);
        return y;
    }

    @Benchmark
    public float[] scalar() {
        scalar.step(x, 0, scalarState, ys, 0);
        return ys;
    }

    @Benchmark
    public FloatBuffer ortPinned() throws OrtException {
        int p = parity;
        session.run(pinned[p].in(), pinned[p].out()).close();
        parity = p ^ 1;
        return hBuf[p ^ 1];
    }

    @Benchmark
    public float[] ortOrdinary() throws OrtException {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try (OnnxTensor tx = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), xShape);
             OnnxTensor th = OnnxTensor.createTensor(env, FloatBuffer.wrap(hArr), sShape);
             OnnxTensor tc = lstm ? OnnxTensor.createTensor(env, FloatBuffer.wrap(cArr), sShape) : null) {
            in.put("X", tx);
            in.put("initial_h", th);
            if (lstm) {
                in.put("initial_c", tc);
            }
            try (OrtSession.Result r = session.run(in)) {
                ((OnnxTensor) r.get("Y_h").orElseThrow()).getFloatBuffer().get(hArr);
                if (lstm) {
                    ((OnnxTensor) r.get("Y_c").orElseThrow()).getFloatBuffer().get(cArr);
                }
            }
        }
        return hArr;
    }
}
