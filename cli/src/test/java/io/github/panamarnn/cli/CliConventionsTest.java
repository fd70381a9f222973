package io.github.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.kernels.KernelProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as people expect it: {@code --version}, {@code -h}/{@code --help} anywhere, usage on stderr unless asked, {@code -} for standard input and output. */
class CliConventionsTest {
    @TempDir
    static Path dir;
    static Path model;
    static String rows;

    @BeforeAll
    static void files() throws IOException {
        CliTest.filesIn(dir);
        model = CliTest.model;
        List<String> lines = Files.readAllLines(CliTest.csv);
        rows = String.join("\n", lines.subList(1, 11)) + "\n";
    }

    @Test
    void versionNamesTheLibraryAndItsKernels() {
        for (String flag : new String[] {"--version", "-V", "version"}) {
            CliTest.Outcome o = CliTest.cli("", flag);
            assertEquals(0, o.code(), o.err());
            assertTrue(o.out().startsWith("panama-rnn " + KernelProvider.version()) && o.out().contains(KernelProvider.get().name()), o.out());
        }
    }

    @Test
    void helpAnywhereUsageOnStderrWhenNotAsked() {
        CliTest.Outcome none = CliTest.cli("");
        assertEquals(1, none.code());
        assertTrue(none.out().isEmpty() && none.err().contains("usage:"), "usage not asked for goes to stderr");
        for (String[] args : new String[][] {{"run", "--model", "x.keras", "--help"}, {"run", "-h"}, {"bench", "--cell", "lstm", "-h"}}) {
            CliTest.Outcome o = CliTest.cli("", args);
            assertEquals(0, o.code(), String.join(" ", args) + ": " + o.err());
            assertTrue(o.out().contains("usage: panama-rnn " + args[0]), o.out());
        }
    }

    @Test
    void dashIsStandardInputAndOutput() {
        CliTest.Outcome viaDash = CliTest.cli(rows, "run", "--model", model.toString(), "--input", "-", "--output", "-", "--columns", "1,2,3,4");
        assertEquals(0, viaDash.code(), viaDash.err());
        CliTest.Outcome viaFile;
        try {
            Path p = dir.resolve("rows.csv");
            Files.writeString(p, rows);
            viaFile = CliTest.cli("", "run", "--model", model.toString(), "--input", p.toString(), "--columns", "1,2,3,4");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(viaFile.out(), viaDash.out());
    }
}
