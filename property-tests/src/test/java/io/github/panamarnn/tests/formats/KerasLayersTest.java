package io.github.panamarnn.tests.formats;

import static io.github.panamarnn.tests.formats.KerasConfigTest.input;
import static io.github.panamarnn.tests.formats.KerasConfigTest.model;
import static io.github.panamarnn.tests.formats.KerasOptionsTest.random;
import static io.github.panamarnn.tests.formats.KerasOptionsTest.recurrentWeights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.keras.KerasModels;
import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.formats.tensors.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Keras layers beyond the built-in recurrent ones: {@code RNN(StackedRNNCells)} read from a
 * Keras 3 archive in the config's order (not the HDF5 group's), {@code Embedding} token ids checked
 * before a run changes anything, and the graph shapes a chained model refuses, each naming what it
 * refuses: {@code merge_mode=None} before the last layer, state tensors read or returned,
 * {@code return_state} inside a {@code Sequential}, unknown cells and activations that are not
 * elementwise. (Their numbers against TensorFlow.js: {@link TfjsModelsTest}.)
 */
class KerasLayersTest {
    @TempDir
    Path dir;

    static float[][] matrix(float[] v, int rows, int cols) {
        float[][] m = new float[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = Arrays.copyOfRange(v, i * cols, (i + 1) * cols);
        }
        return m;
    }

    private static void putVars(WritableGroup g, List<Tensor> w) {
        WritableGroup vars = g.putGroup("vars");
        for (int i = 0; i < w.size(); i++) {
            Tensor t = w.get(i);
            if (t.shape().length == 2) {
                vars.putDataset(Integer.toString(i), matrix(t.data(), t.shape()[0], t.shape()[1]));
            } else {
                vars.putDataset(Integer.toString(i), t.data());
            }
        }
    }

    private static final String STACKED = "{\"class_name\":\"RNN\",\"config\":{\"name\":\"rnn\",\"return_sequences\":true,\"cell\":"
            + "{\"class_name\":\"StackedRNNCells\",\"config\":{\"cells\":["
            + "{\"class_name\":\"LSTMCell\",\"config\":{\"units\":5}},"
            + "{\"class_name\":\"GRUCell\",\"config\":{\"units\":4,\"reset_after\":false}},"
            + "{\"class_name\":\"LSTMCell\",\"config\":{\"units\":3,\"activation\":\"relu6\"}}]}}}}";

    /**
     * Keras 3 saves a StackedRNNCells' cells as {@code cells/lstm_cell}, {@code cells/gru_cell},
     * {@code cells/lstm_cell_1}: sorted by name that is gru, lstm, lstm_1, not the stack's order. The
     * archive must load to the same numbers as the same weights given in layer order.
     */
    @Test
    void stackedCellsOfAKeras3ArchiveAreReadInTheConfigsOrder() throws IOException {
        SplittableRandom r = new SplittableRandom(31);
        List<Tensor> lstm0 = recurrentWeights(r, 3, 5, 4);
        List<Tensor> gru = recurrentWeights(r, 5, 4, 3);
        List<Tensor> lstm1 = recurrentWeights(r, 4, 3, 4);
        String config = model(input(-1, 3), STACKED).replace("[null,-1,3]", "[null,null,3]");
        Path h5 = dir.resolve("model.weights.h5");
        try (WritableHdfFile f = HdfFile.write(h5)) {
            WritableGroup cells = f.putGroup("layers").putGroup("rnn").putGroup("cell").putGroup("cells");
            putVars(cells.putGroup("gru_cell"), gru);
            putVars(cells.putGroup("lstm_cell_1"), lstm1);
            putVars(cells.putGroup("lstm_cell"), lstm0);
        }
        Path keras = dir.resolve("stacked.keras");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(keras))) {
            z.putNextEntry(new ZipEntry("config.json"));
            z.write(config.getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("metadata.json"));
            z.write("{\"keras_version\":\"3.15.1\"}".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("model.weights.h5"));
            z.write(Files.readAllBytes(h5));
        }
        Model fromFile = ModelFiles.load(keras);
        List<Tensor> all = new ArrayList<>(lstm0);
        all.addAll(gru);
        all.addAll(lstm1);
        Model fromConfig = KerasModels.fromConfig(config, "3.15.1", Map.of("rnn", all));
        assertTrue(fromFile.layers().get(0) instanceof Model.Recurrent rec && rec.description().contains("StackedRNNCells(LSTMCell, "
                + "GRUCell, LSTMCell)"), fromFile.layers().toString());
        float[] x = random(r, 2 * 6 * 3, 1.5);
        float[] a = new float[fromFile.outputLength(2, 6)];
        float[] b = new float[a.length];
        fromFile.newSession(2, 6).run(x, 6, a);
        fromConfig.newSession(2, 6).run(x, 6, b);
        assertArrayEquals(b, a);
        assertEquals(3, fromFile.outputSize());
    }

    private static String embedding(boolean maskZero) {
        return "{\"class_name\":\"Embedding\",\"config\":{\"name\":\"emb\",\"input_dim\":10,\"output_dim\":4,\"mask_zero\":" + maskZero + "}}";
    }

    private static final String IDS = "{\"class_name\":\"InputLayer\",\"config\":{\"name\":\"x\",\"batch_shape\":[null,null]}}";

    private static Model statefulEmbeddingModel() throws ModelFormatException {
        SplittableRandom r = new SplittableRandom(5);
        String gru = "{\"class_name\":\"GRU\",\"config\":{\"name\":\"gru\",\"units\":3,\"stateful\":true}}";
        return KerasModels.fromConfig(model(IDS, embedding(true), gru), "3.15.1", Map.of(
                "emb", List.of(new Tensor("embeddings", new int[] {10, 4}, random(r, 40, 1))),
                "gru", new ArrayList<>(List.of(new Tensor("k", new int[] {4, 9}, random(r, 36, 0.5)),
                        new Tensor("r", new int[] {3, 9}, random(r, 27, 0.5)), new Tensor("b", new int[] {2, 9}, random(r, 18, 0.2))))));
    }

    /** A bad token id (out of range, negative, not an integer, NaN) is refused naming it, and the stateful session is as before. */
    @Test
    void badTokenIdsAreRefusedBeforeAnyStateChanges() throws ModelFormatException {
        Model m = statefulEmbeddingModel();
        assertEquals(1, m.inputSize());
        Model.Session s = m.newSession(2, 3);
        float[] good = {1, 2, 0, 9, 9, 3};
        float[] first = new float[m.outputLength(2, 3)];
        s.run(good, 3, first);
        float[] reference = new float[first.length];
        Model.Session twin = m.newSession(2, 3);
        twin.run(good, 3, new float[first.length]);
        twin.run(good, 3, reference);
        for (float bad : new float[] {10, -1, 2.5f, Float.NaN}) {
            float[] x = {1, 2, 3, 4, 5, bad};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.run(x, 3, new float[first.length]));
            assertTrue(e.getMessage().contains("token id " + bad) && e.getMessage().contains("[0, 10)"), e.getMessage());
        }
        float[] second = new float[first.length];
        s.run(good, 3, second);
        assertArrayEquals(reference, second, "the refused runs changed the carried state");
        Model.Stream stream = m.newStream();
        assertThrows(IllegalArgumentException.class, () -> stream.step(new float[] {11}, 0, new float[3], 0));
    }

    @Test
    void anEmbeddingNeedsTokenIdsAndTheFirstPlace() {
        SplittableRandom r = new SplittableRandom(6);
        Map<String, List<Tensor>> w = Map.of("emb", List.of(new Tensor("embeddings", new int[] {10, 4}, random(r, 40, 1))),
                "gru", recurrentWeights(r, 4, 3, 3));
        String gru = "{\"class_name\":\"GRU\",\"config\":{\"name\":\"gru\",\"units\":3,\"reset_after\":false}}";
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> KerasModels.fromConfig(model(input(5, 4), embedding(false), gru),
                "3.15.1", w));
        assertTrue(e.getMessage().contains("token ids"), e.getMessage());
        ModelFormatException wrongShape = assertThrows(ModelFormatException.class, () -> KerasModels.fromConfig(model(IDS, embedding(false), gru),
                "3.15.1", Map.of("emb", List.of(new Tensor("embeddings", new int[] {4, 10}, random(r, 40, 1))), "gru", w.get("gru"))));
        assertTrue(wrongShape.getMessage().contains("embeddings") && wrongShape.getMessage().contains("[10, 4]"), wrongShape.getMessage());
    }

    /** {@code using(scalar)} runs everything on the scalar specification, the dense layers' activations included. */
    @Test
    void aModelOnTheScalarKernelsRunsItsActivationsThereToo() throws ModelFormatException {
        SplittableRandom r = new SplittableRandom(8);
        List<Tensor> rnn = recurrentWeights(r, 3, 6, 1);
        List<Tensor> dense = List.of(new Tensor("k", new int[] {6, 5}, random(r, 30, 1.5)), new Tensor("b", new int[] {5}, random(r, 5, 0.5)));
        String simple = "{\"class_name\":\"SimpleRNN\",\"config\":{\"name\":\"s\",\"units\":6}}";
        String tanh = "{\"class_name\":\"Dense\",\"config\":{\"name\":\"d\",\"units\":5,\"activation\":\"tanh\"}}";
        String linear = tanh.replace("tanh", "linear");
        io.github.panamarnn.kernels.Kernels scalar = io.github.panamarnn.kernels.KernelProvider.scalar();
        Model withTanh = KerasModels.fromConfig(model(input(4, 3), simple, tanh), "3", Map.of("s", rnn, "d", dense)).using(scalar);
        Model pre = KerasModels.fromConfig(model(input(4, 3), simple, linear), "3", Map.of("s", rnn, "d", dense)).using(scalar);
        float[] x = random(r, 2 * 4 * 3, 2);
        float[] y = new float[withTanh.outputLength(2, 4)];
        float[] z = new float[y.length];
        withTanh.newSession(2, 4).run(x, 4, y);
        pre.newSession(2, 4).run(x, 4, z);
        float[] want = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            want[i] = (float) Math.tanh(z[i]); // the scalar specification: the activation's exact value, rounded once
        }
        assertArrayEquals(want, y);
        float[] stream = new float[5];
        Model.Stream s = withTanh.newStream();
        for (int t = 0; t < 4; t++) {
            s.step(x, t * 3, stream, 0);
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(want, 0, 5), stream);
    }

    private static String functional(String outputs, String... layers) {
        return "{\"class_name\":\"Functional\",\"config\":{\"name\":\"f\",\"layers\":[" + String.join(",", layers) + "],"
                + "\"output_layers\":" + outputs + "}}";
    }

    private static String node(String cls, String name, String config, String from, int tensor) {
        return "{\"class_name\":\"" + cls + "\",\"name\":\"" + name + "\",\"config\":{\"name\":\"" + name + "\"," + config + "},"
                + "\"inbound_nodes\":[[[\"" + from + "\",0," + tensor + ",{}]]]}";
    }

    private static final String FINPUT = "{\"class_name\":\"InputLayer\",\"name\":\"x\",\"config\":{\"name\":\"x\",\"batch_shape\":[null,null,3]},"
            + "\"inbound_nodes\":[]}";

    @Test
    void graphsAChainCannotHoldAreRefusedNamingWhy() {
        SplittableRandom r = new SplittableRandom(7);
        Map<String, List<Tensor>> w = Map.of("l", recurrentWeights(r, 3, 4, 4), "d", List.of(new Tensor("k", new int[] {4, 2}, random(r, 8, 1))),
                "bi", concat(recurrentWeights(r, 3, 4, 1), recurrentWeights(r, 3, 4, 1)));
        String lstmState = "\"units\":4,\"return_sequences\":true,\"return_state\":true";
        String dense = "\"units\":2,\"use_bias\":false";
        // return_state is fine while only the output is read ...
        assertRefused(null, functional("[[\"d\",0,0]]", FINPUT, node("LSTM", "l", lstmState, "x", 0), node("Dense", "d", dense, "l", 0)), w);
        // ... not when a layer reads a state, or the model returns one
        assertRefused("reads output 1", functional("[[\"d\",0,0]]", FINPUT, node("LSTM", "l", lstmState, "x", 0), node("Dense", "d", dense, "l", 1)), w);
        assertRefused("state tensors", functional("[[\"l\",0,0],[\"l\",0,1],[\"l\",0,2]]", FINPUT, node("LSTM", "l", lstmState, "x", 0)), w);
        assertRefused("inside a Sequential", model(input(-1, 3).replace("-1", "null"), "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"l\","
                + lstmState + "}}", "{\"class_name\":\"Dense\",\"config\":{\"name\":\"d\"," + dense + "}}"), w);
        String biNone = "{\"class_name\":\"Bidirectional\",\"config\":{\"name\":\"bi\",\"merge_mode\":null,\"layer\":{\"class_name\":\"SimpleRNN\","
                + "\"config\":{\"name\":\"s\",\"units\":4,\"return_sequences\":true}}}}";
        assertRefused("only the model's last layer", model(input(-1, 3).replace("-1", "null"), biNone,
                "{\"class_name\":\"Dense\",\"config\":{\"name\":\"d\"," + dense + "}}"), w);
        assertRefused(null, model(input(-1, 3).replace("-1", "null"), biNone), w);
        String peephole = "{\"class_name\":\"RNN\",\"config\":{\"name\":\"l\",\"cell\":{\"class_name\":\"PeepholeLSTMCell\",\"config\":{\"units\":4}}}}";
        assertRefused("PeepholeLSTMCell", model(input(-1, 3).replace("-1", "null"), peephole), w);
        for (String act : new String[] {"softmax", "threshold", "tanh_shrink"}) {
            assertRefused(act, model(input(-1, 3).replace("-1", "null"), "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"l\",\"units\":4,"
                    + "\"activation\":\"" + act + "\"}}"), w);
        }
    }

    private static List<Tensor> concat(List<Tensor> a, List<Tensor> b) {
        List<Tensor> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** {@code expected == null}: the config loads; otherwise it is refused with a message containing it. */
    private static void assertRefused(String expected, String config, Map<String, List<Tensor>> w) {
        if (expected == null) {
            try {
                KerasModels.fromConfig(config, "3.15.1", w);
            } catch (ModelFormatException e) {
                throw new AssertionError("refused " + config + ": " + e.getMessage(), e);
            }
            return;
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> KerasModels.fromConfig(config, "3.15.1", w), config);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
