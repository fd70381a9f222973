package io.github.panamarnn.benchmarks;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxValue;
import io.github.panamarnn.kernels.Activation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The onnxruntime peer of a benchmark: one ONNX {@code LSTM}, {@code GRU} or {@code RNN} node with
 * random weights, written by this project's own ONNX writer ({@link OnnxModel#toBytes()}), opened in
 * onnxruntime, and this project's cell built from the very same {@code W}, {@code R}, {@code B}
 * arrays (the ONNX factories of the cells), so both sides compute the same math.
 *
 * <p>onnxruntime is pinned to one intra-op and one inter-op thread, sequential execution and every
 * graph optimisation: one stream is one thread in this library, and the comparison is per core.
 */
final class OrtPeer {
    /** The cell kinds: ONNX op, gate count, {@code linear_before_reset}. */
    enum Kind {
        LSTM("LSTM", 4, false),
        /** ONNX GRU with {@code linear_before_reset = 0}: the reset gate applied before the recurrent product (TF1, Keras reset_after=False). */
        GRU("GRU", 3, false),
        /** ONNX GRU with {@code linear_before_reset = 1}: the reset gate applied after it (PyTorch, Keras 2+ default). */
        GRU_LBR("GRU", 3, true),
        RNN("RNN", 1, false);

        final String op;
        final int gates;
        final boolean linearBeforeReset;

        Kind(String op, int gates, boolean linearBeforeReset) {
            this.op = op;
            this.gates = gates;
            this.linearBeforeReset = linearBeforeReset;
        }

        boolean hasCellState() {
            return this == LSTM;
        }
    }

    final Kind kind;
    final int in;
    final int hidden;
    final float[] w;
    final float[] r;
    final float[] b;

    /** Weights uniform in ±1/sqrt(hidden) (PyTorch's default initialisation), from a fixed seed. */
    OrtPeer(Kind kind, int in, int hidden, long seed) {
        this.kind = kind;
        this.in = in;
        this.hidden = hidden;
        SplittableRandom rnd = new SplittableRandom(seed);
        double a = 1 / Math.sqrt(hidden);
        int g = kind.gates * hidden;
        w = uniform(rnd, g * in, a);
        r = uniform(rnd, g * hidden, a);
        b = uniform(rnd, 2 * g, a);
    }

    static float[] uniform(SplittableRandom rnd, int n, double a) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextDouble(-a, a);
        }
        return v;
    }

    static float[] gaussian(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /** This project's cell on the same weights (vector kernels). */
    RnnCell cell() {
        return switch (kind) {
            case LSTM -> LstmCell.onnx(in, hidden, w, r, b, null, Float.POSITIVE_INFINITY, false, Activation.SIGMOID, Activation.TANH,
                    Activation.TANH);
            case GRU, GRU_LBR -> GruCell.onnx(in, hidden, w, r, b, kind.linearBeforeReset, Float.POSITIVE_INFINITY, Activation.SIGMOID,
                    Activation.TANH);
            case RNN -> SimpleRnnCell.onnx(in, hidden, w, r, b, Activation.TANH);
        };
    }

    /**
     * One node. {@code steps == 1}: inputs {@code X [1, batch, in]}, {@code initial_h} (and
     * {@code initial_c}), outputs {@code Y_h} (and {@code Y_c}): one streaming step with the state
     * passed in and out. {@code steps > 1}: inputs {@code X [T, batch, in]} and
     * {@code sequence_lens [batch]}, output {@code Y [T, 1, batch, hidden]}, zero initial state.
     */
    byte[] model(int steps, int batch) {
        int g = kind.gates * hidden;
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        init.put("W", OnnxValue.of("W", w, 1, g, in));
        init.put("R", OnnxValue.of("R", r, 1, g, hidden));
        init.put("B", OnnxValue.of("B", b, 1, 2 * g));
        List<String> nodeIn = new ArrayList<>(List.of("X", "W", "R", "B"));
        List<OnnxModel.ValueInfo> graphIn = new ArrayList<>();
        List<OnnxModel.ValueInfo> graphOut = new ArrayList<>();
        List<String> nodeOut = new ArrayList<>();
        graphIn.add(new OnnxModel.ValueInfo("X", OnnxModel.FLOAT, new int[] {steps, batch, in}, List.of()));
        int[] state = {1, batch, hidden};
        if (steps == 1) {
            nodeIn.add("");
            nodeIn.add("initial_h");
            graphIn.add(new OnnxModel.ValueInfo("initial_h", OnnxModel.FLOAT, state, List.of()));
            nodeOut.add("");
            nodeOut.add("Y_h");
            graphOut.add(new OnnxModel.ValueInfo("Y_h", OnnxModel.FLOAT, state, List.of()));
            if (kind.hasCellState()) {
                nodeIn.add("initial_c");
                graphIn.add(new OnnxModel.ValueInfo("initial_c", OnnxModel.FLOAT, state, List.of()));
                nodeOut.add("Y_c");
                graphOut.add(new OnnxModel.ValueInfo("Y_c", OnnxModel.FLOAT, state, List.of()));
            }
        } else {
            nodeIn.add("sequence_lens");
            graphIn.add(new OnnxModel.ValueInfo("sequence_lens", OnnxModel.INT32, new int[] {batch}, List.of()));
            nodeOut.add("Y");
            graphOut.add(new OnnxModel.ValueInfo("Y", OnnxModel.FLOAT, new int[] {steps, 1, batch, hidden}, List.of()));
        }
        Map<String, OnnxModel.Attribute> attrs = new LinkedHashMap<>();
        attrs.put("hidden_size", OnnxModel.Attribute.of("hidden_size", hidden));
        if (kind.op.equals("GRU")) {
            attrs.put("linear_before_reset", OnnxModel.Attribute.of("linear_before_reset", kind.linearBeforeReset ? 1 : 0));
        }
        OnnxModel.Node node = new OnnxModel.Node("rnn", kind.op, "", nodeIn, nodeOut, attrs);
        return new OnnxModel("panama-rnn benchmark peer", 8, 14, "panama-rnn", List.of(node), init, graphIn, graphOut).toBytes();
    }

    /** onnxruntime on one thread, sequential, all graph optimisations. */
    static OrtSession open(OrtEnvironment env, byte[] model) throws OrtException {
        return open(env, model, 1);
    }

    /** onnxruntime with {@code intraOpThreads} threads per operator, sequential, all graph optimisations. */
    static OrtSession open(OrtEnvironment env, byte[] model, int intraOpThreads) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(intraOpThreads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return env.createSession(model, o);
        }
    }

    /**
     * Prints the largest difference between onnxruntime's and this library's outputs and throws when
     * it exceeds 1e-5, so a benchmark never compares different math.
     */
    static void check(String what, float[] ours, java.nio.FloatBuffer theirs, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            float t = theirs.get(i);
            if (!Float.isFinite(t) || !Float.isFinite(ours[i])) {
                throw new IllegalStateException(what + ": non-finite output at " + i + ": ours " + ours[i] + ", onnxruntime " + t);
            }
            max = Math.max(max, Math.abs(ours[i] - t));
        }
        System.out.printf(Locale.ROOT, "%n%s: max |ours - onnxruntime| = %.3g over %d values%n", what, max, n);
        if (max > 1e-5) {
            throw new IllegalStateException(what + ": onnxruntime and panama-rnn differ by " + max + " > 1e-5: not the same math, aborting");
        }
    }

    /**
     * The exact allocation of {@code call} once the benchmark has run hot (called from a trial's
     * tear-down): the thread's allocated bytes over as many calls as fit in about 0.3 s (at least 5,
     * at most 10,000), printed for {@code peers-checks.txt}.
     */
    static void allocationCheck(String what, Runnable call) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        // This loop is new to the JIT: a first window of it carries its own one-off compilation events (a few hundred
        // bytes were seen once in 52 checks), so it runs a window unmeasured first, then counts the second.
        long bytes = 0;
        int calls = 0;
        for (int window = 0; window < 2; window++) {
            long end = System.nanoTime() + 150_000_000L;
            calls = 0;
            long before = threads.getCurrentThreadAllocatedBytes();
            while (calls < 10_000 && (calls < 5 || System.nanoTime() < end)) {
                call.run();
                calls++;
            }
            bytes = threads.getCurrentThreadAllocatedBytes() - before;
        }
        System.out.printf(Locale.ROOT, "%n%s: ours allocated %d bytes over %d calls (thread-allocated bytes, after the measurement)%n", what, bytes,
                calls);
    }
}
