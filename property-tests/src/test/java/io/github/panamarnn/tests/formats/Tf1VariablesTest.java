package io.github.panamarnn.tests.formats;

import static io.github.panamarnn.tests.formats.KerasConfigTest.load;
import static io.github.panamarnn.tests.formats.KerasConfigTest.tensor;
import static io.github.panamarnn.tests.formats.KerasOptionsTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.EmbeddingWrapper;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.ProjectionWrapper;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.formats.tf1.Tf1Variables;
import io.github.panamarnn.kernels.Activation;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * TF1 variable sets beyond one plain cell, against TensorFlow's own numbers (the {@code tf1} and
 * {@code tf1_more} reference cases) wherever a real run exists: the wrappers' scopes, partitioned
 * variables ({@code kernel/part_k}), {@code LSTMBlockFusedCell} and {@code GRUBlockCell} (v1)
 * variable names, options per layer of a {@code MultiRNNCell} and the projection wrappers'
 * activation; each with what is refused.
 */
class Tf1VariablesTest {
    private static final double ATOL = 2e-5;
    private static final double RTOL = 1e-4;

    private static Map<String, Tensor> vars(JsonNode c) {
        Map<String, Tensor> v = new LinkedHashMap<>();
        c.get("weights").properties().forEach(e -> v.put(e.getKey(), tensor(e.getValue(), e.getKey())));
        return v;
    }

    /** Batch-major {@code [B, T, in]} through the cell from zero state: outputs {@code [B, T, out]}. */
    static float[] run(RnnCell cell, float[] x, int batch, int steps) {
        int in = cell.inputSize();
        int out = cell.outputSize();
        CellState s = cell.zeroState(batch);
        float[] xt = new float[batch * in];
        float[] yt = new float[batch * out];
        float[] y = new float[batch * steps * out];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(x, (b * steps + t) * in, xt, b * in, in);
            }
            cell.step(xt, 0, s, yt, 0);
            for (int b = 0; b < batch; b++) {
                System.arraycopy(yt, b * out, y, (b * steps + t) * out, out);
            }
        }
        return y;
    }

    private static void close(float[] expected, float[] got, String what) {
        assertTrue(expected.length == got.length, what + ": " + got.length + " values, expected " + expected.length);
        for (int i = 0; i < got.length; i++) {
            if (!(Math.abs(got[i] - expected[i]) <= ATOL + RTOL * Math.abs(expected[i]))) {
                fail(what + " [" + i + "]: got " + got[i] + ", TensorFlow " + expected[i]);
            }
        }
    }

    private static void matchesTensorFlow(JsonNode c, Map<String, Tensor> v, Tf1Variables.Options o) throws ModelFormatException {
        RnnCell cell = Tf1Variables.cell(v, "", o);
        Tensor x = tensor(c.get("inputs").get("x"), "x");
        close(tensor(c.get("expected").get("outputs"), "outputs").data(), run(cell, x.data(), x.shape()[0], x.shape()[1]), c.get("id").asText());
    }

    /** {@code name} split along axis 0 into parts of these row counts, as {@code <name>/part_k:0}. */
    private static Map<String, Tensor> partitioned(Map<String, Tensor> v, String name, int... rows) {
        Map<String, Tensor> out = new LinkedHashMap<>(v);
        Tensor t = out.remove(name);
        int cols = t.shape()[1];
        int at = 0;
        for (int k = 0; k < rows.length; k++) {
            out.put(name + "/part_" + k + ":0", new Tensor(name + "/part_" + k, new int[] {rows[k], cols},
                    Arrays.copyOfRange(t.data(), at * cols, (at + rows[k]) * cols)));
            at += rows[k];
        }
        return out;
    }

    private static Map<String, Tensor> renamed(Map<String, Tensor> v, String... fromTo) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        v.forEach((k, t) -> {
            String n = k;
            for (int i = 0; i < fromTo.length; i += 2) {
                n = n.equals(fromTo[i]) ? fromTo[i + 1] : n;
            }
            out.put(n, t);
        });
        return out;
    }

    private static void refused(Map<String, Tensor> v, Tf1Variables.Options o, String... words) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tf1Variables.cell(v, "", o));
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), e.getMessage());
        }
    }

    @Test
    void outputProjectionWrapperScopeAndItsActivation() throws IOException {
        JsonNode c = load("tf1_more/output_projection_basic_lstm_dynamic_b2_d4_u6_o3_t6");
        Map<String, Tensor> v = vars(c);
        matchesTensorFlow(c, v, Tf1Variables.Options.defaults());
        // The projection does not feed back: with activation=relu, TensorFlow's outputs are relu of these.
        RnnCell relu = Tf1Variables.cell(v, "", Tf1Variables.Options.defaults().withWrapperActivation(Activation.RELU));
        Tensor x = tensor(c.get("inputs").get("x"), "x");
        float[] want = tensor(c.get("expected").get("outputs"), "outputs").data().clone();
        for (int i = 0; i < want.length; i++) {
            want[i] = Math.max(0f, want[i]);
        }
        close(want, run(relu, x.data(), 2, 6), "relu projection");
    }

    @Test
    void partitionedVariablesAreJoinedAlongAxisZero() throws IOException {
        JsonNode c = load("tf1_more/output_projection_basic_lstm_dynamic_b2_d4_u6_o3_t6");
        Map<String, Tensor> v = vars(c);
        String k = "output_projection_wrapper/basic_lstm_cell/kernel";
        matchesTensorFlow(c, partitioned(v, k, 4, 3, 3), Tf1Variables.Options.defaults());
        matchesTensorFlow(c, partitioned(v, "output_projection_wrapper/kernel", 2, 2, 1, 1), Tf1Variables.Options.defaults());
        Map<String, Tensor> gap = partitioned(v, k, 4, 3, 3);
        gap.put(k + "/part_3", gap.remove(k + "/part_2:0"));
        refused(gap, Tf1Variables.Options.defaults(), k, "[0, 1, 3]", "without gaps");
        Map<String, Tensor> ragged = partitioned(v, k, 5, 5);
        ragged.put(k + "/part_1:0", new Tensor("p", new int[] {5, 20}, new float[100]));
        refused(ragged, Tf1Variables.Options.defaults(), "part_1 has shape [5, 20]", "[5, 24]");
        Map<String, Tensor> both = partitioned(v, k, 5, 5);
        both.put(k, v.get(k));
        refused(both, Tf1Variables.Options.defaults(), "both whole and in parts");
    }

    @Test
    void blockCellVariableNames() throws IOException {
        JsonNode lstm = load("tf1/lstm_cell_peep_dynamic_b3_d4_u8_t6");
        Map<String, Tensor> fused = new LinkedHashMap<>();
        vars(lstm).forEach((k, t) -> fused.put(k.replace("lstm_cell/", "lstm_fused_cell/"), t));
        matchesTensorFlow(lstm, fused, Tf1Variables.Options.defaults());
        JsonNode gru = load("tf1/static_rnn_gru_b2_d4_u5_t4");
        for (String scope : new String[] {"gru_cell/", "GRUBlockCell/"}) {
            Map<String, Tensor> v1 = renamed(vars(gru), "gru_cell/gates/kernel", scope + "w_ru", "gru_cell/gates/bias", scope + "b_ru",
                    "gru_cell/candidate/kernel", scope + "w_c", "gru_cell/candidate/bias", scope + "b_c");
            matchesTensorFlow(gru, v1, Tf1Variables.Options.defaults());
            refused(v1, new Tf1Variables.Options(1f, Activation.RELU, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY), "always uses tanh");
        }
    }

    @Test
    void optionsPerLayerOfAMultiRnnCell() throws IOException {
        JsonNode c = load("tf1/multi_rnn_3x_basic_lstm_dynamic_b2_d5_u6_t5");
        Map<String, Tensor> v = vars(c);
        Tf1Variables.Options d = Tf1Variables.Options.defaults();
        RnnCell same = Tf1Variables.cell(v, "", List.of(d, d, d));
        Tensor x = tensor(c.get("inputs").get("x"), "x");
        close(tensor(c.get("expected").get("outputs"), "outputs").data(), run(same, x.data(), 2, 5), "three default layers");
        Tf1Variables.Options zero = new Tf1Variables.Options(0f, Activation.TANH, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY);
        Tf1Variables.Options relu = new Tf1Variables.Options(1f, Activation.RELU, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY);
        RnnCell mixed = Tf1Variables.cell(v, "", List.of(d, zero, relu));
        RnnCell manual = new MultiRnnCell(List.of(
                LstmCell.tf1Basic(5, 6, v.get("multi_rnn_cell/cell_0/basic_lstm_cell/kernel").data(), v.get("multi_rnn_cell/cell_0/basic_lstm_cell/bias").data(), 1f, Activation.TANH),
                LstmCell.tf1Basic(6, 6, v.get("multi_rnn_cell/cell_1/basic_lstm_cell/kernel").data(), v.get("multi_rnn_cell/cell_1/basic_lstm_cell/bias").data(), 0f, Activation.TANH),
                LstmCell.tf1Basic(6, 6, v.get("multi_rnn_cell/cell_2/basic_lstm_cell/kernel").data(), v.get("multi_rnn_cell/cell_2/basic_lstm_cell/bias").data(), 1f, Activation.RELU)));
        float[] got = run(mixed, x.data(), 2, 5);
        assertArrayEquals(run(manual, x.data(), 2, 5), got);
        assertFalse(Arrays.equals(run(same, x.data(), 2, 5), got), "the per-layer options changed nothing");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tf1Variables.cell(v, "", List.of(d, d)));
        assertTrue(e.getMessage().contains("2 Options for the 3 layers"), e.getMessage());
    }

    @Test
    void inputProjectionAndEmbeddingWrapperScopes() throws ModelFormatException {
        SplittableRandom r = new SplittableRandom(3);
        float[] lk = random(r, 10 * 24, 0.5);
        float[] lb = random(r, 24, 0.2);
        float[] pk = random(r, 7 * 4, 0.5);
        float[] pb = random(r, 4, 0.2);
        float[] emb = random(r, 9 * 7, 1);
        Map<String, Tensor> v = new LinkedHashMap<>();
        String e = "embedding_wrapper/";
        String i = e + "input_projection_wrapper/";
        v.put(e + "embedding", new Tensor("emb", new int[] {9, 7}, emb));
        v.put(i + "kernel", new Tensor("pk", new int[] {7, 4}, pk));
        v.put(i + "bias", new Tensor("pb", new int[] {4}, pb));
        v.put(i + "basic_lstm_cell/kernel", new Tensor("lk", new int[] {10, 24}, lk));
        v.put(i + "basic_lstm_cell/bias", new Tensor("lb", new int[] {24}, lb));
        Tf1Variables.Options o = Tf1Variables.Options.defaults().withWrapperActivation(Activation.SIGMOID);
        RnnCell cell = Tf1Variables.cell(prefixed(v, "rnn/"), "rnn", o);
        RnnCell manual = new EmbeddingWrapper(ProjectionWrapper.input(LstmCell.tf1Basic(4, 6, lk, lb, 1f, Activation.TANH), 7, pk, pb,
                Activation.SIGMOID), 9, 7, emb);
        float[] ids = {3, 0, 8, 1, 5, 5, 2, 7};
        assertArrayEquals(run(manual, ids, 2, 4), run(cell, ids, 2, 4));
        assertTrue(cell.toString().contains("InputProjectionWrapper") && cell.toString().contains("sigmoid"), cell.toString());
    }

    private static Map<String, Tensor> prefixed(Map<String, Tensor> v, String p) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        v.forEach((k, t) -> out.put(p + k, t));
        return out;
    }
}
