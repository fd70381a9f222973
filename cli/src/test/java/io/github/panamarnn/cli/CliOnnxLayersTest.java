package io.github.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.onnx.OnnxModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        int h = 5;
        OnnxModel m = CliTest.gruGraph(5, h, true);
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
