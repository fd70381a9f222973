package io.github.panamarnn.tests.cases;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every reference case computed by a real framework (TensorFlow, Keras, TF.js, PyTorch, ONNX,
 * onnxruntime) under {@code rnn.cases.dir} (default {@code ../shared/cases}), run through the
 * library's public API and compared with the case's tolerances. Prints one line per family:
 * {@code cases FAMILY: N passed, N failed, N skipped}. A skip always states its reason.
 */
class ReferenceCasesTest {
    private static final Path DIR = Path.of(System.getProperty("rnn.cases.dir", "../shared/cases"));
    /** family -> {passed, failed, skipped}. */
    private static final Map<String, int[]> COUNTS = new TreeMap<>();

    @TestFactory
    Stream<DynamicTest> referenceCases() throws IOException {
        assertTrue(Files.isDirectory(DIR), "no reference cases at " + DIR.toAbsolutePath() + " (set -Drnn.cases.dir)");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(DIR)) {
            files = walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertTrue(!files.isEmpty(), "no case files under " + DIR.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(DIR.relativize(f).toString(), () -> check(f)));
    }

    private static void check(Path file) throws IOException {
        String family = DIR.relativize(file).getName(0).toString();
        int[] counts;
        synchronized (COUNTS) {
            counts = COUNTS.computeIfAbsent(family, k -> new int[3]);
        }
        ReferenceCase c = new ReferenceCase(file, family);
        CaseRunner.Got got;
        try {
            got = CaseRunner.run(c);
        } catch (CaseRunner.Skip s) {
            // A case this library cannot run is a failure, never a skip: the promise is the framework's numbers or a refusal
            // of the file, and a reference case is a file a user could bring.
            counts[1]++;
            throw new AssertionError(c.id + ": cannot be run: " + s.getMessage(), s);
        } catch (RuntimeException | Error e) {
            counts[1]++;
            throw e;
        }
        try {
            compare(c, got);
            counts[0]++;
        } catch (AssertionError e) {
            counts[1]++;
            throw e;
        }
    }

    /**
     * The number of steps a case really runs: {@code config.timesteps} where the case states it (summed over the calls of
     * a stateful case), else the time axis of its
     * rank-3 input ({@code X} time-major unless ONNX {@code layout = 1}; {@code x} batch-major unless
     * {@code time_major} or PyTorch without {@code batch_first}).
     */
    static int steps(ReferenceCase c) {
        if (c.config.path("timesteps").isInt()) {
            return c.config.path("timesteps").asInt();
        }
        if (c.config.path("timesteps").isArray()) { // several calls carrying one state: the steps add up
            int total = 0;
            for (var t : c.config.path("timesteps")) {
                total += t.asInt();
            }
            return total;
        }
        var t = c.inputs.has("X") ? c.inputs.get("X") : c.inputs.get("x");
        if (t == null) {
            throw new AssertionError(c.id + ": no input X or x to count the steps of");
        }
        int[] shape = ReferenceCase.shape(t);
        if (shape.length != 3) {
            return 1;
        }
        boolean timeMajor = switch (c.semantics) {
            case "onnx" -> c.config.path("layout").asInt(c.config.path("attributes_as_in_model").path("layout").asInt(0)) == 0;
            case "torch" -> !c.config.path("batch_first").asBoolean(false);
            default -> c.config.path("time_major").asBoolean(false);
        };
        return timeMajor ? shape[0] : shape[1];
    }

    /** atol, rtol from the cases README by kind: single step, T <= 10, T > 10 or units >= 32. */
    static double[] tolerance(ReferenceCase c) {
        int steps = steps(c);
        int units = Math.max(c.config.path("units").asInt(0), Math.max(c.config.path("num_units").asInt(0),
                c.config.path("hidden_size").asInt(0)));
        if (c.config.path("mode").asText().equals("single_step") || steps == 1) {
            return new double[] {1e-5, 1e-5};
        }
        if (steps > 10 || units >= 32) {
            return new double[] {5e-5, 1e-4};
        }
        return new double[] {2e-5, 1e-4};
    }

    static void compare(ReferenceCase c, CaseRunner.Got got) {
        double[] tol = tolerance(c);
        StringBuilder errors = new StringBuilder();
        var names = c.expected.properties().stream().map(java.util.Map.Entry::getKey).iterator();
        while (names.hasNext()) {
            String name = names.next();
            float[] exp = ReferenceCase.floats(c.expected.get(name));
            int[] shape = ReferenceCase.shape(c.expected.get(name));
            CaseRunner.Result r = got.get(name);
            if (r == null) {
                errors.append("\n  ").append(name).append(": not produced (got ").append(got.keySet()).append(')');
                continue;
            }
            float[] g = r.data();
            if (!Arrays.equals(r.shape(), shape)) {
                errors.append("\n  ").append(name).append(": shape ").append(Arrays.toString(shape)).append(" expected, the library produced ")
                        .append(Arrays.toString(r.shape()));
                continue;
            }
            if (g.length != exp.length) {
                errors.append("\n  ").append(name).append(": shape ").append(Arrays.toString(shape)).append(" = ").append(exp.length)
                        .append(" values expected, got ").append(g.length);
                continue;
            }
            for (int i = 0; i < exp.length; i++) {
                double diff = Math.abs(g[i] - exp[i]);
                // Exact zeros compare exactly: outputs past a sequence length (or at a zero-padded masked step) must be 0.0.
                boolean ok = exp[i] == 0f ? g[i] == 0f : diff <= tol[0] + tol[1] * Math.abs(exp[i]);
                if (!ok) {
                    errors.append("\n  ").append(name).append(" flat index ").append(i).append(" ").append(Arrays.toString(unravel(i, shape)))
                            .append(": expected ").append(exp[i]).append(", got ").append(g[i]).append(", |diff| ").append(diff);
                    break;
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new AssertionError(c.id + " (atol " + tol[0] + ", rtol " + tol[1] + "):" + errors);
        }
    }

    static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    @AfterAll
    static void summary() {
        synchronized (COUNTS) {
            for (Map.Entry<String, int[]> e : COUNTS.entrySet()) {
                int[] n = e.getValue();
                System.out.println("cases " + e.getKey() + ": " + n[0] + " passed, " + n[1] + " failed, " + n[2] + " skipped");
            }
        }
    }
}
