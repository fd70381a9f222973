package io.github.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxValue;
import io.github.panamarnn.formats.tensors.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line tool run in-process: every subcommand, its outputs against Keras's, and its user errors. */
class CliTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path csv;
    static float[] keras;

    record Outcome(int code, String out, String err) {
    }

    static Outcome cli(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int code = Main.run(args, in, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The demo model and rows of its series written under {@code root}, for a test class of its own. */
    static void filesIn(Path root) throws IOException {
        dir = Files.createDirectories(root.resolve("model"));
        files();
    }

    @BeforeAll
    static void files() throws IOException {
        model = dir.resolve("lstm64.keras");
        try (InputStream in = CliTest.class.getResourceAsStream("/demo/lstm64.keras")) {
            Files.copy(in, model);
        }
        keras = Main.readNpyResource("/demo/lstm64.stream_pred.npy");
        // Rows 8000..8050 of the telemetry series, with the series' own header.
        List<String> lines;
        try (InputStream in = CliTest.class.getResourceAsStream("/demo/telemetry.csv")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        StringBuilder sb = new StringBuilder(lines.get(0)).append('\n');
        for (int r = 8000; r <= 8050; r++) {
            sb.append(lines.get(r + 1)).append('\n');
        }
        csv = dir.resolve("rows.csv");
        Files.writeString(csv, sb);
    }

    static void close(float want, String got, String what) {
        float g = Float.parseFloat(got.trim());
        assertTrue(Math.abs(want - g) <= 2e-5 + 1e-5 * Math.abs(want), what + ": expected " + want + ", got " + g);
    }

    @Test
    void demoPredictsLikeKerasAndReportsLatency() {
        Outcome o = cli("", "demo", "--quiet");
        assertEquals(0, o.code, o.err);
        assertTrue(o.out.contains("RMSE over the 3,950 test windows: model 0.132"), o.out);
        assertTrue(o.out.contains("max |ours - Keras|") && o.out.contains("p99.9") && o.out.contains("bytes per step"), o.out);
    }

    @Test
    void infoDescribesTheModel() {
        Outcome o = cli("", "info", "--model", model.toString());
        assertEquals(0, o.code, o.err);
        assertTrue(o.out.contains("LSTM 64 units") && o.out.contains("17,729") && o.out.contains("kernels:") && o.out.contains("i,f,g,o"), o.out);
    }

    @Test
    void runOnACsvWindowGivesKerasPrediction() throws IOException {
        Path window = dir.resolve("window.csv");
        List<String> lines = Files.readAllLines(csv);
        Files.write(window, lines.subList(0, 51));
        Outcome o = cli("", "run", "--model", model.toString(), "--input", window.toString(), "--columns", "ch0,ch1,ch2,ch3");
        assertEquals(0, o.code, o.err);
        close(keras[0], o.out, "window 8000");
        Path npy = dir.resolve("out.npy");
        o = cli("", "run", "--model", model.toString(), "--input", window.toString(), "--columns", "1,2,3,4", "--output", npy.toString());
        assertEquals(0, o.code, o.err);
        Tensor t = NumPy.readNpy(npy);
        assertArrayEquals(new int[] {1, 1}, t.shape());
        close(keras[0], Float.toString(t.data()[0]), "window 8000 as .npy");
    }

    @Test
    void streamingPrintsEachOutputAsItComes() throws IOException {
        String rows = Files.readString(csv);
        Outcome o = cli(rows, "run", "--model", model.toString(), "--stream", "--window", "50", "--columns", "ch0,ch1,ch2,ch3");
        assertEquals(0, o.code, o.err);
        List<String> out = o.out.lines().toList();
        assertEquals(2, out.size(), o.out);
        close(keras[0], out.get(0), "window ending at row 8049");
        close(keras[1], out.get(1), "window ending at row 8050");
        o = cli(rows, "run", "--model", model.toString(), "--stream", "--columns", "ch0,ch1,ch2,ch3");
        assertEquals(0, o.code, o.err);
        out = o.out.lines().toList();
        assertEquals(51, out.size());
        close(keras[0], out.get(49), "stateful stream after 50 rows");
    }

    @Test
    void benchReportsTheDistribution() {
        Outcome o = cli("", "bench", "--cell", "lstm", "--units", "32", "--steps", "20000", "--warmup", "2000", "--quiet");
        assertEquals(0, o.code, o.err);
        assertTrue(o.out.contains("p99.99") && o.out.contains("SIMD vs scalar") && o.out.contains("bytes per step"), o.out);
        o = cli("", "bench", "--model", model.toString(), "--steps", "5000", "--warmup", "1000");
        assertEquals(0, o.code, o.err);
        assertTrue(o.out.contains("lstm64.keras step") && o.out.contains("SIMD vs scalar"), o.out);
        assertTrue(!o.err.contains("%"), "a progress bar into a stream that is not a terminal: " + o.err);
        o = cli("", "bench", "--model", model.toString(), "--steps", "5000", "--warmup", "1000", "--progress");
        assertTrue(o.err.contains("100%"), "progress bar on stderr when asked: " + o.err);
    }

    /**
     * A batch-major ONNX GRU of {@code h} units on 4 features, random weights from {@code seed}: its {@code Y_h} as the output
     * ({@code [batch, 1, h]}: runs in the interpreter), or with {@code squeezed} that axis removed ({@code [batch, h]}:
     * compiles to layers).
     */
    static OnnxModel gruGraph(long seed, int h, boolean squeezed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[3 * h * 4];
        float[] rr = new float[3 * h * h];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble(-0.5, 0.5);
        }
        for (int i = 0; i < rr.length; i++) {
            rr[i] = (float) r.nextDouble(-0.5, 0.5);
        }
        List<OnnxModel.Node> nodes = new java.util.ArrayList<>(List.of(new OnnxModel.Node("gru", "GRU", "", List.of("x", "W", "R"), List.of("", "y_h"),
                Map.of("hidden_size", OnnxModel.Attribute.of("hidden_size", h), "layout", OnnxModel.Attribute.of("layout", 1)))));
        if (squeezed) {
            nodes.add(new OnnxModel.Node("axes", "Constant", "", List.of(), List.of("axes"),
                    Map.of("value", OnnxModel.Attribute.of("value", OnnxValue.ofLongs(null, new long[] {1}, 1)))));
            nodes.add(new OnnxModel.Node("squeeze", "Squeeze", "", List.of("y_h", "axes"), List.of("y"), Map.of()));
        }
        return new OnnxModel("test", 8, 14, "", nodes, Map.of("W", OnnxValue.of("W", w, 1, 3 * h, 4), "R", OnnxValue.of("R", rr, 1, 3 * h, h)),
                List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new int[] {-1, -1, 4}, List.of("batch", "time", "4"))),
                List.of(squeezed ? new OnnxModel.ValueInfo("y", OnnxModel.FLOAT, new int[] {-1, h}, List.of("batch", String.valueOf(h)))
                        : new OnnxModel.ValueInfo("y_h", OnnxModel.FLOAT, new int[] {-1, 1, h}, List.of("batch", "1", String.valueOf(h)))));
    }

    @Test
    void onnxGraphsRunAndDescribe() throws IOException {
        int h = 5;
        OnnxModel m = gruGraph(3, h, false);
        Path file = dir.resolve("gru.onnx");
        Files.write(file, m.toBytes());
        Outcome o = cli("", "info", "--model", file.toString());
        assertEquals(0, o.code, o.err);
        assertTrue(o.out.contains("GRU 'gru'") && o.out.contains("opset 14"), o.out);
        Path window = dir.resolve("w.csv");
        Files.write(window, Files.readAllLines(csv).subList(0, 11));
        o = cli("", "run", "--model", file.toString(), "--input", window.toString(), "--columns", "ch0,ch1,ch2,ch3");
        assertEquals(0, o.code, o.err);
        assertEquals(h, o.out.trim().split(",").length, o.out);
        o = cli(Files.readString(window), "run", "--model", file.toString(), "--stream", "--columns", "ch0,ch1,ch2,ch3");
        assertEquals(1, o.code);
        assertTrue(o.err.contains("--window"), o.err);
        // The interpreter's session plans its buffers once: a benchmark of repeated windows allocates nothing per run (an
        // allocation per run is at least 16 bytes; the harness's own one-offs, a few hundred bytes in all, are below 1 per run).
        o = cli("", "bench", "--model", file.toString(), "--window", "10", "--steps", "40000", "--warmup", "5000", "--quiet");
        assertEquals(0, o.code, o.err);
        java.util.regex.Matcher perRun = java.util.regex.Pattern.compile("= ([0-9.]+) bytes per run").matcher(o.out);
        assertTrue(o.out.contains("ONNX interpreter") && perRun.find() && Double.parseDouble(perRun.group(1)) < 1.0, o.out);
    }

    @Test
    void userErrorsAreOneLineWithExitCode1() throws IOException {
        for (String[] args : List.of(new String[] {"run"}, new String[] {"frobnicate"}, new String[] {"info", "--model", dir.resolve("nope.keras").toString()},
                new String[] {"run", "--model", model.toString(), "--input", csv.toString()},
                new String[] {"bench", "--cell", "lstm"}, new String[] {"run", "--model", model.toString(), "--bogus", "1"},
                new String[] {"info", "--model", csv.toString()})) {
            Outcome o = cli("", args);
            assertEquals(1, o.code, String.join(" ", args) + ": " + o.err);
            assertEquals(1, o.err.lines().count(), String.join(" ", args) + ": " + o.err);
            assertTrue(o.err.startsWith("panama-rnn: "), o.err);
            assertFalse(o.err.contains("Exception") || o.err.contains("\tat "), o.err);
        }
        assertTrue(cli("", "run", "--model", model.toString(), "--input", csv.toString()).err.contains("--columns"));
        Path broken = dir.resolve("broken.keras");
        byte[] b = Files.readAllBytes(model);
        Files.write(broken, java.util.Arrays.copyOf(b, b.length / 3));
        Outcome o = cli("", "info", "--model", broken.toString());
        assertEquals(1, o.code, o.err);
        assertTrue(o.err.contains("broken.keras"), o.err);
        for (String c : List.of("run", "bench", "info", "demo")) {
            Outcome h = cli("", c, "--help");
            assertEquals(0, h.code);
            assertTrue(h.out.startsWith("usage: panama-rnn " + c), h.out);
        }
        assertEquals(0, cli("", "--help").code);
    }
}
