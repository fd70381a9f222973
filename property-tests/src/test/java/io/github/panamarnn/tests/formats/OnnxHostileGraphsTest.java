package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxSession;
import io.github.panamarnn.formats.onnx.OnnxValue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tiny ONNX graphs that ask for huge work or carry attributes of the wrong type: refused, at load
 * where the graph says it, at the node otherwise, within the time of a normal run and the memory of
 * a small heap; never an OutOfMemoryError, a hang or a raw exception.
 */
class OnnxHostileGraphsTest {
    private static OnnxModel.ValueInfo floats(String name, int... dims) {
        return new OnnxModel.ValueInfo(name, OnnxModel.FLOAT, dims, List.of());
    }

    private static OnnxModel model(List<OnnxModel.Node> nodes, Map<String, OnnxValue> init, List<OnnxModel.ValueInfo> in,
                                   List<OnnxModel.ValueInfo> out) throws ModelFormatException {
        // Through the wire format, as a file would come.
        return OnnxModel.read(new OnnxModel("hostile", 8, 17, "", nodes, init, in, out).toBytes(), "hostile.onnx");
    }

    @Test
    void aConstantShapeBeyondTheBudgetIsRefusedAtLoad() throws ModelFormatException {
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        init.put("shape", OnnxValue.ofLongs("shape", new long[] {40000, 40000}, 2));
        OnnxModel m = model(List.of(new OnnxModel.Node("bomb", "ConstantOfShape", "", List.of("shape"), List.of("y"), Map.of())), init,
                List.of(), List.of(floats("y")));
        ModelFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(ModelFormatException.class, () -> new OnnxSession(m)));
        assertTrue(e.getMessage().contains("'bomb'") && e.getMessage().contains("budget"), e.getMessage());
    }

    @Test
    void argumentsCheckableWithoutShapesAreRefusedAtLoad() throws ModelFormatException {
        Map<String, OnnxModel.Attribute> badPerm = Map.of("perm", OnnxModel.Attribute.ofInts("perm", new long[] {0, 0, 2}));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> new OnnxSession(model(List.of(
                new OnnxModel.Node("t", "Transpose", "", List.of("x"), List.of("y"), badPerm)), Map.of(), List.of(floats("x", 2, 3, 4)),
                List.of(floats("y")))));
        assertTrue(e.getMessage().contains("'t'") && e.getMessage().contains("not a permutation"), e.getMessage());
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        init.put("axes", OnnxValue.ofLongs("axes", new long[] {1, 1}, 2));
        e = assertThrows(ModelFormatException.class, () -> new OnnxSession(model(List.of(
                new OnnxModel.Node("u", "Unsqueeze", "", List.of("x", "axes"), List.of("y"), Map.of())), init, List.of(floats("x", 2, 3)),
                List.of(floats("y")))));
        assertTrue(e.getMessage().contains("'u'") && e.getMessage().contains("repeat"), e.getMessage());
        Map<String, OnnxValue> shape = new LinkedHashMap<>();
        shape.put("s", OnnxValue.ofLongs("s", new long[] {-1, -1}, 2));
        e = assertThrows(ModelFormatException.class, () -> new OnnxSession(model(List.of(
                new OnnxModel.Node("r", "Reshape", "", List.of("x", "s"), List.of("y"), Map.of())), shape, List.of(floats("x", 2, 3)),
                List.of(floats("y")))));
        assertTrue(e.getMessage().contains("'r'") && e.getMessage().contains("more than one"), e.getMessage());
    }

    @Test
    void productsBeyondTheBudgetAreRefusedAtTheNode() throws ModelFormatException {
        // An outer product of [2^14, 1] by [1, 2^13]: tiny inputs, 2^27 output values.
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        init.put("b", OnnxValue.of("b", new float[1 << 13], 1, 1 << 13));
        OnnxModel outer = model(List.of(new OnnxModel.Node("outer", "MatMul", "", List.of("a", "b"), List.of("y"), Map.of())), init,
                List.of(floats("a", -1, 1)), List.of(floats("y")));
        OnnxSession s = new OnnxSession(outer);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.run(Map.of("a", OnnxValue.of("a", new float[1 << 14], 1 << 14, 1))));
        assertTrue(e.getMessage().contains("'outer'") && e.getMessage().contains("budget"), e.getMessage());
        // [4096, 4096] by [4096, 2048]: 2^35 multiply-adds, refused before any of them.
        init.clear();
        init.put("b", OnnxValue.of("b", new float[4096 * 2048], 4096, 2048));
        OnnxModel deep = model(List.of(new OnnxModel.Node("deep", "MatMul", "", List.of("a", "b"), List.of("y"), Map.of())), init,
                List.of(floats("a", -1, 4096)), List.of(floats("y")));
        OnnxSession d = new OnnxSession(deep);
        float[] a = new float[4096 * 4096];
        IllegalArgumentException w = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(IllegalArgumentException.class,
                () -> d.run(Map.of("a", OnnxValue.of("a", a, 4096, 4096)))));
        assertTrue(w.getMessage().contains("'deep'") && w.getMessage().contains("multiply-adds"), w.getMessage());
    }

    @Test
    void attributesOfTheWrongTypeAreRefusedAtLoad() throws ModelFormatException {
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        init.put("W", OnnxValue.of("W", new float[12], 1, 4, 3));
        init.put("R", OnnxValue.of("R", new float[16], 1, 4, 4));
        Map<String, OnnxModel.Attribute> attrs = Map.of("hidden_size", OnnxModel.Attribute.of("hidden_size", 4L),
                "direction", OnnxModel.Attribute.of("direction", 1L));
        OnnxModel m = model(List.of(new OnnxModel.Node("rnn", "RNN", "", List.of("X", "W", "R"), List.of("Y"), attrs)), init,
                List.of(floats("X", 2, 1, 3)), List.of(floats("Y")));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> new OnnxSession(m));
        assertTrue(e.getMessage().contains("'direction'") && e.getMessage().contains("STRING"), e.getMessage());
    }
}
