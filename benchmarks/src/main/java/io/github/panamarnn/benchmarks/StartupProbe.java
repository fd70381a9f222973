package io.github.panamarnn.benchmarks;

import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.model.Model;
import java.lang.management.ManagementFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A service's first calls, from a cold JVM: JVM start to the model loaded, the first step, and the median step of
 * successive windows of steps until the steady state, all in one line of {@code key=value} (nanoseconds unless named).
 * Run once per JVM; {@code ./panama startup} runs it plain and with a JDK 25 AOT cache, alternated, and tabulates.
 *
 * <pre>  java --add-modules=jdk.incubator.vector -cp benchmarks.jar io.github.panamarnn.benchmarks.StartupProbe MODEL [STEPS]</pre>
 */
public final class StartupProbe {
    private StartupProbe() {
    }

    /**
     * Loads MODEL, streams STEPS steps (default 100,000) of a fixed input and prints the timings; or, with
     * {@code --table RUNS OUT}, turns the lines of many runs (each prefixed with its configuration and a tab) into a
     * markdown table of medians.
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--kernels")) {
            System.out.println(io.github.panamarnn.kernels.KernelProvider.describe());
            return;
        }
        if (args.length == 3 && args[0].equals("--table")) {
            table(Path.of(args[1]), Path.of(args[2]));
            return;
        }
        long mainAt = System.currentTimeMillis();
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long t0 = System.nanoTime();
        Model m = ModelFiles.load(Path.of(args[0]));
        long loaded = System.nanoTime() - t0;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        Model.Stream s = m.newStream();
        float[] x = new float[m.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.25f + 0.01f * i;
        }
        float[] y = new float[m.outputSize()];
        long[] t = new long[steps];
        long sink = 0;
        for (int i = 0; i < steps; i++) {
            long a = System.nanoTime();
            s.step(x, 0, y, 0);
            t[i] = System.nanoTime() - a;
            sink += Float.floatToRawIntBits(y[0]);
        }
        // The steady state: the median of the last tenth; reached at the first window of 1,000 steps whose median is within 1.2x of it.
        long steady = median(t, steps - steps / 10, steps);
        int reached = -1;
        for (int w = 0; w + 1000 <= steps; w += 1000) {
            if (median(t, w, w + 1000) <= 1.2 * steady) {
                reached = w;
                break;
            }
        }
        long until = 0;
        for (int i = 0; i < Math.max(0, reached); i++) {
            until += t[i];
        }
        System.out.printf(Locale.ROOT, "jvm_to_main_ms=%d load=%d first=%d median_2_10=%d median_10_100=%d median_100_1000=%d median_1000_10000=%d "
                        + "steady=%d steady_from_step=%d time_to_steady=%d kernels=%s sink=%d%n",
                mainAt - jvmStart, loaded, t[0], median(t, 1, 10), median(t, 10, 100), median(t, 100, 1000), median(t, 1000, Math.min(steps, 10_000)),
                steady, reached, until, KernelProvider.get().name().replace(' ', '_'), sink & 1);
    }

    private static final String[] COLUMNS = {"jvm_to_main_ms", "load", "first", "median_2_10", "median_10_100", "median_100_1000",
        "median_1000_10000", "steady", "steady_from_step", "time_to_steady"};
    private static final String[] HEADERS = {"JVM start to main (ms)", "model load (ms)", "first step (us)", "steps 2-10 (us)",
        "steps 10-100 (us)", "steps 100-1,000 (us)", "steps 1,000-10,000 (us)", "steady step (us)", "steady from step",
        "time to steady (ms)"};
    private static final double[] SCALE = {1, 1e6, 1e3, 1e3, 1e3, 1e3, 1e3, 1e3, 1, 1e6};

    private static void table(Path runs, Path out) throws IOException {
        Map<String, List<Map<String, Long>>> byConfig = new LinkedHashMap<>();
        for (String line : Files.readAllLines(runs)) {
            int tab = line.indexOf('\t');
            if (tab < 0 || !line.contains("steady=")) {
                continue;
            }
            Map<String, Long> v = new HashMap<>();
            for (String kv : line.substring(tab + 1).trim().split(" ")) {
                int eq = kv.indexOf('=');
                if (eq > 0 && kv.substring(eq + 1).matches("-?[0-9]+")) {
                    v.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
                }
            }
            byConfig.computeIfAbsent(line.substring(0, tab), k -> new ArrayList<>()).add(v);
        }
        StringBuilder md = new StringBuilder("| JVM options | runs");
        for (String h : HEADERS) {
            md.append(" | ").append(h);
        }
        md.append(" |\n|---|---").append("|---".repeat(HEADERS.length)).append("|\n");
        for (var e : byConfig.entrySet()) {
            md.append("| ").append(e.getKey().isEmpty() ? "(none)" : "`" + e.getKey() + "`").append(" | ").append(e.getValue().size());
            for (int c = 0; c < COLUMNS.length; c++) {
                long[] xs = new long[e.getValue().size()];
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = e.getValue().get(i).getOrDefault(COLUMNS[c], -1L);
                }
                Arrays.sort(xs);
                double med = xs.length % 2 == 1 ? xs[xs.length / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2.0;
                md.append(String.format(Locale.ROOT, " | %,.1f", med / SCALE[c]));
            }
            md.append(" |\n");
        }
        Files.writeString(out, md.toString());
        System.out.print(md);
    }

    private static long median(long[] a, int from, int to) {
        long[] c = Arrays.copyOfRange(a, from, to);
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
