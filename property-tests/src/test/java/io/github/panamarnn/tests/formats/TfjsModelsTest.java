package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.panamarnn.formats.keras.KerasModels;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.kernels.KernelProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Keras-config models computed by TensorFlow.js 4.22 (cpu backend, float32), written by
 * {@code property-tests/tools/tfjs/generate.mjs}: {@code RNN(cell)} for every cell and
 * {@code StackedRNNCells}, {@code Embedding} (with and without {@code mask_zero}),
 * {@code Bidirectional} with {@code merge_mode=None}, {@code return_state} in a functional chain and
 * the activations TF.js shares with Keras. Each is loaded through {@link KerasModels#fromConfig} from
 * the config TF.js itself serialized, run with the vector kernels and with the scalar specification,
 * and, when it can run one step at a time, through a {@link Model.Stream}; every output is
 * compared with TF.js's, shape and values.
 */
class TfjsModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR = Path.of("src/test/resources/tfjs-models");
    /** The reference cases' tolerance for sequences of at most 10 steps (../shared/cases/README.md). */
    private static final double ATOL = 2e-5;
    private static final double RTOL = 1e-4;

    @TestFactory
    Stream<DynamicTest> everyTfjsModel() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no TF.js models under " + DIR.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    private static Tensor tensor(String name, JsonNode t) {
        int[] shape = new int[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.get("shape").get(i).asInt();
        }
        float[] data = new float[t.get("data").size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) t.get("data").get(i).asDouble();
        }
        return new Tensor(name, shape, data);
    }

    private static void check(Path file) throws Exception {
        JsonNode d = JSON.readTree(file.toFile());
        Map<String, List<Tensor>> weights = new LinkedHashMap<>();
        d.get("weights").properties().forEach(e -> {
            List<Tensor> list = new ArrayList<>();
            for (JsonNode t : e.getValue()) {
                list.add(tensor(e.getKey() + "/" + list.size(), t));
            }
            weights.put(e.getKey(), list);
        });
        Model model = KerasModels.fromConfig(d.get("model").toString(), d.get("keras_version").asText(), weights);
        Tensor x = tensor("x", d.get("inputs").get("x"));
        int batch = x.shape()[0];
        int steps = x.shape()[1];
        List<Tensor> expected = new ArrayList<>();
        d.get("expected").properties().forEach(e -> expected.add(tensor(e.getKey(), e.getValue())));
        assertEquals(expected.size(), model.outputs().size(), "outputs " + model.outputs());

        for (Model m : List.of(model, model.using(KernelProvider.scalar()))) {
            float[] out = new float[m.outputLength(batch, steps)];
            m.newSession(batch, steps).run(x.data(), steps, out);
            compare(m, out, batch, steps, expected, m == model ? "vector" : "scalar");
        }
        if (model.streamable()) {
            int w = model.outputSize();
            int in = model.inputSize();
            int rowsPerBatch = model.sequenceOutput() ? steps : 1;
            float[] out = new float[batch * rowsPerBatch * w];
            float[] y = new float[w];
            for (int b = 0; b < batch; b++) {
                Model.Stream s = model.newStream();
                for (int t = 0; t < steps; t++) {
                    s.step(x.data(), (b * steps + t) * in, y, 0);
                    if (model.sequenceOutput()) {
                        System.arraycopy(y, 0, out, (b * steps + t) * w, w);
                    }
                }
                if (!model.sequenceOutput()) {
                    System.arraycopy(y, 0, out, b * w, w);
                }
            }
            compare(model, out, batch, steps, expected, "stream");
        }
    }

    /** Splits the output feature axis into the model's named parts and compares each with TF.js's output of that index. */
    private static void compare(Model m, float[] out, int batch, int steps, List<Tensor> expected, String how) {
        int rows = batch * (m.sequenceOutput() ? steps : 1);
        int width = m.outputSize();
        int from = 0;
        for (int p = 0; p < expected.size(); p++) {
            Tensor e = expected.get(p);
            int w = m.outputs().get(p).width();
            int[] shape = m.sequenceOutput() ? new int[] {batch, steps, w} : new int[] {batch, w};
            assertArrayEquals(e.shape(), shape, how + ": shape of " + e.name());
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < w; j++) {
                    float got = out[r * width + from + j];
                    float exp = e.data()[r * w + j];
                    if (!(Math.abs(got - exp) <= ATOL + RTOL * Math.abs(exp))) {
                        fail(how + ": " + e.name() + " row " + r + " feature " + j + ": got " + got + ", TF.js " + exp);
                    }
                }
            }
            from += w;
        }
    }
}
