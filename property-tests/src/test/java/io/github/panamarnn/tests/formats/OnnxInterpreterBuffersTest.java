package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxSession;
import io.github.panamarnn.formats.onnx.OnnxValue;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.tests.AllocationMeter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The ONNX interpreter (graphs that do not compile to layers) plans its buffers on the first run of an input shape and
 * keeps them: {@link OnnxSession#runShared} then allocates nothing, and its outputs are the same bits as a fresh
 * session's whatever shapes ran before. The graph here uses every op the interpreter has, with two graph inputs (the
 * sequence lengths among them), so it cannot compile to layers.
 */
class OnnxInterpreterBuffersTest {
    private static final int FEATURES = 3;
    private static final int HIDDEN = 5;

    private static OnnxModel.Node node(String op, List<String> in, List<String> out, Map<String, OnnxModel.Attribute> attrs) {
        return new OnnxModel.Node(op + "_" + out.get(0), op, "", in, out, attrs);
    }

    private static OnnxModel.Attribute ints(String name, long... v) {
        return OnnxModel.Attribute.ofInts(name, v);
    }

    /** Every op of {@link OnnxSession#SUPPORTED} but GRU and RNN (their runners are the LSTM's), wired as an exporter might. */
    static OnnxModel graph() throws ModelFormatException {
        return graph(true);
    }

    /**
     * The graph; without {@code lengths} it reads one input {@code [batch, time, 3]} and writes {@code y [batch, 2]} and
     * {@code flat [batch, 10]} (a model's two output parts), else also reads {@code lens} and writes outputs that are
     * not of the batch ({@code diff}, {@code Y_c}).
     */
    static OnnxModel graph(boolean lengths) throws ModelFormatException {
        SplittableRandom r = new SplittableRandom(17);
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        init.put("W", OnnxValue.of("W", FormatsTestData.random(r, 2 * 4 * HIDDEN * FEATURES, 0.5), 2, 4 * HIDDEN, FEATURES));
        init.put("R", OnnxValue.of("R", FormatsTestData.random(r, 2 * 4 * HIDDEN * HIDDEN, 0.5), 2, 4 * HIDDEN, HIDDEN));
        init.put("B", OnnxValue.of("B", FormatsTestData.random(r, 2 * 8 * HIDDEN, 0.5), 2, 8 * HIDDEN));
        init.put("Wd", OnnxValue.of("Wd", FormatsTestData.random(r, 2 * HIDDEN * 4, 0.5), 2 * HIDDEN, 4));
        init.put("Cd", OnnxValue.of("Cd", FormatsTestData.random(r, 4, 0.5), 4));
        init.put("M", OnnxValue.of("M", FormatsTestData.random(r, 4 * 3, 0.5), 4, 3));
        init.put("bias", OnnxValue.of("bias", FormatsTestData.random(r, 3, 0.5), 3));
        init.put("two", OnnxValue.of("two", new float[] {2f}));
        init.put("zero", OnnxValue.ofLongs("zero", new long[] {0}));
        init.put("last", OnnxValue.ofLongs("last", new long[] {-1}));
        init.put("minusOne", OnnxValue.ofLongs("minusOne", new long[] {-1}, 1));
        init.put("axis0", OnnxValue.ofLongs("axis0", new long[] {0}, 1));
        List<OnnxModel.Node> n = new ArrayList<>();
        n.add(node("Transpose", List.of("x"), List.of("xt"), Map.of("perm", ints("perm", 1, 0, 2))));
        n.add(node("LSTM", lengths ? List.of("xt", "W", "R", "B", "lens") : List.of("xt", "W", "R", "B"), List.of("Y", "Y_h", "Y_c"),
                Map.of("hidden_size", OnnxModel.Attribute.of("hidden_size", HIDDEN), "direction", OnnxModel.Attribute.of("direction", "bidirectional"))));
        n.add(node("Transpose", List.of("Y_h"), List.of("hb"), Map.of("perm", ints("perm", 1, 0, 2))));
        n.add(node("Shape", List.of("x"), List.of("shape"), Map.of()));
        n.add(node("Gather", List.of("shape", "zero"), List.of("batch"), Map.of()));
        n.add(node("Unsqueeze", List.of("batch", "axis0"), List.of("batch1"), Map.of()));
        n.add(node("Concat", List.of("batch1", "minusOne"), List.of("target"), Map.of("axis", OnnxModel.Attribute.of("axis", 0))));
        n.add(node("Reshape", List.of("hb", "target"), List.of("flat"), Map.of()));
        n.add(node("Gemm", List.of("flat", "Wd", "Cd"), List.of("dense"),
                Map.of("alpha", OnnxModel.Attribute.of("alpha", 0.5f), "beta", OnnxModel.Attribute.of("beta", 2f))));
        n.add(node("Sigmoid", List.of("dense"), List.of("sig"), Map.of()));
        n.add(node("MatMul", List.of("sig", "M"), List.of("mm"), Map.of()));
        n.add(node("Add", List.of("mm", "bias"), List.of("biased"), Map.of()));
        n.add(node("Tanh", List.of("biased"), List.of("th"), Map.of()));
        n.add(node("Constant", List.of(), List.of("half"), Map.of("value_float", OnnxModel.Attribute.of("value_float", 0.5f))));
        n.add(node("Sub", List.of("th", "half"), List.of("sub"), Map.of()));
        n.add(node("Mul", List.of("sub", "two"), List.of("mul"), Map.of()));
        n.add(node("Div", List.of("mul", "two"), List.of("div"), Map.of()));
        n.add(node("Relu", List.of("div"), List.of("relu"), Map.of()));
        n.add(node("Slice", List.of("relu"), List.of("sliced"),
                Map.of("starts", ints("starts", 1), "ends", ints("ends", 3), "axes", ints("axes", 1))));
        n.add(node("Shape", List.of("sliced"), List.of("slicedShape"), Map.of()));
        n.add(node("ConstantOfShape", List.of("slicedShape"), List.of("quarter"),
                Map.of("value", OnnxModel.Attribute.of("value", OnnxValue.of(null, new float[] {0.25f}, 1)))));
        n.add(node("Add", List.of("sliced", "quarter"), List.of("lifted"), Map.of()));
        n.add(node("Unsqueeze", List.of("lifted"), List.of("lifted3"), Map.of("axes", ints("axes", 1))));
        n.add(node("Squeeze", List.of("lifted3"), List.of("lifted2"), Map.of("axes", ints("axes", 1))));
        n.add(node("Cast", List.of("lifted2"), List.of("cast"), Map.of("to", OnnxModel.Attribute.of("to", OnnxModel.FLOAT))));
        n.add(node("Dropout", List.of("cast"), List.of("dropped"), Map.of()));
        n.add(node("Identity", List.of("dropped"), List.of("y"), Map.of()));
        n.add(node("Gather", List.of("Y", "last"), List.of("lastStep"), Map.of()));
        n.add(node("Sub", List.of("lastStep", "Y_h"), List.of("diff"), Map.of()));
        OnnxModel.ValueInfo x = new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new int[] {-1, -1, FEATURES}, List.of("batch", "time", "3"));
        OnnxModel.ValueInfo y = new OnnxModel.ValueInfo("y", OnnxModel.FLOAT, new int[] {-1, 2}, List.of("batch", "2"));
        OnnxModel m = lengths
                ? new OnnxModel("interpreter buffers", 8, 11, "test", n, init,
                        List.of(x, new OnnxModel.ValueInfo("lens", OnnxModel.INT64, new int[] {-1}, List.of("batch"))),
                        List.of(y, new OnnxModel.ValueInfo("diff", OnnxModel.FLOAT, new int[0], List.of()),
                                new OnnxModel.ValueInfo("Y_c", OnnxModel.FLOAT, new int[0], List.of())))
                : new OnnxModel("interpreter buffers", 8, 11, "test", n, init, List.of(x),
                        List.of(y, new OnnxModel.ValueInfo("flat", OnnxModel.FLOAT, new int[] {-1, 2 * HIDDEN}, List.of("batch", "10"))));
        return OnnxModel.read(m.toBytes(), "interpreter buffers");
    }

    private static Map<String, OnnxValue> feed(SplittableRandom r, int batch, int steps) {
        long[] lens = new long[batch];
        for (int b = 0; b < batch; b++) {
            lens[b] = 1 + r.nextInt(steps);
        }
        Map<String, OnnxValue> feed = new LinkedHashMap<>();
        feed.put("x", OnnxValue.of("x", FormatsTestData.random(r, batch * steps * FEATURES, 1.5), batch, steps, FEATURES));
        feed.put("lens", OnnxValue.ofLongs("lens", lens, batch));
        return feed;
    }

    @Test
    void theGraphNeedsTheInterpreter() throws ModelFormatException {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> new OnnxSession(graph()).toLayers());
        assertTrue(e.getMessage().contains("does not compile to layers"), e.getMessage());
    }

    @Test
    void sharedRunsEqualFreshSessionsWhateverRanBefore() throws ModelFormatException {
        OnnxModel m = graph();
        OnnxSession reused = new OnnxSession(m);
        SplittableRandom r = new SplittableRandom(5);
        int[][] shapes = {{2, 4}, {2, 4}, {3, 1}, {2, 4}, {1, 6}, {1, 6}, {3, 1}};
        for (int[] s : shapes) {
            Map<String, OnnxValue> feed = feed(r, s[0], s[1]);
            Map<String, OnnxValue> fresh = new OnnxSession(m).run(feed);
            Map<String, OnnxValue> shared = reused.runShared(feed);
            assertEquals(fresh.keySet(), shared.keySet());
            for (String name : fresh.keySet()) {
                assertArrayEquals(fresh.get(name).shape(), shared.get(name).shape(), name + " shape at " + s[0] + " x " + s[1]);
                assertArrayEquals(fresh.get(name).floats(), shared.get(name).floats(), name + " at batch " + s[0] + ", " + s[1] + " steps");
            }
            assertEquals(s[0], fresh.get("y").shape()[0]);
        }
    }

    @Test
    void runCopiesAndRunSharedReuses() throws ModelFormatException {
        OnnxSession s = new OnnxSession(graph());
        SplittableRandom r = new SplittableRandom(9);
        Map<String, OnnxValue> a = feed(r, 2, 3);
        Map<String, OnnxValue> b = feed(r, 2, 3);
        float[] kept = s.run(a).get("y").floats();
        float[] keptCopy = kept.clone();
        Map<String, OnnxValue> first = s.runShared(a);
        float[] firstY = first.get("y").floats();
        float[] firstValues = firstY.clone();
        Map<String, OnnxValue> second = s.runShared(b);
        assertSame(first, second, "the same read-only map every run");
        assertSame(firstY, second.get("y").floats(), "the same buffer for the same shape");
        assertArrayEquals(keptCopy, kept, "run's outputs are the caller's: a later run does not touch them");
        assertArrayEquals(firstValues, s.run(a).get("y").floats());
        assertNotSame(kept, s.run(a).get("y").floats());
        assertThrows(UnsupportedOperationException.class, () -> second.put("y", null));
    }

    @Test
    void aRepeatedRunOfTheSameShapesAllocatesNothing() throws ModelFormatException {
        OnnxSession s = new OnnxSession(graph());
        Map<String, OnnxValue> feed = feed(new SplittableRandom(3), 4, 6);
        float[] x = feed.get("x").floats();
        int[] i = {0};
        long bytes = AllocationMeter.bytesPerCallAfterWarmup(() -> {
            x[i[0]++ % x.length] += 1e-3f; // new values in the same input tensor
            s.runShared(feed);
        });
        assertEquals(0L, bytes, "bytes allocated by a run of repeated shapes");
    }

    @Test
    void aGraphOfOneInputIsAModelWithAGraphLayer(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        OnnxModel g = graph(false);
        Path file = dir.resolve("interpreted.onnx");
        Files.write(file, g.toBytes());
        Model m = ModelFiles.load(file);
        assertTrue(m.layers().get(0) instanceof Model.Graph, m.layers().toString());
        assertEquals(FEATURES, m.inputSize());
        assertEquals(2 + 2 * HIDDEN, m.outputSize());
        assertFalse(m.sequenceOutput());
        assertEquals(List.of(new Model.Output("y", 2), new Model.Output("flat", 2 * HIDDEN)), m.outputs());
        assertEquals(g.parameterCount(), m.parameterCount());
        assertFalse(m.streamable());
        IllegalStateException e = assertThrows(IllegalStateException.class, m::newStream);
        assertTrue(e.getMessage().contains("Session"), e.getMessage());
        // A session's rows are the interpreter's, the two outputs side by side.
        SplittableRandom r = new SplittableRandom(4);
        int batch = 3;
        int steps = 7;
        Model.Session session = m.newSession(batch, 9);
        float[] out = new float[m.outputLength(batch, steps)];
        OnnxSession interpreter = new OnnxSession(g);
        for (int trial = 0; trial < 3; trial++) {
            float[] x = FormatsTestData.random(r, batch * steps * FEATURES, 1.5);
            session.run(x, steps, out);
            Map<String, OnnxValue> want = interpreter.run(Map.of("x", OnnxValue.of("x", x, batch, steps, FEATURES)));
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < 2; j++) {
                    assertEquals(want.get("y").floats()[b * 2 + j], out[b * m.outputSize() + j], "y row " + b);
                }
                for (int j = 0; j < 2 * HIDDEN; j++) {
                    assertEquals(want.get("flat").floats()[b * 2 * HIDDEN + j], out[b * m.outputSize() + 2 + j], "flat row " + b);
                }
            }
        }
        float[] x = FormatsTestData.random(r, batch * steps * FEATURES, 1.5);
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> session.run(x, steps, out)), "Session.run of an interpreted graph");
        // Its fingerprint follows the graph, and fp32 is the only precision it runs in.
        assertEquals(m.fingerprint(), ModelFiles.load(file).fingerprint());
        assertNotEquals(m.fingerprint(), ModelFiles.load(writeOther(dir, g)).fingerprint());
        assertThrows(IllegalArgumentException.class, () -> m.using(io.github.panamarnn.kernels.KernelProvider.get()
                .withPrecision(io.github.panamarnn.kernels.Precision.BF16)));
    }

    /** {@code g} with one weight changed, written beside it. */
    private static Path writeOther(Path dir, OnnxModel g) throws Exception {
        Map<String, OnnxValue> init = new LinkedHashMap<>(g.initializers());
        float[] bias = init.get("bias").floats().clone();
        bias[0] += 1f;
        init.put("bias", OnnxValue.of("bias", bias, 3));
        Path file = dir.resolve("other.onnx");
        Files.write(file, new OnnxModel("other", g.irVersion(), g.opset(), g.producer(), g.nodes(), init, g.inputs(), g.outputs()).toBytes());
        return file;
    }

    @Test
    void aGraphWhoseFirstAxisIsTimeIsRefusedAsAModel() throws Exception {
        // A time-major LSTM (layout 0) fed [time, batch, 3] as if it were [batch, time, 3]: shapes pass, rows do not stand alone.
        SplittableRandom r = new SplittableRandom(8);
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        init.put("W", OnnxValue.of("W", FormatsTestData.random(r, 4 * HIDDEN * FEATURES, 0.5), 1, 4 * HIDDEN, FEATURES));
        init.put("R", OnnxValue.of("R", FormatsTestData.random(r, 4 * HIDDEN * HIDDEN, 0.5), 1, 4 * HIDDEN, HIDDEN));
        List<OnnxModel.Node> n = List.of(
                node("LSTM", List.of("x", "W", "R"), List.of("Y"), Map.of("hidden_size", OnnxModel.Attribute.of("hidden_size", HIDDEN))),
                node("Transpose", List.of("Y"), List.of("y"), Map.of("perm", ints("perm", 0, 2, 1, 3))));
        OnnxModel g = OnnxModel.read(new OnnxModel("time major", 8, 14, "test", n, init,
                List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new int[] {-1, -1, FEATURES}, List.of("seq", "batch", "3"))),
                List.of(new OnnxModel.ValueInfo("y", OnnxModel.FLOAT, new int[0], List.of()))).toBytes(), "time major");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> new OnnxSession(g).toModel());
        assertTrue(e.getMessage().contains("not a batch"), e.getMessage());
        // Two inputs: refused as a model, naming them; the session still runs it.
        e = assertThrows(ModelFormatException.class, () -> new OnnxSession(graph(true)).toModel());
        assertTrue(e.getMessage().contains("[x, lens]") && e.getMessage().contains("OnnxSession"), e.getMessage());
    }
}
