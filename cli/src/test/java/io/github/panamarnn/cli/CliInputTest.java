package io.github.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Careless and hostile CSV input to {@code run} (issue 16): the header rule never eats a data line,
 * quoting, delimiters, a byte-order mark, ragged lines, bytes that are not UTF-8, an endless line,
 * too few rows for {@code --window}, directories given as files. Each user error is exit 1 and one
 * line on stderr naming the file and line; the good inputs give the same numbers as the plain CSV.
 */
class CliInputTest {
    @TempDir
    static Path dir;
    static Path model;
    static String header;
    static List<String> rows;
    static String plain;

    @BeforeAll
    static void files() throws IOException {
        CliTest.filesIn(dir);
        model = CliTest.model;
        List<String> lines = Files.readAllLines(CliTest.csv);
        header = lines.get(0);
        rows = lines.subList(1, 11);
        Path p = dir.resolve("plain.csv");
        Files.writeString(p, String.join("\n", rows) + "\n");
        CliTest.Outcome o = CliTest.cli("", "run", "--model", model.toString(), "--input", p.toString(), "--columns", "1,2,3,4");
        assertEquals(0, o.code(), o.err());
        plain = o.out();
    }

    private static CliTest.Outcome run(String name, byte[] content, String... extra) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        String[] args = new String[4 + extra.length];
        args[0] = "run";
        args[1] = "--model";
        args[2] = model.toString();
        args[3] = "--input=" + p;
        System.arraycopy(extra, 0, args, 4, extra.length);
        return CliTest.cli("", args);
    }

    private static CliTest.Outcome run(String name, String content, String... extra) throws IOException {
        return run(name, content.getBytes(StandardCharsets.UTF_8), extra);
    }

    private static void userError(CliTest.Outcome o, String... words) {
        assertEquals(1, o.code(), o.out() + o.err());
        assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
        for (String w : words) {
            assertTrue(o.err().contains(w), o.err());
        }
        assertFalse(o.err().contains("\tat "), "a stack trace: " + o.err());
    }

    @Test
    void goodVariantsGiveTheSameNumbers() throws IOException {
        String body = String.join("\n", rows) + "\n";
        assertEquals(plain, run("h.csv", header + "\n" + body, "--columns", "1,2,3,4").out(), "with its header");
        assertEquals(plain, run("bom.csv", "\uFEFF" + body, "--columns", "1,2,3,4").out(), "a BOM before a data line");
        assertEquals(plain, run("crlf.csv", body.replace("\n", "\r\n"), "--columns", "1,2,3,4").out(), "CRLF");
        assertEquals(plain, run("tab.tsv", body.replace(",", "\t"), "--columns", "1,2,3,4", "--delimiter", "tab").out(), "tabs");
        String quoted = body.lines().map(l -> "\"" + l.replace(",", "\",\"") + "\"").reduce("", (a, b) -> a + b + "\n");
        assertEquals(plain, run("q.csv", quoted, "--columns", "1,2,3,4").out(), "quoted cells");
    }

    @Test
    void theHeaderRuleNeverEatsADataLine() throws IOException {
        // A first data line with an empty cell or a typo has numeric cells: it is data, and its bad cell an error naming line 1.
        String[] first = rows.get(0).split(",");
        first[2] = "";
        userError(run("empty.csv", String.join(",", first) + "\n" + String.join("\n", rows.subList(1, rows.size())) + "\n", "--columns",
                "1,2,3,4"), "line 1", "column 2", "is not a number");
        first[2] = "0.1x";
        userError(run("typo.csv", String.join(",", first) + "\n" + String.join("\n", rows.subList(1, rows.size())) + "\n", "--columns",
                "1,2,3,4"), "line 1", "'0.1x'");
        // --header no: a non-numeric first line is data, and an error.
        userError(run("forced.csv", header + "\n" + rows.get(0) + "\n", "--columns", "1,2,3,4", "--header", "no"), "line 1", "is not a number");
    }

    @Test
    void raggedLinesAndDuplicateNamesAreErrors() throws IOException {
        userError(run("extra.csv", rows.get(0) + "\n" + rows.get(1) + ",9\n", "--columns", "1,2,3,4"), "line 2", "7 cells, expected 6");
        String dup = header.replaceFirst("ch1", "ch0");
        userError(run("dup.csv", dup + "\n" + rows.get(0) + "\n", "--columns", "ch0,ch2,ch3,ch4"), "'ch0' twice");
        userError(run("open.csv", "\"1,2\n", "--columns", "1,2,3,4"), "line 1", "not closed");
    }

    /**
     * A batch larger than one chunk of session buffers runs in chunks, to the numbers of one session over the whole batch
     * (within 1e-6: a row's last bit can depend on which register block of the batched product it falls in).
     */
    @Test
    void largeBatchesRunInChunksToTheSameNumbers() throws IOException {
        int batch = 2 * (int) (LoadedModel.CHUNK_VALUES / (50 * 64)) + 7; // two full chunks and a short one
        float[] x = new float[batch * 50 * 4];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        Path in = dir.resolve("big.npy");
        Path out = dir.resolve("big-out.npy");
        io.github.panamarnn.formats.tensors.NumPy.writeNpy(in, x, batch, 50, 4);
        CliTest.Outcome o = CliTest.cli("", "run", "--model", model.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, o.code(), o.err());
        io.github.panamarnn.model.Model m = io.github.panamarnn.formats.ModelFiles.load(model);
        float[] want = new float[m.outputLength(batch, 50)];
        m.newSession(batch, 50).run(x, 50, want);
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, io.github.panamarnn.formats.tensors.NumPy.readNpy(out).data(), 1e-6f);
    }

    @Test
    void bytesLengthsWindowsAndPaths() throws IOException {
        byte[] latin1 = (header + "\n" + rows.get(0) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bad = new byte[latin1.length + 2];
        System.arraycopy(latin1, 0, bad, 0, latin1.length);
        bad[latin1.length] = (byte) 0xE9; // Latin-1 'é', not UTF-8
        bad[latin1.length + 1] = '\n';
        userError(run("latin1.csv", bad, "--columns", "1,2,3,4"), "line 3", "not UTF-8");
        String endless = "1".repeat(Csv.MAX_LINE + 10);
        CliTest.Outcome longLine = run("long.csv", endless, "--columns", "1,2,3,4");
        userError(longLine, "line 1", "longer than");
        assertTrue(longLine.err().length() < 500, "the line was echoed: " + longLine.err().length() + " characters");
        userError(CliTest.cli(String.join("\n", rows.subList(0, 3)) + "\n", "run", "--model", model.toString(), "--stream", "--window", "5",
                "--columns", "1,2,3,4"), "3 rows, fewer than --window 5");
        userError(CliTest.cli("", "run", "--model", model.toString(), "--input", dir.toString()), dir.toString());
        userError(CliTest.cli("", "run", "--model", dir.toString(), "--input", "x.csv"), dir.toString(), "directory");
        Path in = dir.resolve("ok.csv");
        Files.writeString(in, String.join("\n", rows) + "\n");
        userError(CliTest.cli("", "run", "--model", model.toString(), "--input", in.toString(), "--columns", "1,2,3,4", "--output", dir.toString()),
                "is a directory");
        userError(CliTest.cli("", "run", "--model", model.toString(), "--input", in.toString(), "--columns", "1,2,3,4", "--output",
                dir.resolve("no/such/folder/y.csv").toString()), "does not exist");
    }

    @Test
    void columnsWithAnNpyInputIsAnError() throws IOException {
        Path npy = dir.resolve("x.npy");
        io.github.panamarnn.formats.tensors.NumPy.writeNpy(npy, new float[2 * 3 * 4], new int[] {2, 3, 4});
        userError(CliTest.cli("", "run", "--model", model.toString(), "--input", npy.toString(), "--columns", "1,2,3,4"), "x.npy",
                "--columns picks CSV columns");
    }
}
