package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxSession;
import io.github.panamarnn.formats.onnx.OnnxValue;
import io.github.panamarnn.formats.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The ONNX files torch.onnx exported from the trained PyTorch models (../shared/models/onnx), run
 * whole graph by graph (Shape/Gather/Unsqueeze/Concat/ConstantOfShape/Slice/Transpose/LSTM/GRU/
 * Squeeze/Gemm) against onnxruntime's outputs, before and after a write/read round trip.
 */
class OnnxModelsTest {
    static final Path MODELS = TorchModelsTest.MODELS;

    @TestFactory
    Stream<DynamicTest> onnxModelsMatchOnnxRuntime() {
        return Stream.of("lstm2x64", "gru64").map(m -> DynamicTest.dynamicTest(m, () -> check(m)));
    }

    private static void check(String name) throws IOException {
        OnnxModel model = OnnxModel.read(MODELS.resolve("onnx").resolve(name + ".onnx"));
        assertEquals(17, model.opset());
        Tensor w = NumPy.readNpy(MODELS.resolve("data/test_windows.npy"));
        float[] expected = NumPy.readNpy(MODELS.resolve("onnx").resolve(name + ".expected.npy")).data();
        for (OnnxModel m : List.of(model, OnnxModel.read(model.toBytes(), "round trip of " + name))) {
            Map<String, OnnxValue> out = new OnnxSession(m).run(Map.of("telemetry", OnnxValue.of("telemetry", w.data(), w.shape())));
            OnnxValue y = out.get("prediction");
            assertArrayEquals(new int[] {8, 1}, y.shape());
            for (int i = 0; i < expected.length; i++) {
                KerasModelsTest.close(expected[i], y.floats()[i], name + ".onnx window " + i);
            }
        }
        // Batch and time are dynamic: 3 rows of 20 steps match the first 20 steps of windows 0..2 run alone.
        float[] x = new float[3 * 20 * 4];
        for (int b = 0; b < 3; b++) {
            System.arraycopy(w.data(), b * 50 * 4, x, b * 20 * 4, 20 * 4);
        }
        OnnxSession s = new OnnxSession(model);
        float[] all = s.run(Map.of("telemetry", OnnxValue.of("telemetry", x, 3, 20, 4))).get("prediction").floats();
        for (int b = 0; b < 3; b++) {
            float[] one = s.run(Map.of("telemetry", OnnxValue.of("telemetry", java.util.Arrays.copyOfRange(x, b * 80, b * 80 + 80), 1, 20, 4)))
                    .get("prediction").floats();
            assertEquals(one[0], all[b], 1e-6, name + " row " + b + " alone vs in a batch");
        }
    }

    @Test
    void unsupportedNodesAndBadInputsAreNamed() throws IOException {
        OnnxModel model = OnnxModel.read(MODELS.resolve("onnx/gru64.onnx"));
        List<OnnxModel.Node> nodes = new ArrayList<>(model.nodes());
        OnnxModel.Node last = nodes.get(nodes.size() - 1);
        nodes.set(nodes.size() - 1, new OnnxModel.Node("head_conv", "Conv", "", last.inputs(), last.outputs(), Map.of()));
        OnnxModel bad = new OnnxModel("edited", model.irVersion(), model.opset(), model.producer(), nodes, model.initializers(), model.inputs(),
                model.outputs());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> new OnnxSession(bad));
        assertTrue(e.getMessage().contains("head_conv") && e.getMessage().contains("'Conv'"), e.getMessage());
        OnnxSession s = new OnnxSession(model);
        IllegalArgumentException ie = assertThrows(IllegalArgumentException.class,
                () -> s.run(Map.of("telemetry", OnnxValue.of("telemetry", new float[2 * 5 * 3], 2, 5, 3))));
        assertTrue(ie.getMessage().contains("telemetry") && ie.getMessage().contains("= 4"), ie.getMessage());
    }
}
