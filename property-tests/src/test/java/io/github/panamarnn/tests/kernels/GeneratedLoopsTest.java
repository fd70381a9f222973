package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code PanamaLoops.java} is exactly what {@code kernels/tools/generate_loops.py} writes: the
 * generator is run in check mode, so a hand edit of the generated file (which would drift from the
 * one definition of each approximation) fails the build.
 */
class GeneratedLoopsTest {
    @Test
    void theGeneratedLoopsAreWhatTheGeneratorWrites() throws IOException, InterruptedException {
        Path generator = Path.of("..", "kernels", "tools", "generate_loops.py").toAbsolutePath().normalize();
        assertEquals(true, Files.isRegularFile(generator), "no generator at " + generator);
        Process p;
        try {
            p = new ProcessBuilder("python3", generator.toString(), "--check").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("python3 is needed to check the generated kernel loops (" + e.getMessage() + ")", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS), "the generator did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
    }
}
