package io.github.panamarnn.tests.formats;

import static io.github.panamarnn.tests.formats.KerasConfigTest.input;
import static io.github.panamarnn.tests.formats.KerasConfigTest.load;
import static io.github.panamarnn.tests.formats.KerasConfigTest.model;
import static io.github.panamarnn.tests.formats.KerasConfigTest.tensor;
import static io.github.panamarnn.tests.formats.KerasConfigTest.weights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.formats.keras.KerasModels;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.unroll.SequenceRunner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every Keras layer option that changes the numbers is read (SEMANTICS.md 8), or the file is refused
 * naming it: {@code Bidirectional(backward_layer=...)} with its own class, units and activations,
 * {@code stateful=True} (against Keras's own two-call outputs), {@code leaky_relu}'s 0.2 slope,
 * {@code "activation": null} as linear, and an unknown activation name as an error.
 */
class KerasOptionsTest {

    static float[] random(SplittableRandom r, int n, double a) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-a, a);
        }
        return v;
    }

    static List<Tensor> recurrentWeights(SplittableRandom r, int in, int units, int gates) {
        return new ArrayList<>(List.of(new Tensor("kernel", new int[] {in, gates * units}, random(r, in * gates * units, 0.6)),
                new Tensor("recurrent_kernel", new int[] {units, gates * units}, random(r, units * gates * units, 0.6)),
                new Tensor("bias", new int[] {gates * units}, random(r, gates * units, 0.3))));
    }

    /** The backward layer's own config (class, units, activations) is what runs, never a copy of the forward layer. */
    @Test
    void bidirectionalBackwardLayerHasItsOwnConfig() throws ModelFormatException {
        int in = 3;
        int steps = 6;
        int batch = 2;
        SplittableRandom r = new SplittableRandom(11);
        List<Tensor> fw = recurrentWeights(r, in, 5, 4);
        List<Tensor> bw = recurrentWeights(r, in, 4, 1);
        List<Tensor> all = new ArrayList<>(fw);
        all.addAll(bw);
        String forward = "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"f\",\"units\":5,\"return_sequences\":true}}";
        String backward = "{\"class_name\":\"SimpleRNN\",\"config\":{\"name\":\"b\",\"units\":4,\"activation\":\"relu\",\"return_sequences\":true,"
                + "\"go_backwards\":true}}";
        String json = model(input(steps, in), "{\"class_name\":\"Bidirectional\",\"config\":{\"name\":\"bi\",\"merge_mode\":\"concat\",\"layer\":"
                + forward + ",\"backward_layer\":" + backward + "}}");
        Model m = KerasModels.fromConfig(json, "3.15.1", Map.of("bi", all));
        assertEquals(9, m.outputSize());
        float[] x = random(r, batch * steps * in, 1.5);
        float[] out = new float[m.outputLength(batch, steps)];
        m.newSession(batch, steps).run(x, steps, out);

        RnnCell f = LstmCell.keras(in, 5, fw.get(0).data(), fw.get(1).data(), fw.get(2).data(), Activation.TANH, Activation.SIGMOID);
        RnnCell b = SimpleRnnCell.keras(in, 4, bw.get(0).data(), bw.get(1).data(), bw.get(2).data(), Activation.RELU);
        float[] yf = new float[batch * steps * 5];
        float[] yb = new float[batch * steps * 4];
        new SequenceRunner(f, batch, steps).run(x, steps, false, null, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, yf);
        new SequenceRunner(b, batch, steps).run(x, steps, false, null, null, SequenceRunner.Order.REVERSE_WITHIN_LENGTH,
                SequenceRunner.Padding.ZERO, yb);
        for (int row = 0; row < batch * steps; row++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(yf[row * 5 + j], out[row * 9 + j], "forward row " + row + " unit " + j);
            }
            for (int j = 0; j < 4; j++) {
                assertEquals(yb[row * 4 + j], out[row * 9 + 5 + j], "backward row " + row + " unit " + j);
            }
        }
        // An elementwise merge of different widths cannot be computed: refused, naming both.
        String sum = json.replace("\"concat\"", "\"sum\"");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> KerasModels.fromConfig(sum, "3", Map.of("bi", all)));
        assertTrue(e.getMessage().contains("5") && e.getMessage().contains("4") && e.getMessage().contains("sum"), e.getMessage());
        // Directions that disagree on return_sequences are not a Keras model.
        String mixed = json.replace("\"activation\":\"relu\",\"return_sequences\":true", "\"activation\":\"relu\",\"return_sequences\":false");
        e = assertThrows(ModelFormatException.class, () -> KerasModels.fromConfig(mixed, "3", Map.of("bi", all)));
        assertTrue(e.getMessage().contains("return_sequences"), e.getMessage());
    }

    /** The backward layer's activations with the forward layer's class and size: relu and hard_sigmoid, not tanh and sigmoid. */
    @Test
    void bidirectionalBackwardActivationsAreRead() throws ModelFormatException {
        SplittableRandom r = new SplittableRandom(5);
        List<Tensor> all = recurrentWeights(r, 4, 6, 4);
        all.addAll(recurrentWeights(r, 4, 6, 4));
        String lstm = "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"f\",\"units\":6}}";
        String back = "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"b\",\"units\":6,\"go_backwards\":true,\"activation\":\"relu\","
                + "\"recurrent_activation\":\"hard_sigmoid\"}}";
        String with = model(input(5, 4), "{\"class_name\":\"Bidirectional\",\"config\":{\"name\":\"bi\",\"merge_mode\":\"concat\",\"layer\":"
                + lstm + ",\"backward_layer\":" + back + "}}");
        String without = model(input(5, 4), "{\"class_name\":\"Bidirectional\",\"config\":{\"name\":\"bi\",\"merge_mode\":\"concat\",\"layer\":"
                + lstm + "}}");
        Model a = KerasModels.fromConfig(with, "3", Map.of("bi", all));
        Model b = KerasModels.fromConfig(without, "3", Map.of("bi", all));
        float[] x = random(r, 5 * 4, 2);
        float[] ya = new float[12];
        float[] yb = new float[12];
        a.newSession(1, 5).run(x, 5, ya);
        b.newSession(1, 5).run(x, 5, yb);
        for (int j = 0; j < 6; j++) {
            assertEquals(ya[j], yb[j], "the forward halves agree");
        }
        LstmCell want = LstmCell.keras(4, 6, all.get(3).data(), all.get(4).data(), all.get(5).data(), Activation.RELU,
                Activation.HARD_SIGMOID_KERAS3);
        float[] seq = new float[5 * 6];
        new SequenceRunner(want, 1, 5).run(x, 5, false, null, null, SequenceRunner.Order.REVERSE_WITHIN_LENGTH, SequenceRunner.Padding.ZERO,
                seq);
        boolean differs = false;
        for (int j = 0; j < 6; j++) {
            assertEquals(seq[j], ya[6 + j], "backward unit " + j + " (its state after input step 0)");
            differs |= ya[6 + j] != yb[6 + j];
        }
        assertTrue(differs, "relu/hard_sigmoid and tanh/sigmoid give different numbers on these weights");
    }

    /** Keras's own two predict calls on a stateful LSTM: the second starts from the state the first left. */
    @Test
    void statefulLayersCarryStateAcrossRuns() throws IOException {
        JsonNode c = load("keras_more/stateful_lstm_two_chunks_b2_d4_u6_t5_t3");
        float[] x1 = tensor(c.get("inputs").get("x_chunk1"), "x1").data();
        float[] x2 = tensor(c.get("inputs").get("x_chunk2"), "x2").data();
        float[] want1 = tensor(c.get("expected").get("output_chunk1"), "o1").data();
        float[] want2 = tensor(c.get("expected").get("output_chunk2"), "o2").data();
        for (boolean sequences : new boolean[] {true, false}) {
            String json = model("{\"class_name\":\"InputLayer\",\"config\":{\"name\":\"x\",\"batch_shape\":[2,null,4]}}",
                    "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"lstm\",\"units\":6,\"stateful\":true,\"return_sequences\":" + sequences + "}}");
            Model m = KerasModels.fromConfig(json, "3.15.1", Map.of("lstm", weights(c, "")));
            assertTrue(m.stateful());
            Model.Session s = m.newSession(2, 5);
            float[] y1 = new float[m.outputLength(2, 5)];
            float[] y2 = new float[m.outputLength(2, 3)];
            s.run(x1, 5, y1);
            s.run(x2, 3, y2);
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < (sequences ? 3 : 1); t++) {
                    for (int j = 0; j < 6; j++) {
                        int wt = sequences ? t : 2; // without return_sequences: the last step's output
                        KerasModelsTest.close(want2[(b * 3 + wt) * 6 + j], y2[(b * (sequences ? 3 : 1) + t) * 6 + j],
                                "second call, row " + b + " step " + wt + " unit " + j);
                    }
                }
            }
            // reset() is Keras's reset_states(): the first call's outputs again.
            s.reset();
            float[] again = new float[y1.length];
            s.run(x1, 5, again);
            assertArrayEquals(y1, again);
            for (int b = 0; b < 2; b++) {
                KerasModelsTest.close(want1[(b * 5 + 4) * 6], again[sequences ? (b * 5 + 4) * 6 : b * 6], "first call after reset, row " + b);
            }
            // reset(row) zeroes one row only: row 1 continues, row 0 starts again.
            s.reset();
            s.run(x1, 5, y1);
            s.reset(0);
            s.run(x2, 3, y2);
            int last = sequences ? (3 + 2) * 6 : 6; // row 1, last step
            KerasModelsTest.close(want2[(3 + 2) * 6], y2[last], "row 1 kept its state");
        }
        // Without stateful the same session starts every run from zero.
        String plain = model(input(5, 4), "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"lstm\",\"units\":6,\"return_sequences\":true}}");
        Model m = KerasModels.fromConfig(plain, "3", Map.of("lstm", weights(c, "")));
        Model.Session s = m.newSession(2, 5);
        float[] a = new float[60];
        float[] b = new float[60];
        s.run(x1, 5, a);
        s.run(x1, 5, b);
        assertArrayEquals(a, b);
    }

    private static Model simple(String activation) throws ModelFormatException {
        SplittableRandom r = new SplittableRandom(3);
        String act = activation == null ? "" : ",\"activation\":" + activation;
        String json = model(input(4, 3), "{\"class_name\":\"SimpleRNN\",\"config\":{\"name\":\"r\",\"units\":5" + act + "}}");
        return KerasModels.fromConfig(json, "3", Map.of("r", recurrentWeights(r, 3, 5, 1)));
    }

    private static float[] run(Model m) {
        float[] x = random(new SplittableRandom(9), 2 * 4 * 3, 3);
        float[] y = new float[m.outputLength(2, 4)];
        m.newSession(2, 4).run(x, 4, y);
        return y;
    }

    private static float[] runCell(Activation act) {
        SplittableRandom r = new SplittableRandom(3);
        List<Tensor> w = recurrentWeights(r, 3, 5, 1);
        SimpleRnnCell cell = SimpleRnnCell.keras(3, 5, w.get(0).data(), w.get(1).data(), w.get(2).data(), act);
        float[] x = random(new SplittableRandom(9), 2 * 4 * 3, 3);
        SequenceRunner sr = new SequenceRunner(cell, 2, 4);
        sr.run(x, 4, false, null, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, null);
        return sr.state().part(0).clone();
    }

    @Test
    void activationNamesMeanWhatKerasComputes() throws ModelFormatException {
        assertArrayEquals(runCell(Activation.leakyRelu(0.2f)), run(simple("\"leaky_relu\"")), "leaky_relu has slope 0.2 in Keras");
        assertArrayEquals(runCell(Activation.LINEAR), run(simple("null")), "activation None is linear");
        assertArrayEquals(runCell(Activation.TANH), run(simple(null)), "an absent activation is the layer's default, tanh");
        assertArrayEquals(runCell(Activation.RELU), run(simple("{\"module\":\"keras.activations\",\"class_name\":\"function\","
                + "\"config\":\"relu\",\"registered_name\":\"function\"}")), "a serialized function is read by its name");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> simple("\"swishy\""));
        assertTrue(e.getMessage().contains("'swishy'") && e.getMessage().contains("'r'"), e.getMessage());
        IllegalArgumentException ambiguous = assertThrows(IllegalArgumentException.class, () -> Activation.named("leaky_relu"));
        assertTrue(ambiguous.getMessage().contains("0.2") && ambiguous.getMessage().contains("0.01"), ambiguous.getMessage());
    }
}
