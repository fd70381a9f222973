package io.github.panamarnn.tests.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library on the module path alone (no class path, no {@code --add-modules ALL-MODULE-PATH}):
 * a small program in its own JVM loads a model of every format and runs it. jHDF is an automatic
 * module whose own dependencies only resolve because {@code io.github.panamarnn.formats} requires
 * them; this is the test that fails without that.
 */
class ModulePathTest {
    @TempDir
    Path dir;

    private static final Path MODELS = Path.of(System.getProperty("rnn.models.dir", "../shared/models"));
    private static final String[] LIBRARY = {"kernels", "cells", "unroll", "model", "formats"};
    private static final String[] THIRD_PARTY = {"jackson-databind", "jackson-core", "jackson-annotations", "jhdf", "commons-lang3", "slf4j-api",
        "slf4j-nop", "compress-lzf", "lz4-java"};

    @Test
    void everyFormatLoadsAndRunsOnTheModulePath() throws IOException, InterruptedException {
        String version = System.getProperty("panamarnn.projectVersion");
        Path mp = Files.createDirectories(dir.resolve("mp"));
        for (String m : LIBRARY) {
            Path jar = Path.of("..", m, "target", "panama-rnn-" + m + "-" + version + ".jar");
            assertTrue(Files.isRegularFile(jar), "no " + jar.toAbsolutePath() + " (the reactor builds it before this module)");
            Files.copy(jar, mp.resolve(jar.getFileName()));
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            for (String t : THIRD_PARTY) {
                if (name.startsWith(t + "-") && name.endsWith(".jar")) {
                    Files.copy(Path.of(entry), mp.resolve(name));
                }
            }
        }
        Path program = dir.resolve("Load.java");
        Files.writeString(program, """
                import io.github.panamarnn.formats.*;
                import io.github.panamarnn.formats.onnx.*;
                import io.github.panamarnn.model.Model;
                import java.nio.file.Path;
                import java.util.Map;
                public class Load {
                    public static void main(String[] args) throws Exception {
                        for (String a : args) {
                            Path p = Path.of(a);
                            if (a.endsWith(".onnx")) {
                                OnnxModel m = OnnxModel.read(p);
                                String in = m.inputs().get(0).name();
                                float[] y = new OnnxSession(m).run(Map.of(in, OnnxValue.of(in, new float[5 * 4], 1, 5, 4))).values().iterator().next().floats();
                                System.out.println("ran " + a + " " + y.length);
                            } else {
                                Model m = ModelFiles.load(p);
                                float[] y = new float[m.outputLength(1, 5)];
                                m.newSession(1, 5).run(new float[5 * m.inputSize()], 5, y);
                                System.out.println("ran " + a + " " + y.length);
                            }
                        }
                    }
                }
                """);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--module-path",
                mp.toString(), "--add-modules", "io.github.panamarnn.formats,jdk.incubator.vector", program.toString()));
        String[] models = {"keras/gru64.keras", "keras/gru64.h5", "torch/gru64.safetensors", "torch/gru64.npz", "onnx/gru64.onnx"};
        for (String m : models) {
            cmd.add(MODELS.resolve(m).toAbsolutePath().toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        for (String m : models) {
            assertTrue(out.contains("ran " + MODELS.resolve(m).toAbsolutePath()), m + " did not run:\n" + out);
        }
    }
}
