package io.github.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --precision} and {@code --threads} on bench, run and demo: the error against fp32 reported, bad values refused by name. */
class CliPrecisionTest {
    @TempDir
    static Path root;

    @BeforeAll
    static void files() throws IOException {
        CliTest.filesIn(root);
    }

    @Test
    void benchReportsTheErrorAgainstFp32() {
        CliTest.Outcome o = CliTest.cli("", "bench", "--cell", "lstm", "--units", "96", "--precision", "bf16", "--threads", "2",
                "--steps", "3000", "--warmup", "200", "--quiet");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("bf16 weights, 2 threads per step"), o.out() + o.err());
        assertTrue(o.out().matches("(?s).*accuracy vs fp32 \\(bf16, 2 thread\\(s\\).*max \\|difference\\| [0-9.e-]+.*"), o.out());
        // Two threads alone change no number.
        o = CliTest.cli("", "bench", "--cell", "gru", "--units", "96", "--threads", "2", "--steps", "2000", "--warmup", "100", "--quiet");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("identical, bit for bit"), o.out());
        o = CliTest.cli("", "bench", "--model", CliTest.model.toString(), "--precision", "int8", "--steps", "2000", "--warmup", "100", "--quiet");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("accuracy vs fp32 (int8"), o.out());
    }

    @Test
    void runAndDemoTakeThePrecision() {
        CliTest.Outcome fp32 = CliTest.cli("", "run", "--model", CliTest.model.toString(), "--input", CliTest.csv.toString(),
                "--columns", "ch0,ch1,ch2,ch3");
        CliTest.Outcome bf16 = CliTest.cli("", "run", "--model", CliTest.model.toString(), "--input", CliTest.csv.toString(),
                "--columns", "ch0,ch1,ch2,ch3", "--precision", "bf16");
        assertEquals(0, fp32.code(), fp32.err());
        assertEquals(0, bf16.code(), bf16.err());
        float a = Float.parseFloat(fp32.out().trim());
        float b = Float.parseFloat(bf16.out().trim());
        assertTrue(a != b && Math.abs(a - b) < 1e-2, a + " vs " + b);
        CliTest.Outcome demo = CliTest.cli("", "demo", "--precision", "int8", "--quiet");
        assertEquals(0, demo.code(), demo.err());
        assertTrue(demo.out().contains("int8 weights: the difference is the precision's cost"), demo.out());
    }

    @Test
    void badValuesAreRefusedByName() {
        CliTest.Outcome o = CliTest.cli("", "bench", "--cell", "lstm", "--units", "8", "--precision", "fp16");
        assertEquals(1, o.code());
        assertTrue(o.err().contains("precision 'fp16', expected fp32, bf16 or int8"), o.err());
        o = CliTest.cli("", "bench", "--cell", "lstm", "--units", "8", "--threads", "0");
        assertEquals(1, o.code());
        assertTrue(o.err().contains("--threads") && o.err().contains("0"), o.err());
    }
}
