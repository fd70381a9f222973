package io.github.panamarnn.tests.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxSession;
import io.github.panamarnn.formats.onnx.OnnxValue;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * onnxruntime (Java, from Maven Central) as the oracle of this library's ONNX {@code LSTM},
 * {@code GRU} and {@code RNN}: random single-node models over every attribute (direction,
 * activations in any case with {@code activation_alpha}/{@code activation_beta} of any length,
 * {@code clip}, {@code input_forget}, {@code layout}, {@code linear_before_reset}, hidden sizes,
 * optional inputs present or absent: {@code B}, {@code sequence_lens}, initial states, peepholes),
 * written by this project's ONNX writer, run by both, {@code Y}, {@code Y_h}, {@code Y_c} compared
 * within {@code 1e-5 + 1e-5 |y|} (a model whose onnxruntime outputs overflow to NaN or infinity, which
 * unbounded cell activations such as Softplus can cause, has no oracle and is counted, not compared).
 * A model onnxruntime refuses must be refused here too, with one
 * documented exception: onnxruntime's CPU kernels refuse {@code layout = 1} (batch-major), which the
 * ONNX standard defines and this library runs (the ONNX backend's batchwise cases pass); those
 * models are checked against onnxruntime running the same node with {@code layout = 0} on the
 * transposed tensors. And one documented difference: onnxruntime's {@code RNN} kernel (unlike its LSTM
 * and GRU) indexes {@code activation_alpha}/{@code activation_beta} by direction, defaults them to 0
 * and reads past a short list; this library consumes them in order as the ONNX standard says for
 * all three operators, so the random RNN nodes draw parameter-free functions and the standard's
 * reading is checked directly ({@link #alphaIsConsumedByTheFunctionsThatTakeIt}).
 */
class OnnxRuntimeOracleTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private static final String[] FUNCTIONS = {"Relu", "Tanh", "Sigmoid", "Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh",
        "HardSigmoid", "Elu", "Softsign", "Softplus"};
    private static final String[] PARAMETER_FREE = {"Relu", "Tanh", "Sigmoid", "Softsign", "Softplus"};
    private static int agreedRuns;
    private static int agreedRefusals;
    private static int overflowed;

    @AfterAll
    static void report() {
        System.out.printf(Locale.ROOT, "onnxruntime oracle: %d models run by both and equal, %d refused by both, %d where onnxruntime "
                + "overflowed to NaN/Inf (not compared)%n", agreedRuns, agreedRefusals, overflowed);
    }

    /** One random node: everything it has, and what both sides are fed. */
    record Spec(String op, int gates, String direction, int dirs, int in, int hidden, int batch, int steps, int layout, Map<String, OnnxModel.Attribute> attrs,
                Map<String, OnnxValue> initializers, float[] x, int[] lens, float[] h0, float[] c0, String describe) {
    }

    static float[] random(SplittableRandom r, int n, double a) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-a, a);
        }
        return v;
    }

    static String anyCase(SplittableRandom r, String name) {
        return switch (r.nextInt(6)) {
            case 0 -> name.toLowerCase(Locale.ROOT);
            case 1 -> name.toUpperCase(Locale.ROOT);
            default -> name;
        };
    }

    static Spec spec(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String op = new String[] {"LSTM", "GRU", "RNN"}[r.nextInt(3)];
        int gates = op.equals("LSTM") ? 4 : op.equals("GRU") ? 3 : 1;
        String direction = new String[] {"forward", "reverse", "bidirectional"}[r.nextInt(3)];
        int dirs = direction.equals("bidirectional") ? 2 : 1;
        int in = 1 + r.nextInt(6);
        int hidden = 1 + r.nextInt(9);
        int batch = 1 + r.nextInt(4);
        int steps = 1 + r.nextInt(6);
        int layout = r.nextInt(4) == 0 ? 1 : 0;
        StringBuilder d = new StringBuilder(op + " " + direction + " in=" + in + " hidden=" + hidden + " batch=" + batch + " steps=" + steps
                + " layout=" + layout);
        Map<String, OnnxModel.Attribute> attrs = new LinkedHashMap<>();
        attrs.put("hidden_size", OnnxModel.Attribute.of("hidden_size", hidden));
        if (r.nextBoolean() || dirs == 2) {
            attrs.put("direction", OnnxModel.Attribute.of("direction", direction));
        }
        if (layout == 1) {
            attrs.put("layout", OnnxModel.Attribute.of("layout", 1L));
        }
        int per = gates == 4 ? 3 : gates == 3 ? 2 : 1;
        if (r.nextInt(3) > 0) {
            int count = per * dirs;
            if (op.equals("RNN") && dirs == 1 && r.nextInt(3) == 0) {
                count = 2; // one function per direction of a bidirectional node, on a forward node
            }
            List<String> names = new ArrayList<>();
            String[] pool = op.equals("RNN") ? PARAMETER_FREE : FUNCTIONS;
            for (int i = 0; i < count; i++) {
                names.add(anyCase(r, pool[r.nextInt(pool.length)]));
            }
            attrs.put("activations", OnnxModel.Attribute.ofStrings("activations", names));
            d.append(" activations=").append(names);
            if (r.nextBoolean()) {
                float[] a = random(r, r.nextInt(5), 1.0);
                for (int i = 0; i < a.length; i++) {
                    a[i] = Math.abs(a[i]) + 0.05f;
                }
                attrs.put("activation_alpha", OnnxModel.Attribute.ofFloats("activation_alpha", a));
                d.append(" alpha=").append(java.util.Arrays.toString(a));
            }
            if (r.nextBoolean()) {
                float[] b = random(r, r.nextInt(4), 1.0);
                attrs.put("activation_beta", OnnxModel.Attribute.ofFloats("activation_beta", b));
                d.append(" beta=").append(java.util.Arrays.toString(b));
            }
        }
        if (r.nextInt(3) == 0) {
            float clip = (float) r.nextDouble(0.3, 3);
            attrs.put("clip", OnnxModel.Attribute.of("clip", clip));
            d.append(" clip=").append(clip);
        }
        if (op.equals("LSTM") && r.nextInt(3) == 0) {
            attrs.put("input_forget", OnnxModel.Attribute.of("input_forget", 1L));
            d.append(" input_forget=1");
        }
        if (op.equals("GRU")) {
            long lbr = r.nextInt(2);
            attrs.put("linear_before_reset", OnnxModel.Attribute.of("linear_before_reset", lbr));
            d.append(" linear_before_reset=").append(lbr);
        }
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        double a = 1.2 / Math.sqrt(hidden);
        init.put("W", OnnxValue.of("W", random(r, dirs * gates * hidden * in, a), dirs, gates * hidden, in));
        init.put("R", OnnxValue.of("R", random(r, dirs * gates * hidden * hidden, a), dirs, gates * hidden, hidden));
        if (r.nextInt(4) > 0) {
            init.put("B", OnnxValue.of("B", random(r, dirs * 2 * gates * hidden, a), dirs, 2 * gates * hidden));
            d.append(" B");
        }
        if (op.equals("LSTM") && r.nextBoolean()) {
            init.put("P", OnnxValue.of("P", random(r, dirs * 3 * hidden, a), dirs, 3 * hidden));
            d.append(" P");
        }
        float[] x = random(r, steps * batch * in, 1.5);
        int[] lens = null;
        if (r.nextBoolean()) {
            lens = new int[batch];
            for (int b = 0; b < batch; b++) {
                lens[b] = 1 + r.nextInt(steps);
            }
            d.append(" sequence_lens=").append(java.util.Arrays.toString(lens));
        }
        float[] h0 = r.nextBoolean() ? random(r, dirs * batch * hidden, 0.8) : null;
        float[] c0 = op.equals("LSTM") && r.nextBoolean() ? random(r, dirs * batch * hidden, 0.8) : null;
        d.append(h0 != null ? " initial_h" : "").append(c0 != null ? " initial_c" : "");
        return new Spec(op, gates, direction, dirs, in, hidden, batch, steps, layout, attrs, init, x, lens, h0, c0, d.toString());
    }

    /** The model bytes: X (and the optional runtime inputs) as graph inputs, the weights as initializers, every output. */
    static OnnxModel model(Spec s) {
        int[] xShape = s.layout == 0 ? new int[] {s.steps, s.batch, s.in} : new int[] {s.batch, s.steps, s.in};
        int[] state = s.layout == 0 ? new int[] {s.dirs, s.batch, s.hidden} : new int[] {s.batch, s.dirs, s.hidden};
        int[] yShape = s.layout == 0 ? new int[] {s.steps, s.dirs, s.batch, s.hidden} : new int[] {s.batch, s.steps, s.dirs, s.hidden};
        List<OnnxModel.ValueInfo> gin = new ArrayList<>();
        gin.add(new OnnxModel.ValueInfo("X", OnnxModel.FLOAT, xShape, List.of()));
        List<String> nin = new ArrayList<>(List.of("X", "W", "R", s.initializers.containsKey("B") ? "B" : ""));
        nin.add(s.lens != null ? "sequence_lens" : "");
        if (s.lens != null) {
            gin.add(new OnnxModel.ValueInfo("sequence_lens", OnnxModel.INT32, new int[] {s.batch}, List.of()));
        }
        nin.add(s.h0 != null ? "initial_h" : "");
        if (s.h0 != null) {
            gin.add(new OnnxModel.ValueInfo("initial_h", OnnxModel.FLOAT, state, List.of()));
        }
        if (s.gates == 4) {
            nin.add(s.c0 != null ? "initial_c" : "");
            if (s.c0 != null) {
                gin.add(new OnnxModel.ValueInfo("initial_c", OnnxModel.FLOAT, state, List.of()));
            }
            nin.add(s.initializers.containsKey("P") ? "P" : "");
        }
        while (nin.get(nin.size() - 1).isEmpty()) {
            nin.remove(nin.size() - 1);
        }
        List<String> nout = new ArrayList<>(List.of("Y", "Y_h"));
        List<OnnxModel.ValueInfo> gout = new ArrayList<>(List.of(new OnnxModel.ValueInfo("Y", OnnxModel.FLOAT, yShape, List.of()),
                new OnnxModel.ValueInfo("Y_h", OnnxModel.FLOAT, state, List.of())));
        if (s.gates == 4) {
            nout.add("Y_c");
            gout.add(new OnnxModel.ValueInfo("Y_c", OnnxModel.FLOAT, state, List.of()));
        }
        OnnxModel.Node node = new OnnxModel.Node("node", s.op, "", nin, nout, s.attrs);
        return new OnnxModel("oracle", 8, 14, "panama-rnn tests", List.of(node), s.initializers, gin, gout);
    }

    /** Runs onnxruntime; null when it refuses the model or the run (the message goes to {@code why}). */
    static Map<String, float[]> ort(Spec s, byte[] bytes, StringBuilder why) {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            try (OrtSession session = ENV.createSession(bytes, o)) {
                Map<String, ai.onnxruntime.OnnxTensor> feed = new HashMap<>();
                try {
                    long[] xs = s.layout == 0 ? new long[] {s.steps, s.batch, s.in} : new long[] {s.batch, s.steps, s.in};
                    long[] st = s.layout == 0 ? new long[] {s.dirs, s.batch, s.hidden} : new long[] {s.batch, s.dirs, s.hidden};
                    feed.put("X", ai.onnxruntime.OnnxTensor.createTensor(ENV, FloatBuffer.wrap(s.x), xs));
                    if (s.lens != null) {
                        feed.put("sequence_lens", ai.onnxruntime.OnnxTensor.createTensor(ENV, IntBuffer.wrap(s.lens), new long[] {s.batch}));
                    }
                    if (s.h0 != null) {
                        feed.put("initial_h", ai.onnxruntime.OnnxTensor.createTensor(ENV, FloatBuffer.wrap(s.h0), st));
                    }
                    if (s.c0 != null) {
                        feed.put("initial_c", ai.onnxruntime.OnnxTensor.createTensor(ENV, FloatBuffer.wrap(s.c0), st));
                    }
                    try (OrtSession.Result res = session.run(feed)) {
                        Map<String, float[]> out = new LinkedHashMap<>();
                        for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : res) {
                            FloatBuffer fb = ((ai.onnxruntime.OnnxTensor) e.getValue()).getFloatBuffer();
                            float[] v = new float[fb.remaining()];
                            fb.get(v);
                            out.put(e.getKey(), v);
                        }
                        return out;
                    }
                } finally {
                    feed.values().forEach(ai.onnxruntime.OnnxTensor::close);
                }
            }
        } catch (OrtException e) {
            why.append(e.getMessage());
            return null;
        }
    }

    /** Runs this library; null when it refuses (the message goes to {@code why}). */
    static Map<String, float[]> ours(Spec s, byte[] bytes, StringBuilder why) {
        try {
            OnnxSession session = new OnnxSession(OnnxModel.read(bytes, "oracle model"));
            int[] xs = s.layout == 0 ? new int[] {s.steps, s.batch, s.in} : new int[] {s.batch, s.steps, s.in};
            int[] st = s.layout == 0 ? new int[] {s.dirs, s.batch, s.hidden} : new int[] {s.batch, s.dirs, s.hidden};
            Map<String, OnnxValue> feed = new HashMap<>();
            feed.put("X", OnnxValue.of("X", s.x, xs));
            if (s.lens != null) {
                long[] l = new long[s.batch];
                for (int b = 0; b < s.batch; b++) {
                    l[b] = s.lens[b];
                }
                feed.put("sequence_lens", OnnxValue.ofLongs("sequence_lens", l, s.batch));
            }
            if (s.h0 != null) {
                feed.put("initial_h", OnnxValue.of("initial_h", s.h0, st));
            }
            if (s.c0 != null) {
                feed.put("initial_c", OnnxValue.of("initial_c", s.c0, st));
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : session.run(feed).entrySet()) {
                out.put(e.getKey(), e.getValue().floats());
            }
            return out;
        } catch (ModelFormatException | IllegalArgumentException e) {
            why.append(e.getMessage());
            return null;
        }
    }

    /** {@code [a, b, c]} to {@code [b, a, c]}. */
    static float[] swap01(float[] v, int a, int b, int c) {
        if (v == null) {
            return null;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                System.arraycopy(v, (i * b + j) * c, out, (j * a + i) * c, c);
            }
        }
        return out;
    }

    /** The same node with {@code layout = 0}, fed the transposed tensors. */
    static Spec timeMajorTwin(Spec s) {
        Map<String, OnnxModel.Attribute> attrs = new LinkedHashMap<>(s.attrs);
        attrs.remove("layout");
        return new Spec(s.op, s.gates, s.direction, s.dirs, s.in, s.hidden, s.batch, s.steps, 0, attrs, s.initializers,
                swap01(s.x, s.batch, s.steps, s.in), s.lens, swap01(s.h0, s.batch, s.dirs, s.hidden), swap01(s.c0, s.batch, s.dirs, s.hidden),
                s.describe);
    }

    /** onnxruntime's outputs for {@code s}; for {@code layout = 1}, its time-major twin's outputs put back batch-major. */
    static Map<String, float[]> oracle(Spec s, byte[] bytes, StringBuilder why) {
        if (s.layout == 0) {
            return ort(s, bytes, why);
        }
        Spec twin = timeMajorTwin(s);
        Map<String, float[]> t = ort(twin, model(twin).toBytes(), why);
        if (t == null) {
            return null;
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : t.entrySet()) {
            out.put(e.getKey(), e.getKey().equals("Y") ? yBatchMajor(e.getValue(), s) : swap01(e.getValue(), s.dirs, s.batch, s.hidden));
        }
        return out;
    }

    /** {@code Y [T, dirs, B, h]} to {@code [B, T, dirs, h]}. */
    static float[] yBatchMajor(float[] y, Spec s) {
        float[] out = new float[y.length];
        for (int t = 0; t < s.steps; t++) {
            for (int d = 0; d < s.dirs; d++) {
                for (int b = 0; b < s.batch; b++) {
                    System.arraycopy(y, ((t * s.dirs + d) * s.batch + b) * s.hidden, out, ((b * s.steps + t) * s.dirs + d) * s.hidden, s.hidden);
                }
            }
        }
        return out;
    }

    static void compare(long seed) {
        Spec s = spec(seed);
        byte[] bytes = model(s).toBytes();
        StringBuilder ortWhy = new StringBuilder();
        StringBuilder ourWhy = new StringBuilder();
        Map<String, float[]> want = oracle(s, bytes, ortWhy);
        Map<String, float[]> got = ours(s, bytes, ourWhy);
        if (want == null && got == null) {
            agreedRefusals++;
            return;
        }
        if (want == null) {
            fail("seed " + seed + ", " + s.describe + ": onnxruntime refuses (" + ortWhy + ") but this library runs it");
        }
        if (got == null) {
            fail("seed " + seed + ", " + s.describe + ": onnxruntime runs it but this library refuses: " + ourWhy);
        }
        assertEquals(want.keySet(), got.keySet(), s.describe);
        for (float[] w : want.values()) {
            for (float v : w) {
                if (!Float.isFinite(v)) {
                    // onnxruntime overflowed (unbounded functions such as Softplus or Affine as the cell activation let
                    // c grow past what its exp-based kernels survive): no oracle for this model.
                    overflowed++;
                    return;
                }
            }
        }
        for (String name : want.keySet()) {
            float[] w = want.get(name);
            float[] g = got.get(name);
            assertEquals(w.length, g.length, "seed " + seed + ", " + s.describe + ": " + name + " length");
            for (int i = 0; i < w.length; i++) {
                boolean same = Float.compare(w[i], g[i]) == 0 || Math.abs(w[i] - g[i]) <= 1e-5 + 1e-5 * Math.abs(w[i]);
                if (!same) {
                    fail("seed " + seed + ", " + s.describe + ": " + name + "[" + i + "] onnxruntime " + w[i] + ", ours " + g[i]);
                }
            }
        }
        agreedRuns++;
    }

    @Property(tries = 600, seed = "20261201")
    void recurrentNodesMatchOnnxruntime(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long seed) {
        compare(seed);
    }

    /** The cases SEMANTICS.md 8 names, every time (not left to chance). */
    @Test
    void alphaIsConsumedByTheFunctionsThatTakeIt() {
        for (long seed = 0; seed < 64; seed++) {
            compare(seed);
        }
        SplittableRandom r = new SplittableRandom(1);
        int hidden = 5;
        // LSTM, both directions: only the reverse direction's g takes alpha, so it gets the first value.
        Map<String, OnnxModel.Attribute> attrs = new LinkedHashMap<>();
        attrs.put("hidden_size", OnnxModel.Attribute.of("hidden_size", hidden));
        attrs.put("direction", OnnxModel.Attribute.of("direction", "bidirectional"));
        attrs.put("activations", OnnxModel.Attribute.ofStrings("activations", List.of("Sigmoid", "Tanh", "Tanh", "Sigmoid", "LeakyRelu", "Tanh")));
        attrs.put("activation_alpha", OnnxModel.Attribute.ofFloats("activation_alpha", new float[] {0.3f}));
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        init.put("W", OnnxValue.of("W", random(r, 2 * 4 * hidden * 3, 0.7), 2, 4 * hidden, 3));
        init.put("R", OnnxValue.of("R", random(r, 2 * 4 * hidden * hidden, 0.7), 2, 4 * hidden, hidden));
        Spec s = new Spec("LSTM", 4, "bidirectional", 2, 3, hidden, 2, 4, 0, attrs, init, random(r, 4 * 2 * 3, 3), null, null, null,
                "LSTM [.., LeakyRelu, ..] alpha=[0.3]");
        byte[] bytes = model(s).toBytes();
        Map<String, float[]> want = ort(s, bytes, new StringBuilder());
        Map<String, float[]> got = ours(s, bytes, new StringBuilder());
        assertTrue(want != null && got != null);
        for (String y : want.keySet()) {
            for (int i = 0; i < want.get(y).length; i++) {
                assertEquals(want.get(y)[i], got.get(y)[i], 1e-5 + 1e-5 * Math.abs(want.get(y)[i]), y + "[" + i + "]");
            }
        }
        // RNN [Tanh, LeakyRelu] with alpha [0.3]: the reverse direction is the cell with LeakyRelu(0.3).
        Map<String, OnnxModel.Attribute> rnn = new LinkedHashMap<>();
        rnn.put("hidden_size", OnnxModel.Attribute.of("hidden_size", hidden));
        rnn.put("direction", OnnxModel.Attribute.of("direction", "bidirectional"));
        rnn.put("activations", OnnxModel.Attribute.ofStrings("activations", List.of("Tanh", "LeakyRelu")));
        rnn.put("activation_alpha", OnnxModel.Attribute.ofFloats("activation_alpha", new float[] {0.3f}));
        float[] w = random(r, 2 * hidden * 3, 0.7);
        float[] rr = random(r, 2 * hidden * hidden, 0.7);
        Map<String, OnnxValue> ri = new LinkedHashMap<>();
        ri.put("W", OnnxValue.of("W", w, 2, hidden, 3));
        ri.put("R", OnnxValue.of("R", rr, 2, hidden, hidden));
        float[] x = random(r, 4 * 2 * 3, 3);
        Spec rs = new Spec("RNN", 1, "bidirectional", 2, 3, hidden, 2, 4, 0, rnn, ri, x, null, null, null, "RNN [Tanh, LeakyRelu] alpha=[0.3]");
        float[] y = ours(rs, model(rs).toBytes(), new StringBuilder()).get("Y");
        io.github.panamarnn.cells.SimpleRnnCell back = io.github.panamarnn.cells.SimpleRnnCell.onnx(3, hidden,
                java.util.Arrays.copyOfRange(w, hidden * 3, 2 * hidden * 3), java.util.Arrays.copyOfRange(rr, hidden * hidden, 2 * hidden * hidden),
                null, io.github.panamarnn.kernels.Activation.leakyRelu(0.3f));
        float[] seq = new float[4 * 2 * hidden];
        new io.github.panamarnn.unroll.SequenceRunner(back, 2, 4).run(x, 4, true, null, null,
                io.github.panamarnn.unroll.SequenceRunner.Order.REVERSE_WITHIN_LENGTH, io.github.panamarnn.unroll.SequenceRunner.Padding.ZERO, seq);
        boolean negative = false;
        for (int t = 0; t < 4; t++) {
            for (int b = 0; b < 2; b++) {
                for (int j = 0; j < hidden; j++) {
                    float v = y[((t * 2 + 1) * 2 + b) * hidden + j];
                    assertEquals(seq[(t * 2 + b) * hidden + j], v, "reverse Y t=" + t + " b=" + b + " j=" + j);
                    negative |= v < -0.05f;
                }
            }
        }
        assertTrue(negative, "the reverse direction's LeakyRelu saw negative inputs, so its slope mattered");
    }
}
