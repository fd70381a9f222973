package io.github.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.OnnxModel;
import io.github.panamarnn.formats.OnnxTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An ONNX graph that compiles to layers: `info` says so, `run --stream` streams it row by row, and its last row equals a window run. */
class CliOnnxLayersTest {
    @TempDir
    static Path root;

    @BeforeAll
    static void files() throws IOException {
        CliTest.filesIn(root);
    }

    @Test
    void compiledOnnxGraphsStream() throws IOException {
        SplittableRandom r = new SplittableRandom(5);
        int h = 5;
        float[] w = new float[3 * h * 4];
        float[] rr = new float[3 * h * h];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble(-0.5, 0.5);
        }
        for (int i = 0; i < rr.length; i++) {
            rr[i] = (float) r.nextDouble(-0.5, 0.5);
        }
        OnnxModel.Node gru = new OnnxModel.Node("gru", "GRU", "", List.of("x", "W", "R"), List.of("", "y_h"),
                Map.of("hidden_size", OnnxModel.Attribute.of("hidden_size", h), "layout", OnnxModel.Attribute.of("layout", 1)));
        OnnxModel.Node axes = new OnnxModel.Node("axes", "Constant", "", List.of(), List.of("axes"),
                Map.of("value", OnnxModel.Attribute.of("value", OnnxTensor.ofLongs(null, new long[] {1}, 1))));
        OnnxModel.Node squeeze = new OnnxModel.Node("squeeze", "Squeeze", "", List.of("y_h", "axes"), List.of("y"), Map.of());
        OnnxModel m = new OnnxModel("test", 8, 14, "", List.of(gru, axes, squeeze),
                Map.of("W", OnnxTensor.of("W", w, 1, 3 * h, 4), "R", OnnxTensor.of("R", rr, 1, 3 * h, h)),
                List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new int[] {-1, -1, 4}, List.of("batch", "time", "4"))),
                List.of(new OnnxModel.ValueInfo("y", OnnxModel.FLOAT, new int[] {-1, h}, List.of("batch", "5"))));
        Path file = root.resolve("gru-layers.onnx");
        Files.write(file, m.toBytes());
        CliTest.Outcome o = CliTest.cli("", "info", "--model", file.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("compiled to layers") && o.out().contains("opset 14") && o.out().contains("streamable:   yes"), o.out());
        Path window = root.resolve("w.csv");
        List<String> lines = Files.readAllLines(CliTest.csv).subList(0, 11);
        Files.write(window, lines);
        CliTest.Outcome stream = CliTest.cli(Files.readString(window), "run", "--model", file.toString(), "--stream", "--columns", "ch0,ch1,ch2,ch3");
        assertEquals(0, stream.code(), stream.err());
        String[] rows = stream.out().trim().split("\n");
        assertEquals(10, rows.length, stream.out());
        CliTest.Outcome whole = CliTest.cli("", "run", "--model", file.toString(), "--input", window.toString(), "--columns", "ch0,ch1,ch2,ch3");
        assertEquals(0, whole.code(), whole.err());
        String[] a = rows[9].split(",");
        String[] b = whole.out().trim().split(",");
        assertEquals(h, a.length);
        for (int j = 0; j < h; j++) {
            float x = Float.parseFloat(a[j]);
            float y = Float.parseFloat(b[j]);
            assertTrue(Math.abs(x - y) <= 1e-5 + 1e-5 * Math.abs(y), "unit " + j + ": streamed " + x + ", window " + y);
        }
    }
}
