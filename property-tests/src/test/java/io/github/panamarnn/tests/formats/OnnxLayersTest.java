package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxSession;
import io.github.panamarnn.formats.onnx.OnnxValue;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.tests.AllocationMeter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * ONNX graphs compiled to layers ({@code ModelFiles.load(x.onnx)}, {@code OnnxSession.toLayers()}): the exported
 * models of ../shared/models against onnxruntime's outputs, as whole windows and tick by tick, with 0 bytes per call;
 * random graphs in the shapes exporters write (batch-first transposes, a zero initial state built from the input's
 * shape, one or two stacked LSTM/GRU/RNN nodes of random attributes and directions (a bidirectional node's output moved
 * and reshaped to [.., 2h] as torch.onnx writes it), the last step by Gather or Slice or Y_h, a Gemm or
 * MatMul + Add head with an activation, or the whole sequence) against the interpreter at several batch and time
 * sizes and streamed; and the graphs that must stay in the interpreter refused by name.
 */
class OnnxLayersTest {

    @Test
    void exportedModelsRunAsLayersAndStream() throws Exception {
        Tensor w = NumPy.readNpy(TorchModelsTest.MODELS.resolve("data/test_windows.npy"));
        int batch = w.shape()[0];
        int steps = w.shape()[1];
        for (String name : List.of("lstm2x64", "gru64")) {
            Model m = ModelFiles.load(TorchModelsTest.MODELS.resolve("onnx/" + name + ".onnx"));
            assertTrue(m.streamable(), name);
            float[] expected = NumPy.readNpy(TorchModelsTest.MODELS.resolve("onnx/" + name + ".expected.npy")).data();
            float[] y = new float[batch];
            Model.Session s = m.newSession(batch, steps);
            s.run(w.data(), steps, y);
            Model.Stream stream = m.newStream();
            float[] one = new float[1];
            for (int b = 0; b < batch; b++) {
                assertTrue(Math.abs(y[b] - expected[b]) <= 1e-5 + 1e-5 * Math.abs(expected[b]), name + " window " + b + ": " + y[b] + " vs " + expected[b]);
                stream.reset();
                for (int t = 0; t < steps; t++) {
                    stream.step(w.data(), (b * steps + t) * 4, one, 0);
                }
                assertTrue(Math.abs(one[0] - expected[b]) <= 1e-5 + 1e-5 * Math.abs(expected[b]), name + " streamed window " + b);
            }
            float[] x = w.data();
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> s.run(x, steps, y)), name + " Session.run allocated");
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> stream.step(x, 0, one, 0)), name + " Stream.step allocated");
        }
    }

    /** A random exporter-style graph, or null when the draw asks for nothing compilable. */
    record Graph(OnnxModel model, int features) {
    }

    static Graph randomGraph(SplittableRandom r) {
        int f = 1 + r.nextInt(6);
        List<OnnxModel.Node> nodes = new ArrayList<>();
        Map<String, OnnxValue> init = new HashMap<>();
        int[] id = {0};
        String x = "x";
        int width = f;
        boolean timeMajor = false;
        int layers = 1 + r.nextInt(2);
        String op = switch (r.nextInt(3)) {
            case 0 -> "LSTM";
            case 1 -> "GRU";
            default -> "RNN";
        };
        int g = op.equals("LSTM") ? 4 : op.equals("GRU") ? 3 : 1;
        String lastYh = null;
        int lastDirs = 1;
        int lastHidden = 0;
        for (int l = 0; l < layers; l++) {
            int h = 1 + r.nextInt(20);
            String direction = switch (r.nextInt(4)) {
                case 0 -> "reverse";
                case 1 -> "bidirectional";
                default -> "forward";
            };
            int dirs = direction.equals("bidirectional") ? 2 : 1;
            int layout = r.nextInt(2);
            if (layout == 0 && !timeMajor) {
                x = node(nodes, id, "Transpose", List.of(x), Map.of("perm", OnnxModel.Attribute.ofInts("perm", new long[] {1, 0, 2})));
                timeMajor = true;
            } else if (layout == 1 && timeMajor) {
                x = node(nodes, id, "Transpose", List.of(x), Map.of("perm", OnnxModel.Attribute.ofInts("perm", new long[] {1, 0, 2})));
                timeMajor = false;
            }
            String wName = "W" + l;
            String rName = "R" + l;
            String bName = "B" + l;
            init.put(wName, OnnxValue.of(wName, FormatsTestData.random(r, dirs * g * h * width, 0.6), dirs, g * h, width));
            init.put(rName, OnnxValue.of(rName, FormatsTestData.random(r, dirs * g * h * h, 0.6), dirs, g * h, h));
            List<String> ins = new ArrayList<>(List.of(x, wName, rName));
            if (r.nextBoolean()) {
                init.put(bName, OnnxValue.of(bName, FormatsTestData.random(r, dirs * 2 * g * h, 0.5), dirs, 2 * g * h));
                ins.add(bName);
            } else {
                ins.add("");
            }
            ins.add(""); // sequence_lens
            if (r.nextBoolean()) {
                // A zero initial state shaped from the input, as torch.onnx writes it.
                String shape = node(nodes, id, "Shape", List.of(x), Map.of());
                String idx = constLong(nodes, id, new long[] {layout == 0 ? 1 : 0}, false);
                String b = node(nodes, id, "Gather", List.of(shape, idx), Map.of("axis", OnnxModel.Attribute.of("axis", 0L)));
                String axes = constLong(nodes, id, new long[] {0}, true);
                String b1 = node(nodes, id, "Unsqueeze", List.of(b, axes), Map.of());
                String one = constLong(nodes, id, new long[] {dirs}, true);
                String hh = constLong(nodes, id, new long[] {h}, true);
                String dims = node(nodes, id, "Concat", layout == 0 ? List.of(one, b1, hh) : List.of(b1, one, hh),
                        Map.of("axis", OnnxModel.Attribute.of("axis", 0L)));
                String zeros = node(nodes, id, "ConstantOfShape", List.of(dims), Map.of());
                ins.add(zeros);
                if (g == 4) {
                    ins.add(zeros);
                }
            }
            Map<String, OnnxModel.Attribute> attrs = new HashMap<>();
            attrs.put("hidden_size", OnnxModel.Attribute.of("hidden_size", (long) h));
            attrs.put("layout", OnnxModel.Attribute.of("layout", (long) layout));
            if (!direction.equals("forward") || r.nextBoolean()) {
                attrs.put("direction", OnnxModel.Attribute.of("direction", direction));
            }
            if (g == 3 && r.nextBoolean()) {
                attrs.put("linear_before_reset", OnnxModel.Attribute.of("linear_before_reset", 1L));
            }
            if (r.nextInt(4) == 0) {
                attrs.put("clip", OnnxModel.Attribute.of("clip", 0.5f + (float) r.nextDouble(3)));
            }
            if (g == 1 && r.nextBoolean()) {
                attrs.put("activations", OnnxModel.Attribute.ofStrings("activations", dirs == 1 ? List.of("Relu") : List.of("Relu", "Relu")));
            }
            String y = "y" + id[0]++;
            String yh = "yh" + id[0]++;
            nodes.add(new OnnxModel.Node("rnn" + l, op, "", ins, List.of(y, yh), attrs));
            if (dirs == 1) {
                // Y [T,1,B,H] (layout 0) or [B,T,1,H] (layout 1): squeeze the direction axis to continue.
                String axes = constLong(nodes, id, new long[] {layout == 0 ? 1 : 2}, true);
                x = node(nodes, id, "Squeeze", List.of(y, axes), Map.of());
            } else {
                // Y [T,2,B,H] (layout 0): the directions next to the features, as torch.onnx writes it; then [.., 2H].
                String yt = layout == 0 ? node(nodes, id, "Transpose", List.of(y), Map.of("perm", OnnxModel.Attribute.ofInts("perm",
                        new long[] {0, 2, 1, 3}))) : y;
                String shape = constLong(nodes, id, r.nextBoolean() ? new long[] {0, 0, -1} : new long[] {0, 0, 2L * h}, true);
                x = node(nodes, id, "Reshape", List.of(yt, shape), Map.of());
            }
            width = dirs * h;
            lastDirs = dirs;
            lastHidden = h;
            lastYh = yh;
            timeMajor = layout == 0;
        }
        String out;
        switch (r.nextInt(4)) {
            case 0 -> { // the whole sequence, batch-major
                out = timeMajor ? node(nodes, id, "Transpose", List.of(x), Map.of("perm", OnnxModel.Attribute.ofInts("perm", new long[] {1, 0, 2}))) : x;
            }
            case 1 -> { // the last step by Gather, then a Gemm head
                String idx = constLong(nodes, id, new long[] {-1}, false);
                String last = node(nodes, id, "Gather", List.of(x, idx), Map.of("axis", OnnxModel.Attribute.of("axis", timeMajor ? 0L : 1L)));
                int o = 1 + r.nextInt(3);
                init.put("hw", OnnxValue.of("hw", FormatsTestData.random(r, o * width, 1), o, width));
                init.put("hb", OnnxValue.of("hb", FormatsTestData.random(r, o, 1), o));
                out = node(nodes, id, "Gemm", List.of(last, "hw", "hb"), Map.of("transB", OnnxModel.Attribute.of("transB", 1L),
                        "alpha", OnnxModel.Attribute.of("alpha", 0.5f + (float) r.nextDouble()), "beta", OnnxModel.Attribute.of("beta", 1.5f)));
                if (r.nextBoolean()) {
                    out = node(nodes, id, r.nextBoolean() ? "Tanh" : "Sigmoid", List.of(out), Map.of());
                }
            }
            case 2 -> { // the last step by Slice (keeps a size-1 time axis), squeezed, then MatMul + Add + Relu
                String st = constLong(nodes, id, new long[] {-1}, true);
                String en = constLong(nodes, id, new long[] {Long.MAX_VALUE}, true);
                String ax = constLong(nodes, id, new long[] {timeMajor ? 0 : 1}, true);
                String sl = node(nodes, id, "Slice", List.of(x, st, en, ax), Map.of());
                String sq = node(nodes, id, "Squeeze", List.of(sl, ax), Map.of());
                int o = 1 + r.nextInt(3);
                init.put("mw", OnnxValue.of("mw", FormatsTestData.random(r, width * o, 1), width, o));
                init.put("mb", OnnxValue.of("mb", FormatsTestData.random(r, o, 1), o));
                String mm = node(nodes, id, "MatMul", List.of(sq, "mw"), Map.of());
                out = node(nodes, id, "Relu", List.of(node(nodes, id, "Add", List.of(mm, "mb"), Map.of())), Map.of());
            }
            default -> { // Y_h of the last node, [dirs, B, H] or [B, dirs, H]
                if (lastDirs == 1) {
                    String axes = constLong(nodes, id, new long[] {timeMajor ? 0 : 1}, true);
                    out = node(nodes, id, "Squeeze", List.of(lastYh, axes), Map.of());
                } else {
                    String bh = timeMajor ? node(nodes, id, "Transpose", List.of(lastYh), Map.of("perm", OnnxModel.Attribute.ofInts("perm",
                            new long[] {1, 0, 2}))) : lastYh;
                    out = node(nodes, id, "Reshape", List.of(bh, constLong(nodes, id, new long[] {-1, 2L * lastHidden}, true)), Map.of());
                }
            }
        }
        OnnxModel m = new OnnxModel("random graph", 8, 17, "test", nodes, init,
                List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new int[] {-1, -1, f}, List.of("batch", "time", String.valueOf(f)))),
                List.of(new OnnxModel.ValueInfo(out, OnnxModel.FLOAT, new int[] {-1, -1}, List.of("batch", "out"))));
        return new Graph(m, f);
    }

    private static String node(List<OnnxModel.Node> nodes, int[] id, String op, List<String> ins, Map<String, OnnxModel.Attribute> attrs) {
        String out = op.toLowerCase() + "_" + id[0]++;
        nodes.add(new OnnxModel.Node("n" + id[0] + "_" + op, op, "", ins, List.of(out), attrs));
        return out;
    }

    private static String constLong(List<OnnxModel.Node> nodes, int[] id, long[] v, boolean vector) {
        OnnxValue t = vector ? OnnxValue.ofLongs(null, v, v.length) : OnnxValue.ofLongs(null, v);
        return node(nodes, id, "Constant", List.of(), Map.of("value", OnnxModel.Attribute.of("value", t)));
    }

    @Property(tries = 40)
    void exporterStyleGraphsCompileAndAgreeWithTheInterpreter(@ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Graph g = randomGraph(r);
        OnnxModel m = OnnxModel.read(g.model().toBytes(), "random graph");
        OnnxSession session = new OnnxSession(m);
        Model layers = session.toLayers();
        String in = m.inputs().get(0).name();
        String outName = m.outputs().get(0).name();
        for (int trial = 0; trial < 3; trial++) {
            int batch = 1 + r.nextInt(4);
            int steps = 1 + r.nextInt(7);
            float[] x = FormatsTestData.random(r, batch * steps * g.features(), 1.5);
            Map<String, OnnxValue> feed = Map.of(in, OnnxValue.of(in, x, batch, steps, g.features()));
            float[] theirs = session.run(feed).get(outName).floats();
            // The interpreter's kept buffers (planned by the previous trial's shapes, or new) give the same bits.
            org.junit.jupiter.api.Assertions.assertArrayEquals(theirs, session.runShared(feed).get(outName).floats(), "runShared vs run");
            float[] ours = new float[layers.outputLength(batch, steps)];
            layers.newSession(batch, steps).run(x, steps, ours);
            assertEquals(theirs.length, ours.length);
            for (int i = 0; i < ours.length; i++) {
                assertTrue(Math.abs(ours[i] - theirs[i]) <= 1e-5 + 1e-5 * Math.abs(theirs[i]), "value " + i + ": " + ours[i] + " vs " + theirs[i]);
            }
            if (!layers.streamable()) {
                assertTrue(m.nodes().stream().anyMatch(n -> n.attributes().containsKey("direction")
                        && !n.attributes().get("direction").s().equals("forward")), "only reverse or bidirectional nodes stop a stream");
                assertThrows(IllegalStateException.class, layers::newStream);
                continue;
            }
            // Streamed, row by row: the output after each row's last step.
            int w = layers.outputSize();
            float[] y = new float[w];
            for (int b = 0; b < batch; b++) {
                Model.Stream s = layers.newStream();
                for (int t = 0; t < steps; t++) {
                    s.step(x, (b * steps + t) * g.features(), y, 0);
                }
                int at = layers.sequenceOutput() ? (b * steps + steps - 1) * w : b * w;
                for (int j = 0; j < w; j++) {
                    assertTrue(Math.abs(y[j] - theirs[at + j]) <= 1e-5 + 1e-5 * Math.abs(theirs[at + j]), "streamed row " + b);
                }
            }
        }
    }

    @Test
    void graphsThatDoNotCompileAreRefusedByNode() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        int f = 3;
        int h = 4;
        Map<String, OnnxValue> init = Map.of("W", OnnxValue.of("W", FormatsTestData.random(r, 2 * 3 * h * f, 1), 2, 3 * h, f),
                "R", OnnxValue.of("R", FormatsTestData.random(r, 2 * 3 * h * h, 1), 2, 3 * h, h));
        OnnxModel.Node bi = new OnnxModel.Node("bigru", "GRU", "", List.of("xt", "W", "R"), List.of("y", "yh"),
                Map.of("hidden_size", OnnxModel.Attribute.of("hidden_size", (long) h), "direction", OnnxModel.Attribute.of("direction", "bidirectional")));
        OnnxModel.Node t = new OnnxModel.Node("t", "Transpose", "", List.of("x"), List.of("xt"), Map.of("perm", OnnxModel.Attribute.ofInts("perm", new long[] {1, 0, 2})));
        OnnxModel m = new OnnxModel("bidirectional", 8, 17, "test", List.of(t, bi), init,
                List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new int[] {-1, -1, f}, List.of("b", "t", "3"))),
                List.of(new OnnxModel.ValueInfo("yh", OnnxModel.FLOAT, new int[] {2, -1, h}, List.of("2", "b", "4"))));
        OnnxSession s = new OnnxSession(OnnxModel.read(m.toBytes(), "bidirectional"));
        ModelFormatException e = assertThrows(ModelFormatException.class, s::toLayers);
        assertTrue(e.getMessage().contains("the graph output 'yh' has axes [directions, batch, features]"), e.getMessage());

        // Y [T, 2, B, H] reshaped straight to [T, 2, B*H]: mixes the batch into the features.
        OnnxModel.Node shape = new OnnxModel.Node("s", "Constant", "", List.of(), List.of("shape"),
                Map.of("value", OnnxModel.Attribute.of("value", OnnxValue.ofLongs(null, new long[] {0, 0, -1}, 3))));
        OnnxModel.Node reshape = new OnnxModel.Node("mix", "Reshape", "", List.of("y", "shape"), List.of("z"), Map.of());
        OnnxModel mixed = new OnnxModel("mixed", 8, 17, "test", List.of(t, bi, shape, reshape), init,
                List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new int[] {-1, -1, f}, List.of("b", "t", "3"))),
                List.of(new OnnxModel.ValueInfo("z", OnnxModel.FLOAT, new int[] {-1, 2, -1}, List.of("t", "2", "bh"))));
        e = assertThrows(ModelFormatException.class, new OnnxSession(OnnxModel.read(mixed.toBytes(), "mixed"))::toLayers);
        assertTrue(e.getMessage().contains("node 'mix' (Reshape): the target [0, 0, -1] does not hold the data's axes "
                + "[time, directions, batch, features]"), e.getMessage());

        // A target of a thousand axes is refused at once (no search over it).
        long[] ones = new long[1000];
        java.util.Arrays.fill(ones, 1);
        OnnxModel.Node longShape = new OnnxModel.Node("s", "Constant", "", List.of(), List.of("shape"),
                Map.of("value", OnnxModel.Attribute.of("value", OnnxValue.ofLongs(null, ones, ones.length))));
        OnnxModel wide = new OnnxModel("wide", 8, 17, "test", List.of(t, bi, longShape, reshape), init,
                List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new int[] {-1, -1, f}, List.of("b", "t", "3"))),
                List.of(new OnnxModel.ValueInfo("z", OnnxModel.FLOAT, new int[] {-1, 2, -1}, List.of("t", "2", "bh"))));
        e = assertThrows(ModelFormatException.class, new OnnxSession(OnnxModel.read(wide.toBytes(), "wide"))::toLayers);
        assertTrue(e.getMessage().contains("node 'mix' (Reshape): reshapes the data to 1000 axes"), e.getMessage());
    }
}
