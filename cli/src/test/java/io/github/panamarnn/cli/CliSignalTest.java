package io.github.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM ends the tool promptly, busy or waiting: a benchmark of a billion steps, and a stream reading a standard
 * input that stays open. The tool runs in a child JVM; the test waits for its first line (it is working), sends
 * SIGTERM ({@code kill -TERM}), and requires the exit with code 143 (128 + SIGTERM). The one-minute limits only
 * catch a hang; nothing is asserted about how long the work takes.
 */
class CliSignalTest {
    private static final Path MODELS = Path.of("..", "..", "shared", "models").toAbsolutePath().normalize();

    private static Process start(List<String> args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the child's output until a line contains {@code marker} (at most a minute). */
    private static void awaitLine(Process p, String marker) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        StringBuilder seen = new StringBuilder();
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            seen.append(line).append('\n');
            if (line.contains(marker)) {
                // Drain the rest in the background so the child never blocks on a full pipe.
                Thread drain = new Thread(() -> {
                    try {
                        while (r.readLine() != null) {
                            // discard
                        }
                    } catch (java.io.IOException e) {
                        // the child ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return;
            }
            assertTrue(System.nanoTime() < deadline, "no '" + marker + "' within a minute:\n" + seen);
        }
        throw new AssertionError("the tool ended before printing '" + marker + "':\n" + seen);
    }

    /** SIGTERM by {@code kill}, as a shell or a service manager sends it ({@code Process.destroy()} would also close the child's stdin). */
    private static void terminate(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -TERM " + p.pid());
        assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the tool did not end within a minute of SIGTERM");
        assertEquals(143, p.exitValue(), "exit code after SIGTERM");
    }

    @Test
    void sigtermEndsABenchmarkInProgress() throws Exception {
        Process p = start(List.of("bench", "--cell", "lstm", "--units", "256", "--steps", "1000000000", "--quiet"));
        try {
            awaitLine(p, "kernels:");
            terminate(p);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void sigtermEndsAStreamWaitingForInput() throws Exception {
        Process p = start(List.of("run", "--model", MODELS.resolve("keras/lstm64.keras").toString(), "--stream"));
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write("0.1,0.2,0.3,0.4\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            // One prediction out: the stream works and now waits on the open input.
            awaitNumber(p);
            terminate(p);
        } finally {
            p.destroyForcibly();
        }
    }

    private static void awaitNumber(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            seen.append(line).append('\n');
            if (line.trim().matches("-?[0-9].*")) {
                return;
            }
        }
        throw new AssertionError("no prediction before the tool ended:\n" + seen);
    }
}
