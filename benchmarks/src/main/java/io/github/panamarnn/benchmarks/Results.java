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

    /** One benchmark result: mean, error (99.9%), allocation per op. */
    record Score(double mean, double error, double allocPerOp) {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "jmh-results");
        Path json = dir.resolve("kernels.json");
        if (!Files.exists(json)) {
            throw new IllegalArgumentException("no JMH results at " + json + ": run the command in jmh-results/README.md first");
        }
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        Map<String, Score> scores = new LinkedHashMap<>();
        String jdk = "";
        for (JsonNode r : root) {
            String name = r.get("benchmark").asText();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            StringBuilder key = new StringBuilder(name);
            JsonNode params = r.get("params");
            if (params != null) {
                params.fieldNames().forEachRemaining(p -> key.append(' ').append(p).append('=').append(params.get(p).asText()));
            }
            JsonNode pm = r.get("primaryMetric");
            JsonNode alloc = r.path("secondaryMetrics").path("gc.alloc.rate.norm");
            scores.put(key.toString(), new Score(pm.get("score").asDouble(), pm.get("scoreError").asDouble(),
                    alloc.isMissingNode() ? Double.NaN : alloc.get("score").asDouble()));
            jdk = r.path("jdkVersion").asText() + " (" + r.path("vmName").asText() + " " + r.path("vmVersion").asText() + ")";
        }
        String md = markdown(scores, jdk);
        Files.writeString(dir.resolve("kernels.md"), md);
        Files.writeString(dir.resolve("matvec-gflops.svg"), chart(scores));
        System.out.println("wrote " + dir.resolve("kernels.md") + " and " + dir.resolve("matvec-gflops.svg"));
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
        double net = s.allocPerOp - background * s.mean;
        return fmt("%.2f", Math.abs(net) < 0.005 ? 0.0 : net);
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
          .append("bookkeeping allocates in every benchmark of this run, measured on `RooflineBench` (a register loop and a read-only pass, which\n")
          .append("cannot allocate; raw values are in `kernels.json`). The exact per-call measurement, thread-allocated bytes over 20,000\n")
          .append("calls after warm-up (`AllocationTest`, `CellAllocationTest`), is 0 for every kernel and cell.\n");
        md.append("\n## Activations, ns per element (1024 elements in L1)\n\n")
          .append("| activation | vector ns/elem | scalar ns/elem | vector / scalar | vector B/op |\n|---|---|---|---|---|\n");
        List<String> acts = new ArrayList<>();
        for (String k : s.keySet()) {
            if (k.startsWith("ActivationBench.vector activation=")) {
                acts.add(k.substring("ActivationBench.vector activation=".length()));
            }
        }
        for (String a : acts) {
            Score v = get(s, "ActivationBench.vector activation=" + a);
            Score sc = get(s, "ActivationBench.scalar activation=" + a);
            md.append(fmt("| %s | %s | %s | %s | %s |%n", a, pm(v, 1.0 / ActivationBench.N), pm(sc, 1.0 / ActivationBench.N),
                    sc == null ? "-" : fmt("%.1fx", sc.mean / v.mean), alloc(v)));
        }
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
        StringBuilder svg = new StringBuilder();
        svg.append(fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
        svg.append(fmt("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
        svg.append(fmt("<text x=\"%d\" y=\"22\" font-size=\"15\">Matrix product W[2h,4h]: GFLOP/s against hidden size (log scale)</text>%n", left));
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
