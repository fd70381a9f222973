package io.github.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.model.Model;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI's {@code run} and {@code info} say about file options: several {@code --input} files
 * through one session (a stateful Keras model carries its state from one to the next, as two
 * {@code predict} calls do), and {@code --nonlinearity} for a PyTorch {@code nn.RNN} state_dict.
 */
class CliFileOptionsTest {
    @TempDir
    Path dir;

    static float[] random(SplittableRandom r, int n, double a) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-a, a);
        }
        return v;
    }

    static float[][] matrix(float[] v, int rows, int cols) {
        float[][] m = new float[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = Arrays.copyOfRange(v, i * cols, (i + 1) * cols);
        }
        return m;
    }

    /** A Keras 3 {@code .keras} archive: one stateful LSTM(6) over 4 features, last output only. */
    private Path statefulKeras() throws IOException {
        SplittableRandom r = new SplittableRandom(4);
        Path h5 = dir.resolve("model.weights.h5");
        try (WritableHdfFile f = HdfFile.write(h5)) {
            WritableGroup vars = f.putGroup("layers").putGroup("lstm").putGroup("vars");
            vars.putDataset("0", matrix(random(r, 4 * 24, 0.5), 4, 24));
            vars.putDataset("1", matrix(random(r, 6 * 24, 0.5), 6, 24));
            vars.putDataset("2", random(r, 24, 0.2));
        }
        String config = "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"s\",\"layers\":["
                + "{\"class_name\":\"InputLayer\",\"config\":{\"name\":\"x\",\"batch_shape\":[1,null,4]}},"
                + "{\"class_name\":\"LSTM\",\"config\":{\"name\":\"lstm\",\"units\":6,\"stateful\":true,\"return_sequences\":false}}]}}";
        return archive(dir.resolve("stateful.keras"), config, h5);
    }

    /** A Keras 3 {@code .keras} zip: the config, Keras 3.15.1 metadata and the weights file. */
    static Path archive(Path keras, String config, Path h5) throws IOException {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(keras))) {
            z.putNextEntry(new ZipEntry("config.json"));
            z.write(config.getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("metadata.json"));
            z.write("{\"keras_version\":\"3.15.1\"}".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("model.weights.h5"));
            z.write(Files.readAllBytes(h5));
        }
        return keras;
    }

    private static float[] parse(String out) {
        double[] d = out.lines().flatMap(l -> Arrays.stream(l.split(","))).mapToDouble(Double::parseDouble).toArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    @Test
    void severalInputsRunThroughOneStatefulSession() throws IOException {
        Path model = statefulKeras();
        SplittableRandom r = new SplittableRandom(8);
        float[] a = random(r, 5 * 4, 1);
        float[] b = random(r, 3 * 4, 1);
        float[] ab = new float[a.length + b.length];
        System.arraycopy(a, 0, ab, 0, a.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        Path pa = dir.resolve("a.npy");
        Path pb = dir.resolve("b.npy");
        Path pab = dir.resolve("ab.npy");
        NumPy.writeNpy(pa, a, 5, 4);
        NumPy.writeNpy(pb, b, 3, 4);
        NumPy.writeNpy(pab, ab, 8, 4);
        CliTest.Outcome both = CliTest.cli("", "run", "--model", model.toString(), "--input", pa.toString(), "--input", pb.toString());
        assertEquals(0, both.code(), both.err());
        float[] y = parse(both.out());
        assertEquals(12, y.length, both.out());
        float[] whole = parse(CliTest.cli("", "run", "--model", model.toString(), "--input", pab.toString()).out());
        float[] first = parse(CliTest.cli("", "run", "--model", model.toString(), "--input", pa.toString()).out());
        float[] alone = parse(CliTest.cli("", "run", "--model", model.toString(), "--input", pb.toString()).out());
        assertArrayEquals(first, Arrays.copyOfRange(y, 0, 6), "the first file's output");
        assertArrayEquals(whole, Arrays.copyOfRange(y, 6, 12), "the second file continues from the state the first left");
        assertNotEquals(Arrays.toString(alone), Arrays.toString(Arrays.copyOfRange(y, 6, 12)), "a fresh session would differ");
        // .npy output: the outputs stacked on a new first axis.
        Path out = dir.resolve("y.npy");
        assertEquals(1, CliTest.cli("", "run", "--model", model.toString(), "--input", pa.toString(), "--input", pb.toString(), "--output",
                out.toString()).code(), "different shapes cannot be stacked");
        assertEquals(0, CliTest.cli("", "run", "--model", model.toString(), "--input", pa.toString(), "--input", pa.toString(), "--output",
                out.toString()).code());
        assertArrayEquals(new int[] {2, 1, 6}, NumPy.readNpy(out).shape());
        CliTest.Outcome info = CliTest.cli("", "info", "--model", model.toString());
        assertTrue(info.out().contains("stateful:     yes"), info.out());
        CliTest.Outcome twice = CliTest.cli("", "run", "--model", model.toString(), "--model", model.toString(), "--input", pa.toString());
        assertEquals(1, twice.code());
        assertTrue(twice.err().contains("--model given twice"), twice.err());
    }

    /** A Keras 3 archive: Embedding(12, 4, mask_zero) then GRU(3), last output; token ids in, [batch, steps] .npy. */
    @Test
    void tokenIdModelsReadIdArrays() throws IOException {
        SplittableRandom r = new SplittableRandom(12);
        Path h5 = dir.resolve("emb.weights.h5");
        try (WritableHdfFile f = HdfFile.write(h5)) {
            WritableGroup layers = f.putGroup("layers");
            layers.putGroup("emb").putGroup("vars").putDataset("0", matrix(random(r, 12 * 4, 1), 12, 4));
            WritableGroup gru = layers.putGroup("gru").putGroup("cell").putGroup("vars");
            gru.putDataset("0", matrix(random(r, 4 * 9, 0.5), 4, 9));
            gru.putDataset("1", matrix(random(r, 3 * 9, 0.5), 3, 9));
            gru.putDataset("2", matrix(random(r, 18, 0.2), 2, 9));
        }
        String config = "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"s\",\"layers\":["
                + "{\"class_name\":\"InputLayer\",\"config\":{\"name\":\"x\",\"batch_shape\":[null,null]}},"
                + "{\"class_name\":\"Embedding\",\"config\":{\"name\":\"emb\",\"input_dim\":12,\"output_dim\":4,\"mask_zero\":true}},"
                + "{\"class_name\":\"GRU\",\"config\":{\"name\":\"gru\",\"units\":3}}]}}";
        Path keras = archive(dir.resolve("emb.keras"), config, h5);
        float[] ids = {3, 7, 0, 11, 1, 0, 0, 5, 2, 2};
        Path in = dir.resolve("ids.npy");
        NumPy.writeNpy(in, ids, 2, 5);
        CliTest.Outcome run = CliTest.cli("", "run", "--model", keras.toString(), "--input", in.toString());
        assertEquals(0, run.code(), run.err());
        Model m = ModelFiles.load(keras);
        float[] want = new float[m.outputLength(2, 5)];
        m.newSession(2, 5).run(ids, 5, want);
        assertArrayEquals(want, parse(run.out()));
        CliTest.Outcome info = CliTest.cli("", "info", "--model", keras.toString());
        assertTrue(info.out().contains("token ids") && info.out().contains("Embedding 12 ids -> 4, mask_zero"), info.out());
        NumPy.writeNpy(in, new float[] {3, 7, 12, 1}, 1, 4);
        CliTest.Outcome bad = CliTest.cli("", "run", "--model", keras.toString(), "--input", in.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("token id 12.0") && bad.err().contains("[0, 12)"), bad.err());
    }

    /** TF1 variables in an .npz: what they do not record is assumed and printed, or said with --tf1 (once, or once per layer). */
    @Test
    void tf1VariablesRunWithTheirOptions() throws IOException {
        SplittableRandom r = new SplittableRandom(21);
        Path npz = dir.resolve("tf1.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(npz))) {
            String[] names = {"rnn/basic_rnn_cell/kernel:0", "rnn/basic_rnn_cell/bias:0"};
            int[][] shapes = {{3 + 4, 4}, {4}};
            for (int i = 0; i < 2; i++) {
                Path one = dir.resolve("one.npy");
                NumPy.writeNpy(one, random(r, shapes[i].length == 2 ? 28 : 4, 0.7), shapes[i]);
                z.putNextEntry(new ZipEntry(names[i] + ".npy"));
                z.write(Files.readAllBytes(one));
            }
        }
        Path in = dir.resolve("x.npy");
        float[] x = random(r, 5 * 3, 1.5);
        NumPy.writeNpy(in, x, 5, 3);
        CliTest.Outcome info = CliTest.cli("", "info", "--model", npz.toString());
        assertTrue(info.out().contains("assumed:") && info.out().contains("forget_bias 1.0, activation tanh"), info.out());
        CliTest.Outcome relu = CliTest.cli("", "run", "--model", npz.toString(), "--input", in.toString(), "--tf1", "activation=relu");
        assertEquals(0, relu.code(), relu.err());
        Model m = ModelFiles.load(npz, io.github.panamarnn.formats.LoadOptions.DEFAULTS.withTf1(
                java.util.List.of(io.github.panamarnn.formats.tf1.Tf1Variables.Options.parse("activation=relu"))));
        float[] want = new float[m.outputLength(1, 5)];
        m.newSession(1, 5).run(x, 5, want);
        assertArrayEquals(want, parse(relu.out()));
        assertNotEquals(Arrays.toString(want), Arrays.toString(parse(CliTest.cli("", "run", "--model", npz.toString(), "--input",
                in.toString()).out())), "the option changed nothing");
        CliTest.Outcome bad = CliTest.cli("", "run", "--model", npz.toString(), "--input", in.toString(), "--tf1", "forget=1");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("--tf1") && bad.err().contains("'forget'"), bad.err());
    }

    /** A safetensors file of float32 tensors (little-endian, header then data). */
    static void safetensors(Path file, String[] names, int[][] shapes, float[][] data) throws IOException {
        StringBuilder h = new StringBuilder("{");
        long at = 0;
        for (int i = 0; i < names.length; i++) {
            long end = at + 4L * data[i].length;
            h.append(i == 0 ? "" : ",").append('"').append(names[i]).append("\":{\"dtype\":\"F32\",\"shape\":").append(Arrays.toString(shapes[i]))
                    .append(",\"data_offsets\":[").append(at).append(',').append(end).append("]}");
            at = end;
        }
        byte[] header = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        bytes.write(header);
        for (float[] d : data) {
            ByteBuffer bb = ByteBuffer.allocate(4 * d.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : d) {
                bb.putFloat(v);
            }
            bytes.write(bb.array());
        }
        try (OutputStream o = Files.newOutputStream(file)) {
            bytes.writeTo(o);
        }
    }

    @Test
    void nonlinearityOfATorchRnnIsAnOption() throws IOException {
        SplittableRandom r = new SplittableRandom(6);
        Path sd = dir.resolve("rnn.safetensors");
        safetensors(sd, new String[] {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0"},
                new int[][] {{5, 3}, {5, 5}, {5}, {5}}, new float[][] {random(r, 15, 0.9), random(r, 25, 0.9), random(r, 5, 0.5), random(r, 5, 0.5)});
        Path x = dir.resolve("x.npy");
        NumPy.writeNpy(x, random(r, 6 * 3, 2), 6, 3);
        CliTest.Outcome info = CliTest.cli("", "info", "--model", sd.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("assumed:") && info.out().contains("tanh"), info.out());
        CliTest.Outcome said = CliTest.cli("", "info", "--model", sd.toString(), "--nonlinearity", "relu");
        assertTrue(said.out().contains("assumed:      nothing"), said.out());
        float[] tanh = parse(CliTest.cli("", "run", "--model", sd.toString(), "--input", x.toString()).out());
        float[] relu = parse(CliTest.cli("", "run", "--model", sd.toString(), "--input", x.toString(), "--nonlinearity", "relu").out());
        float[] saidTanh = parse(CliTest.cli("", "run", "--model", sd.toString(), "--input", x.toString(), "--nonlinearity", "tanh").out());
        assertArrayEquals(tanh, saidTanh);
        assertNotEquals(Arrays.toString(tanh), Arrays.toString(relu));
        for (float v : relu) {
            assertTrue(v >= 0, "relu output " + v);
        }
        CliTest.Outcome bad = CliTest.cli("", "run", "--model", sd.toString(), "--input", x.toString(), "--nonlinearity", "gelu");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("gelu") && bad.err().contains("relu"), bad.err());
    }
}
