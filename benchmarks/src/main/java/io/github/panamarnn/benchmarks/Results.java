package io.github.panamarnn.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns the committed JMH JSON in {@code jmh-results/} into the tables ({@code kernels.md}) and the
 * chart ({@code matvec-gflops.svg}) that the README links. Every ratio in them comes from one JMH
 * run: the kernel, the scalar specification and the machine's limits are measured side by side.
 *
 * <pre>./panama results        (reads jmh-results/kernels.json)</pre>
 */
public final class Results {
    private Results() {
    }

    /** One benchmark result: mean, error (99.9%), allocation per op, and the median of the measurement iterations. */
    record Score(double mean, double error, double allocPerOp, double median) {
        /** The same result in a unit {@code factor} times smaller (us to ns: 1000); the allocation per op is unchanged. */
        Score scaled(double factor) {
            return new Score(mean * factor, error * factor, allocPerOp, median * factor);
        }
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "jmh-results");
        Path json = dir.resolve("kernels.json");
        if (!Files.exists(json)) {
            throw new IllegalArgumentException("no JMH results at " + json + ": run the command in jmh-results/README.md first");
        }
        Map<String, Score> scores = new LinkedHashMap<>();
        String jdk = read(json, scores);
        String md = markdown(scores, jdk);
        Files.writeString(dir.resolve("kernels.md"), md);
        Files.writeString(dir.resolve("matvec-gflops.svg"), chart(scores));
        System.out.println("wrote " + dir.resolve("kernels.md") + " and " + dir.resolve("matvec-gflops.svg"));
        // The other runs are read against the kernels run's allocation background (they have no controls of their own).
        background = backgroundRate(scores);
        emit(dir, "cells", Results::cellsMarkdown, Results::cellsChart, "cells-step.svg");
        emit(dir, "runners", Results::runnersMarkdown, Results::runnersChart, "runners.svg");
        emit(dir, "streaming", Results::streamingMarkdown, null, null);
        emit(dir, "activations", Results::activationsMarkdown, null, null);
        emit(dir, "model-pool", LoadedModelResults::modelPool, null, null);
        emit(dir, "format-stream", LoadedModelResults::formatStream, null, null);
        emit(dir, "session", LoadedModelResults::session, null, null);
        emit(dir, "heads", Results::headsMarkdown, null, null);
        BeforeAfterResults.write(dir);
        PeerResults.write(dir);
        MachinePeerResults.writeAll(dir);
        PrecisionResults.write(dir);
        LatencyResults.write(dir.resolve("latency"));
        Headlines.write(dir, dir.toAbsolutePath().getParent().resolve("README.md"));
    }

    /** Writes {@code NAME.md} (and a chart) from {@code NAME.json} when that run has been committed. */
    static void emit(Path dir, String name, java.util.function.BiFunction<Map<String, Score>, String, String> table,
                     java.util.function.Function<Map<String, Score>, String> chart, String chartFile) throws IOException {
        Path json = dir.resolve(name + ".json");
        if (!Files.exists(json)) {
            return;
        }
        Map<String, Score> scores = new LinkedHashMap<>();
        String jdk = read(json, scores);
        Files.writeString(dir.resolve(name + ".md"), table.apply(scores, jdk));
        if (chart != null) {
            Files.writeString(dir.resolve(chartFile), chart.apply(scores));
        }
        System.out.println("wrote " + dir.resolve(name + ".md") + (chart != null ? " and " + dir.resolve(chartFile) : ""));
    }

    /** An SVG document of {@code w x h} on a white background, with its title above the plot at {@code left}. */
    static StringBuilder svgFrame(int w, int h, int left, String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
        svg.append(fmt("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
        svg.append(fmt("<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", left, title));
        return svg;
    }

    /** Horizontal grid lines and labels at every power of ten from {@code yMin} to {@code yMax}, on a plot spanning x0 .. x1. */
    static void decadeGrid(StringBuilder svg, double x0, double x1, double yMin, double yMax, java.util.function.DoubleUnaryOperator yAt,
                           java.util.function.DoubleFunction<String> label) {
        for (double g = yMin; g <= yMax * 1.0001; g *= 10) {
            double y = yAt.applyAsDouble(g);
            svg.append(fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", x0, x1, y, y));
            svg.append(fmt("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", x0 - 6, y + 4, label.apply(g)));
        }
    }

    static String headsMarkdown(Map<String, Score> s, String jdk) {
        StringBuilder md = new StringBuilder();
        md.append("# Dense heads narrower than one vector, in lanes\n\n")
          .append("Generated by `./panama results` from `heads.json` (`HeadBench`, JMH, one run). JDK: ").append(jdk).append(".\n")
          .append("A `[rows, cols]` product with `cols` below the lane count (a regression or class head), float32, bfloat16 and int8\n")
          .append("weights: `vector` packs it one column per panel and sums each output along the rows in lanes; `scalar` is the scalar\n")
          .append("specification, which bfloat16 and int8 heads ran until they had lanes (float32 heads had them already). Times in ns\n")
          .append("per call (`batch` rows), mean ± JMH's 99.9% error; B/op net of JMH's background, as in `kernels.md`. CPU, flags and\n")
          .append("species: `heads.machine.txt`.\n\n")
          .append("| precision | rows | cols | batch | vector (ns) | scalar (ns) | scalar / vector | vector B/op |\n")
          .append("|---|---|---|---|---|---|---|---|\n");
        for (String p : new String[] {"fp32", "bf16", "int8"}) {
            for (int batch : new int[] {1, 32}) {
                for (int rows : new int[] {64, 256}) {
                    for (int cols : new int[] {1, 3}) {
                        String k = " batch=" + batch + " cols=" + cols + " precision=" + p + " rows=" + rows;
                        Score v = s.get("HeadBench.vector" + k);
                        Score sc = s.get("HeadBench.scalar" + k);
                        if (v == null || sc == null) {
                            continue;
                        }
                        md.append(fmt("| %s | %d | %d | %d | %s | %s | %.2fx | %s |%n", p, rows, cols, batch, pm(v, 1), pm(sc, 1),
                                sc.mean / v.mean, alloc(v)));
                    }
                }
            }
        }
        return md.toString();
    }

    static String runnersMarkdown(Map<String, Score> s, String jdk) {
        StringBuilder md = new StringBuilder();
        md.append("# Runners: a 100-step LSTM sequence\n\n")
          .append("Generated by `./panama results` from `runners.json` (JMH, one run). JDK: ").append(jdk).append(".\n")
          .append("Keras-default LSTM, input = hidden, T = 100, time-major input. `static`: `StaticRunner` (input projections batched,\n")
          .append("256 rows per matrix-matrix product, then the recurrent halves); `symbolic`: `SequenceRunner`; `loop`: 100\n")
          .append("calls of `cell.step`; `scalar`: that loop on the scalar specification. Times in microseconds per sequence. B/op net of\n")
          .append("JMH's background, as in `kernels.md`.\n\n")
          .append("| h | batch | static (us) | symbolic (us) | loop of steps (us) | scalar loop (us) | loop / static | scalar / static | static B/op |\n")
          .append("|---|---|---|---|---|---|---|---|---|\n");
        for (int batch : new int[] {1, 32}) {
            for (int h : new int[] {128, 256}) {
                String p = " batch=" + batch + " hidden=" + h;
                Score st = s.get("RunnerBench.staticRunner" + p);
                Score sy = s.get("RunnerBench.symbolicRunner" + p);
                Score lo = s.get("RunnerBench.loopOfSteps" + p);
                Score sc = s.get("RunnerBench.scalarLoopOfSteps" + p);
                if (st == null || sy == null || lo == null) {
                    continue;
                }
                // Times are in us/op here; the background is per ns.
                Score stNs = st.scaled(1000);
                md.append(fmt("| %d | %d | %s | %s | %s | %s | %.2fx | %s | %s |%n", h, batch, pm(st, 1), pm(sy, 1), pm(lo, 1), pm(sc, 1),
                        lo.mean / st.mean, sc == null ? "-" : fmt("%.1fx", sc.mean / st.mean), alloc(stNs)));
            }
        }
        md.append("\n![microseconds per sequence](runners.svg)\n");
        return md.toString();
    }

    /** Grouped bars, log scale: microseconds per 100-step sequence for each runner, per (h, batch). */
    static String runnersChart(Map<String, Score> s) {
        String[] methods = {"staticRunner", "symbolicRunner", "loopOfSteps", "scalarLoopOfSteps"};
        String[] labels = {"static runner", "symbolic runner", "loop of steps", "scalar loop"};
        String[] colors = {"#d62728", "#1f77b4", "#2ca02c", "#aaaaaa"};
        int[][] groups = {{128, 1}, {256, 1}, {128, 32}, {256, 32}};
        int w = 760;
        int h = 420;
        int left = 70;
        int top = 40;
        int bottom = 60;
        int right = 170;
        double plotW = w - left - right;
        double plotH = h - top - bottom;
        double yMin = 100;
        double yMax = 1e7;
        java.util.function.DoubleUnaryOperator yAt = v -> top + plotH * (1 - (Math.log(v) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin)));
        StringBuilder svg = svgFrame(w, h, left, "A 100-step LSTM sequence: microseconds per sequence (log scale)");
        decadeGrid(svg, left, left + plotW, yMin, yMax, yAt, g -> PeerResults.duration(g * 1e3));
        double groupW = plotW / groups.length;
        double barW = groupW * 0.8 / methods.length;
        for (int gi = 0; gi < groups.length; gi++) {
            double gx = left + gi * groupW + groupW * 0.1;
            for (int m = 0; m < methods.length; m++) {
                Score sc = s.get("RunnerBench." + methods[m] + " batch=" + groups[gi][1] + " hidden=" + groups[gi][0]);
                if (sc == null) {
                    continue;
                }
                double y = yAt.applyAsDouble(Math.max(sc.mean, yMin));
                svg.append(fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n", gx + m * barW, y, barW - 2,
                        top + plotH - y, colors[m]));
            }
            svg.append(fmt("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">h=%d, batch %d</text>%n", gx + groupW * 0.4, h - bottom + 18,
                    groups[gi][0], groups[gi][1]));
        }
        for (int m = 0; m < methods.length; m++) {
            svg.append(fmt("<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\"/>%n", left + plotW + 15, top + 5 + 20 * m, colors[m]));
            svg.append(fmt("<text x=\"%.1f\" y=\"%d\">%s</text>%n", left + plotW + 35, top + 14 + 20 * m, labels[m]));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    static String streamingMarkdown(Map<String, Score> s, String jdk) {
        StringBuilder md = new StringBuilder();
        md.append("# Streaming: a pool tick against single-stream steps\n\n")
          .append("Generated by `./panama results` from `streaming.json` (JMH, one run). JDK: ").append(jdk).append(".\n")
          .append("10,000 LSTM streams (Keras defaults, input = hidden), 64 of them ticking at a time: one `StreamPool.tick` (gather the\n")
          .append("64 states, one batched step, scatter) against the same 64 streams each stepped by its own `StreamingCell`. B/op net of\n")
          .append("JMH's background, as in `kernels.md`.\n\n")
          .append("| h | pool tick of 64 (ns) | 64 single steps (ns) | speed-up | pool B/op |\n|---|---|---|---|---|\n");
        for (int h : new int[] {64, 128, 256}) {
            Score p = s.get("StreamPoolBench.poolTick hidden=" + h);
            Score q = s.get("StreamPoolBench.singleSteps hidden=" + h);
            if (p == null || q == null) {
                continue;
            }
            md.append(fmt("| %d | %s | %s | %.2fx | %s |%n", h, pm(p, 1), pm(q, 1), q.mean / p.mean, alloc(p)));
        }
        return md.toString();
    }

    /** Reads a JMH JSON file into "Class.method p1=v1 p2=v2" -> score; returns the JDK description. */
    static String read(Path json, Map<String, Score> scores) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        String jdk = "";
        for (JsonNode r : root) {
            String name = r.get("benchmark").asText();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            StringBuilder key = new StringBuilder(name);
            JsonNode params = r.get("params");
            if (params != null) {
                params.properties().forEach(e -> key.append(' ').append(e.getKey()).append('=').append(e.getValue().asText()));
            }
            JsonNode pm = r.get("primaryMetric");
            JsonNode alloc = r.path("secondaryMetrics").path("gc.alloc.rate.norm");
            List<Double> iterations = new ArrayList<>();
            pm.path("rawData").forEach(fork -> fork.forEach(v -> iterations.add(v.asDouble())));
            iterations.sort(null);
            int n = iterations.size();
            double median = n == 0 ? pm.get("score").asDouble()
                    : n % 2 == 1 ? iterations.get(n / 2) : (iterations.get(n / 2 - 1) + iterations.get(n / 2)) / 2;
            scores.put(key.toString(), new Score(pm.get("score").asDouble(), pm.get("scoreError").asDouble(),
                    alloc.isMissingNode() ? Double.NaN : alloc.get("score").asDouble(), median));
            jdk = r.path("jdkVersion").asText() + " (" + r.path("vmName").asText() + " " + r.path("vmVersion").asText() + ")";
        }
        return jdk;
    }

    static final String[] CELLS = {"BasicLSTMCell", "GRU", "SimpleRNN"};

    static String cellsMarkdown(Map<String, Score> s, String jdk) {
        StringBuilder md = new StringBuilder();
        md.append("# Cell benchmarks: one step\n\n")
          .append("Generated by `./panama results` from `cells.json` (JMH, one run; command in `README.md` here). JDK: ").append(jdk).append(".\n")
          .append("Input size = hidden size. `vector`: the cell on the Vector API kernels; `scalar`: the same cell and weights on the scalar\n")
          .append("specification (`cell.using(KernelProvider.scalar())`). `product only`: the LSTM's gate product alone (`x@Wx + h@Wh`,\n")
          .append("the two kernel calls the step makes, `LstmGateProductBench`), the floor of an LSTM step.\n")
          .append(fmt("B/op: net of JMH's background of %.2f B/ms measured on the allocation-free controls of the kernels run (this run%n", background * 1e6))
          .append("has none); the residual of a few hundredths on millisecond ops is that background's run-to-run variation (under 1%).\n")
          .append("The exact per-step measurement (`CellAllocationTest`, thread-allocated bytes) is 0 for every cell.\n\n")
          .append("| cell | h | batch | vector step (ns) | scalar step (ns) | vector / scalar | product only (ns) | step / product | vector B/op |\n")
          .append("|---|---|---|---|---|---|---|---|---|\n");
        for (String cell : CELLS) {
            for (int batch : new int[] {1, 32}) {
                for (int h : new int[] {32, 64, 128, 256, 512}) {
                    Score v = s.get("CellBench.vectorStep batch=" + batch + " cell=" + cell + " hidden=" + h);
                    Score sc = s.get("CellBench.scalarStep batch=" + batch + " cell=" + cell + " hidden=" + h);
                    if (v == null) {
                        continue;
                    }
                    Score p = cell.equals("BasicLSTMCell") ? s.get("LstmGateProductBench.gateProduct batch=" + batch + " hidden=" + h) : null;
                    md.append(fmt("| %s | %d | %d | %s | %s | %s | %s | %s | %s |%n", cell, h, batch, pm(v, 1), pm(sc, 1),
                            sc == null ? "-" : fmt("%.1fx", sc.mean / v.mean), p == null ? "-" : pm(p, 1),
                            p == null ? "-" : fmt("%.2fx", v.mean / p.mean), alloc(v)));
                }
            }
        }
        md.append("\n![one step against hidden size](cells-step.svg)\n");
        return md.toString();
    }

    static String cellsChart(Map<String, Score> s) {
        int[] hs = {32, 64, 128, 256, 512};
        int w = 760;
        int h = 460;
        int left = 70;
        int right = 210;
        int top = 40;
        int bottom = 60;
        double yMin = 100;
        double yMax = 1e7;
        double plotW = w - left - right;
        double plotH = h - top - bottom;
        StringBuilder svg = svgFrame(w, h, left, "One cell step, batch 1: ns against hidden size (log scales)");
        java.util.function.IntFunction<Double> xAt = i -> left + plotW * i / (hs.length - 1);
        java.util.function.DoubleUnaryOperator yAt = v -> top + plotH * (1 - (Math.log(v) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin)));
        decadeGrid(svg, left, left + plotW, yMin, yMax, yAt, PeerResults::duration);
        for (int i = 0; i < hs.length; i++) {
            svg.append(fmt("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", xAt.apply(i), h - bottom + 18, hs[i]));
        }
        svg.append(fmt("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">hidden size (input size = hidden size)</text>%n", left + plotW / 2, h - 15));
        String[] colors = {"#1f77b4", "#d62728", "#2ca02c"};
        int legendY = top + 10;
        for (int c = 0; c < CELLS.length; c++) {
            for (String kind : new String[] {"vectorStep", "scalarStep"}) {
                StringBuilder pts = new StringBuilder();
                for (int i = 0; i < hs.length; i++) {
                    Score sc = s.get("CellBench." + kind + " batch=1 cell=" + CELLS[c] + " hidden=" + hs[i]);
                    if (sc != null) {
                        pts.append(fmt("%.1f,%.1f ", xAt.apply(i), yAt.applyAsDouble(sc.mean)));
                        svg.append(fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", xAt.apply(i), yAt.applyAsDouble(sc.mean), colors[c]));
                    }
                }
                String dash = kind.startsWith("scalar") ? "6,3" : "none";
                svg.append(fmt("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\"/>%n",
                        pts.toString().trim(), colors[c], dash));
                svg.append(fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\"/>%n",
                        left + plotW + 15, left + plotW + 40, legendY, legendY, colors[c], dash));
                svg.append(fmt("<text x=\"%.1f\" y=\"%d\">%s %s</text>%n", left + plotW + 45, legendY + 4, CELLS[c],
                        kind.startsWith("scalar") ? "scalar" : "vector"));
                legendY += 20;
            }
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    static Score get(Map<String, Score> s, String key) {
        return s.get(key);
    }

    static double matFlops(int h, int batch) {
        return 2.0 * (2 * h) * (4 * h) * batch;
    }

    static String fmt(String f, Object... a) {
        return String.format(Locale.ROOT, f, a);
    }

    /** "mean ± error" with the error in the same unit. */
    static String pm(Score s, double scale) {
        return s == null ? "-" : fmt("%.4g ± %.2g", s.mean * scale, s.error * scale);
    }

    /**
     * Bytes per nanosecond that JMH's own bookkeeping allocates in every benchmark of the run, taken
     * from the allocation-free controls of {@code RooflineBench} (a register loop and a read-only
     * pass): the least rate among them.
     */
    static double background = 0;

    /** JMH's gc.alloc.rate.norm minus the background over the op's duration: what the code itself allocates per op. */
    static String alloc(Score s) {
        if (s == null || Double.isNaN(s.allocPerOp)) {
            return "-";
        }
        double expected = background * s.mean;
        double net = s.allocPerOp - expected;
        // Within 5% of the background (its run-to-run variation on long ops) is no allocation of the code's own.
        return fmt("%.2f", Math.abs(net) <= Math.max(0.005, 0.05 * expected) ? 0.0 : net);
    }

    static double backgroundRate(Map<String, Score> s) {
        double least = Double.MAX_VALUE;
        for (Map.Entry<String, Score> e : s.entrySet()) {
            if (e.getKey().startsWith("RooflineBench.") && !Double.isNaN(e.getValue().allocPerOp)) {
                least = Math.min(least, e.getValue().allocPerOp / e.getValue().mean);
            }
        }
        return least == Double.MAX_VALUE ? 0 : least;
    }

    static TreeSet<Integer> hiddens(Map<String, Score> s) {
        TreeSet<Integer> hs = new TreeSet<>();
        for (String k : s.keySet()) {
            if (k.startsWith("MatVecBench.vector")) {
                for (String part : k.split(" ")) {
                    if (part.startsWith("hidden=")) {
                        hs.add(Integer.parseInt(part.substring(7)));
                    }
                }
            }
        }
        return hs;
    }

    static double peakGflops(Map<String, Score> s) {
        double best = 0;
        for (Map.Entry<String, Score> e : s.entrySet()) {
            if (e.getKey().startsWith("RooflineBench.fmaPeak")) {
                // 2 flops * lanes * 10 chains * 1000 steps; lanes of the preferred species (8 here).
                best = Math.max(best, 2.0 * 8 * 10 * 1000 / e.getValue().mean);
            }
        }
        return best;
    }

    static String markdown(Map<String, Score> s, String jdk) {
        StringBuilder md = new StringBuilder();
        double peak = peakGflops(s);
        background = backgroundRate(s);
        md.append("# Kernel benchmarks\n\n")
          .append("Generated by `./panama results` from `kernels.json` (JMH, one run; see `README.md` here for the command\n")
          .append("and the machine). Times are JMH means with the 99.9% error JMH reports. JDK: ").append(jdk).append(".\n\n");
        md.append("## Machine limits (measured in the same run)\n\n")
          .append(fmt("- FMA peak of one core (`RooflineBench.fmaPeak`, 10 independent chains): **%.1f GFLOP/s**%n", peak))
          .append("- Read-only streaming pass over the bytes of the `[2h, 4h]` weight matrix (`RooflineBench.streamRead`):\n\n")
          .append("| h | weight bytes | stream time (ns) | GB/s | batch-1 roofline (GFLOP/s = 0.5 flop/byte) |\n|---|---|---|---|---|\n");
        for (int h : hiddens(s)) {
            Score st = get(s, "RooflineBench.streamRead hidden=" + h);
            if (st == null) {
                continue;
            }
            double bytes = 4.0 * 2 * h * 4 * h;
            md.append(fmt("| %d | %.0f | %s | %.1f | %.1f |%n", h, bytes, pm(st, 1), bytes / st.mean, 0.5 * bytes / st.mean));
        }
        md.append("\n## Matrix product `y = x @ W + b`, `W [2h, 4h]` (the gate product of an LSTM step with in = h)\n\n")
          .append("`vector` is the Vector API kernel, `scalar` the scalar specification (`ScalarKernels`), both on packed weights.\n")
          .append("Batch 1 is read against the streaming pass over the same bytes, batch 32 against the FMA peak.\n\n")
          .append("| h | batch | vector (ns) | scalar (ns) | vector GFLOP/s | scalar GFLOP/s | vector / scalar | fraction of limit | vector B/op |\n")
          .append("|---|---|---|---|---|---|---|---|---|\n");
        for (int batch : new int[] {1, 32}) {
            for (int h : hiddens(s)) {
                Score v = get(s, "MatVecBench.vector batch=" + batch + " hidden=" + h);
                Score sc = get(s, "MatVecBench.scalar batch=" + batch + " hidden=" + h);
                if (v == null) {
                    continue;
                }
                double f = matFlops(h, batch);
                String limit;
                if (batch == 1) {
                    Score st = get(s, "RooflineBench.streamRead hidden=" + h);
                    limit = st == null ? "-" : fmt("%.0f%% of stream", 100 * st.mean / v.mean);
                } else {
                    limit = fmt("%.0f%% of FMA peak", 100 * (f / v.mean) / peak);
                }
                md.append(fmt("| %d | %d | %s | %s | %.1f | %s | %s | %s | %s |%n", h, batch, pm(v, 1), pm(sc, 1), f / v.mean,
                        sc == null ? "-" : fmt("%.2f", f / sc.mean), sc == null ? "-" : fmt("%.1fx", sc.mean / v.mean), limit, alloc(v)));
            }
        }
        md.append(fmt("%nB/op: JMH's `gc.alloc.rate.norm` minus a background of %.2f bytes per millisecond of run time that JMH's own%n",
                background * 1e6))
          .append("(differences within 5% of that background, its variation on long ops, count as 0) ")
          .append("bookkeeping allocates in every benchmark of this run, measured on `RooflineBench` (a register loop and a read-only pass, which\n")
          .append("cannot allocate; raw values are in `kernels.json`). The exact per-call measurement, thread-allocated bytes over 20,000\n")
          .append("calls after warm-up (`AllocationTest`, `CellAllocationTest`), is 0 for every kernel and cell.\n");
        md.append("\n## Activations, ns per element (1024 elements in L1)\n\n");
        activationTable(s, md);
        md.append("\n## Fused state updates, one batch row (gate buffer restored from a copy each time, included)\n\n")
          .append("| update | units | vector (ns) | scalar (ns) | vector ns/unit | vector / scalar | vector B/op |\n|---|---|---|---|---|---|---|\n");
        for (String kind : new String[] {"lstm", "gru"}) {
            for (String k : s.keySet()) {
                if (k.startsWith("GateBench." + kind + "Vector")) {
                    String u = k.substring(k.indexOf("units=") + 6);
                    Score v = s.get(k);
                    Score sc = get(s, "GateBench." + kind + "Scalar units=" + u);
                    md.append(fmt("| %s | %s | %s | %s | %.2f | %s | %s |%n", kind.equals("lstm") ? "LSTM (forget bias, peepholes, cell clip)"
                            : "GRU reset-after", u, pm(v, 1), pm(sc, 1), v.mean / Integer.parseInt(u),
                            sc == null ? "-" : fmt("%.1fx", sc.mean / v.mean), alloc(v)));
                }
            }
        }
        md.append("\n![GFLOP/s against hidden size](matvec-gflops.svg)\n");
        return md.toString();
    }

    /** The ActivationBench rows of a run: ns per element, vector and scalar, their ratio, bytes per op. */
    static void activationTable(Map<String, Score> s, StringBuilder md) {
        md.append("| activation | vector ns/elem | scalar ns/elem | vector / scalar | vector B/op |\n|---|---|---|---|---|\n");
        for (String k : s.keySet()) {
            if (k.startsWith("ActivationBench.vector activation=")) {
                String a = k.substring("ActivationBench.vector activation=".length());
                Score v = s.get(k);
                Score sc = get(s, "ActivationBench.scalar activation=" + a);
                md.append(fmt("| %s | %s | %s | %s | %s |%n", a, pm(v, 1.0 / ActivationBench.N), pm(sc, 1.0 / ActivationBench.N),
                        sc == null ? "-" : fmt("%.1fx", sc.mean / v.mean), alloc(v)));
            }
        }
    }

    /**
     * {@code activations.json}: an ActivationBench run of its own (the activations added after the kernels run), on the
     * machine {@code activations.machine.txt} describes.
     */
    static String activationsMarkdown(Map<String, Score> s, String jdk) {
        StringBuilder md = new StringBuilder("# Activations, ns per element (1024 elements in L1)\n\n")
                .append("Generated by `./panama results` from `activations.json` (JMH, one run; command in `README.md` here), ")
                .append(jdk).append(".\n\n");
        try {
            Path machine = Path.of("jmh-results", "activations.machine.txt");
            if (Files.exists(machine)) {
                md.append("Machine: ").append(Files.readString(machine).strip().replace("\n", "; ")).append("\n\n");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        activationTable(s, md);
        md.append("\nB/op: JMH's `gc.alloc.rate.norm` net of the kernels run's background (see `kernels.md`); `AllocationTest` measures 0 ")
          .append("bytes per call exactly.\n");
        return md.toString();
    }

    static String chart(Map<String, Score> s) {
        TreeSet<Integer> hs = hiddens(s);
        double peak = peakGflops(s);
        int w = 760;
        int h = 460;
        int left = 70;
        int right = 200;
        int top = 40;
        int bottom = 60;
        double yMin = 0.5;
        double yMax = 200;
        int n = hs.size();
        List<Integer> hl = new ArrayList<>(hs);
        StringBuilder svg = svgFrame(w, h, left, "Matrix product W[2h,4h]: GFLOP/s against hidden size (log scale)");
        double plotW = w - left - right;
        double plotH = h - top - bottom;
        java.util.function.IntFunction<Double> xAt = i -> left + (n == 1 ? 0 : plotW * i / (n - 1));
        java.util.function.DoubleUnaryOperator yAt = v -> top + plotH * (1 - (Math.log(Math.max(v, yMin)) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin)));
        for (double g : new double[] {0.5, 1, 2, 5, 10, 20, 50, 100, 200}) {
            double y = yAt.applyAsDouble(g);
            svg.append(fmt("<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", left, left + plotW, y, y));
            svg.append(fmt("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left - 6, y + 4, g < 1 ? String.valueOf(g) : String.valueOf((int) g)));
        }
        for (int i = 0; i < n; i++) {
            svg.append(fmt("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", xAt.apply(i), h - bottom + 18, hl.get(i)));
        }
        svg.append(fmt("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">hidden size h (kernel [2h, 4h])</text>%n", left + plotW / 2, h - 15));
        svg.append(fmt("<text x=\"18\" y=\"%.1f\" transform=\"rotate(-90 18 %.1f)\" text-anchor=\"middle\">GFLOP/s</text>%n", top + plotH / 2, top + plotH / 2));
        String[][] series = {
            {"vector batch 32", "MatVecBench.vector batch=32 hidden=", "#d62728", "none"},
            {"vector batch 1", "MatVecBench.vector batch=1 hidden=", "#1f77b4", "none"},
            {"scalar batch 32", "MatVecBench.scalar batch=32 hidden=", "#ff9896", "6,3"},
            {"scalar batch 1", "MatVecBench.scalar batch=1 hidden=", "#aec7e8", "6,3"},
            {"stream roofline (batch 1)", "RooflineBench.streamRead hidden=", "#2ca02c", "2,3"}};
        int legendY = top + 10;
        for (String[] ser : series) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < n; i++) {
                int hid = hl.get(i);
                Score sc = s.get(ser[1] + hid);
                if (sc == null) {
                    continue;
                }
                double g = ser[1].startsWith("Roofline") ? 0.5 * (4.0 * 2 * hid * 4 * hid) / sc.mean
                        : matFlops(hid, ser[0].contains("32") ? 32 : 1) / sc.mean;
                pts.append(fmt("%.1f,%.1f ", xAt.apply(i), yAt.applyAsDouble(g)));
                svg.append(fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", xAt.apply(i), yAt.applyAsDouble(g), ser[2]));
            }
            svg.append(fmt("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\"/>%n", pts.toString().trim(), ser[2], ser[3]));
            svg.append(fmt("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"%s\"/>%n",
                    left + plotW + 15, left + plotW + 40, legendY, legendY, ser[2], ser[3]));
            svg.append(fmt("<text x=\"%.1f\" y=\"%d\">%s</text>%n", left + plotW + 45, legendY + 4, ser[0]));
            legendY += 20;
        }
        double py = yAt.applyAsDouble(peak);
        svg.append(fmt("<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\" stroke-dasharray=\"8,4\"/>%n", left, left + plotW, py, py));
        svg.append(fmt("<text x=\"%.1f\" y=\"%.1f\">FMA peak %.0f</text>%n", left + plotW + 15, py + 4, peak));
        svg.append("</svg>\n");
        return svg.toString();
    }
}
