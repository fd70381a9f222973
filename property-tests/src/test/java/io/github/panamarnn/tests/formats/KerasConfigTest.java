package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.panamarnn.formats.keras.KerasModels;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.formats.tensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Keras layers the trained models do not use (Masking, Bidirectional, TimeDistributed, merge
 * modes), built by {@link KerasModels#fromConfig} from a Keras config and fed the weights of the
 * public Keras reference cases, against the outputs Keras computed for those cases.
 */
class KerasConfigTest {
    static final Path CASES = Path.of(System.getProperty("rnn.cases.dir", "../shared/cases"));
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode load(String id) throws IOException {
        return JSON.readTree(CASES.resolve(id + ".json").toFile());
    }

    static Tensor tensor(JsonNode t, String name) {
        int[] shape = new int[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.get("shape").get(i).asInt();
        }
        List<Float> flat = new ArrayList<>();
        flatten(t.get("data"), flat);
        float[] d = new float[flat.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = flat.get(i);
        }
        return new Tensor(name, shape, d);
    }

    private static void flatten(JsonNode n, List<Float> out) {
        if (n.isArray()) {
            n.forEach(x -> flatten(x, out));
        } else {
            out.add((float) n.asDouble());
        }
    }

    static List<Tensor> weights(JsonNode c, String prefix) {
        List<Tensor> w = new ArrayList<>();
        for (String n : List.of("kernel", "recurrent_kernel", "bias")) {
            w.add(tensor(c.get("weights").get(prefix + n), prefix + n));
        }
        return w;
    }

    static String input(int steps, int features) {
        return "{\"class_name\":\"InputLayer\",\"config\":{\"name\":\"x\",\"batch_shape\":[null," + steps + "," + features + "]}}";
    }

    static String model(String... layers) {
        return "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"m\",\"layers\":[" + String.join(",", layers) + "]}}";
    }

    @Test
    void bidirectionalConcatThenTimeDistributedDense() throws IOException {
        JsonNode c = load("keras_more/bidir_lstm_concat_seq_state_b2_d5_u6_t7");
        String lstm = "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"l\",\"units\":6,\"return_sequences\":true}}";
        String json = model(input(7, 5),
                "{\"class_name\":\"Bidirectional\",\"config\":{\"name\":\"bi\",\"merge_mode\":\"concat\",\"layer\":" + lstm + "}}",
                "{\"class_name\":\"TimeDistributed\",\"config\":{\"name\":\"td\",\"layer\":{\"class_name\":\"Dense\",\"config\":{\"name\":\"d\",\"units\":3,\"activation\":\"tanh\"}}}}");
        List<Tensor> bi = new ArrayList<>(weights(c, "forward/"));
        bi.addAll(weights(c, "backward/"));
        SplittableRandom r = new SplittableRandom(7);
        float[] k = new float[12 * 3];
        float[] b = new float[3];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) r.nextDouble(-0.5, 0.5);
        }
        b[1] = 0.25f;
        Model m = KerasModels.fromConfig(json, "3.15.1", Map.of("bi", bi, "td", List.of(new Tensor("k", new int[] {12, 3}, k),
                new Tensor("b", new int[] {3}, b))));
        float[] x = tensor(c.get("inputs").get("x"), "x").data();
        float[] out = new float[m.outputLength(2, 7)];
        m.newSession(2, 7).run(x, 7, out);
        float[] merged = tensor(c.get("expected").get("output"), "output").data();
        for (int row = 0; row < 14; row++) {
            for (int j = 0; j < 3; j++) {
                double acc = b[j];
                for (int q = 0; q < 12; q++) {
                    acc += (double) merged[row * 12 + q] * k[q * 3 + j];
                }
                KerasModelsTest.close((float) Math.tanh(acc), out[row * 3 + j], "row " + row + " unit " + j);
            }
        }
    }

    @Test
    void maskingKeepsTheStateAndRepeatsTheOutput() throws IOException {
        JsonNode c = load("keras/lstm_b3_d4_u6_t8_seq_masked");
        String json = model(input(8, 4), "{\"class_name\":\"Masking\",\"config\":{\"name\":\"mask\",\"mask_value\":0.0}}",
                "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"lstm\",\"units\":6,\"return_sequences\":true}}");
        Model m = KerasModels.fromConfig(json, "3", Map.of("lstm", weights(c, "")));
        float[] x = tensor(c.get("inputs").get("x"), "x").data();
        float[] want = tensor(c.get("expected").get("output"), "output").data();
        float[] out = new float[m.outputLength(3, 8)];
        m.newSession(3, 8).run(x, 8, out);
        for (int i = 0; i < want.length; i++) {
            KerasModelsTest.close(want[i], out[i], "batch output " + i);
        }
        Model.Stream s = m.newStream();
        float[] y = new float[6];
        for (int row = 0; row < 3; row++) {
            s.reset();
            for (int t = 0; t < 8; t++) {
                s.step(x, (row * 8 + t) * 4, y, 0);
                for (int j = 0; j < 6; j++) {
                    KerasModelsTest.close(want[(row * 8 + t) * 6 + j], y[j], "streamed row " + row + " step " + t);
                }
            }
        }
    }

    @Test
    void bidirectionalLastStepMergesAndNoneGivesBothOutputs() throws IOException {
        JsonNode c = load("keras_more/bidir_simple_rnn_none_last_b3_d3_u7_t5");
        String rnn = "{\"class_name\":\"SimpleRNN\",\"config\":{\"name\":\"r\",\"units\":7}}";
        List<Tensor> bi = new ArrayList<>(weights(c, "forward/"));
        bi.addAll(weights(c, "backward/"));
        String none = model(input(5, 3), "{\"class_name\":\"Bidirectional\",\"config\":{\"name\":\"bi\",\"merge_mode\":null,\"layer\":" + rnn + "}}");
        // merge_mode=None: Keras's two outputs, side by side and named
        Model two = KerasModels.fromConfig(none, "3", Map.of("bi", bi));
        assertEquals(List.of(new Model.Output("bi/forward", 7), new Model.Output("bi/backward", 7)), two.outputs());
        float[] both = new float[two.outputLength(3, 5)];
        two.newSession(3, 5).run(tensor(c.get("inputs").get("x"), "x").data(), 5, both);
        float[] ef = tensor(c.get("expected").get("output_forward"), "f").data();
        float[] eb = tensor(c.get("expected").get("output_backward"), "b").data();
        for (int r = 0; r < 3; r++) {
            for (int j = 0; j < 7; j++) {
                KerasModelsTest.close(ef[r * 7 + j], both[r * 14 + j], "forward " + r + "," + j);
                KerasModelsTest.close(eb[r * 7 + j], both[r * 14 + 7 + j], "backward " + r + "," + j);
            }
        }
        ModelFormatException e;
        String sum = model(input(5, 3), "{\"class_name\":\"Bidirectional\",\"config\":{\"name\":\"bi\",\"merge_mode\":\"sum\",\"layer\":" + rnn + "}}");
        Model m = KerasModels.fromConfig(sum, "3", Map.of("bi", bi));
        float[] out = new float[m.outputLength(3, 5)];
        m.newSession(3, 5).run(tensor(c.get("inputs").get("x"), "x").data(), 5, out);
        float[] f = tensor(c.get("expected").get("output_forward"), "f").data();
        float[] bw = tensor(c.get("expected").get("output_backward"), "b").data();
        assertEquals(21, out.length);
        for (int i = 0; i < out.length; i++) {
            KerasModelsTest.close(f[i] + bw[i], out[i], "sum " + i);
        }
        String conv = model(input(5, 3), "{\"class_name\":\"Conv1D\",\"config\":{\"name\":\"conv\"}}");
        e = assertThrows(ModelFormatException.class, () -> KerasModels.fromConfig(conv, "3", Map.of()));
        assertTrue(e.getMessage().contains("'conv'") && e.getMessage().contains("Conv1D"), e.getMessage());
        String wrong = model(input(5, 4), "{\"class_name\":\"Bidirectional\",\"config\":{\"name\":\"bi\",\"merge_mode\":\"sum\",\"layer\":" + rnn + "}}");
        e = assertThrows(ModelFormatException.class, () -> KerasModels.fromConfig(wrong, "3", Map.of("bi", bi)));
        assertTrue(e.getMessage().contains("[4, 7]") && e.getMessage().contains("[3, 7]"), e.getMessage());
    }
}
