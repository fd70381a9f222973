package io.github.panamarnn.benchmarks;

import static io.github.panamarnn.benchmarks.Results.fmt;

import io.github.panamarnn.benchmarks.Results.Score;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code peers.md} and {@code peers-step.svg} from {@code peers.json} ({@link PeerStepBench} and
 * {@link PeerSequenceBench} in one JMH run): median time per step of this library, onnxruntime Java
 * (pinned and ordinary) and the scalar specification, and the ratios between them.
 */
final class PeerResults {
    static final String[] CELLS = {"LSTM", "GRU", "GRU_LBR", "RNN"};
    static final int[] HIDDEN = {32, 64, 128, 256, 512};
    static final String[] METHODS = {"ours", "ortPinned", "ortOrdinary", "scalar"};
    static final String[] LABELS = {"panama-rnn (Vector API)", "onnxruntime, pinned tensors", "onnxruntime, ordinary run", "panama-rnn scalar specification"};
    static final String[] COLORS = {"#d62728", "#1f77b4", "#7fb2de", "#999999"};

    private PeerResults() {
    }

    /** One target of issue 6: the measured ratio (onnxruntime pinned time / ours) against the one asked for. */
    record Target(String what, double asked, double measured) {
        boolean met() {
            return measured >= asked;
        }
    }

    static void write(Path dir) throws IOException {
        Path json = dir.resolve("peers.json");
        if (!Files.exists(json)) {
            return;
        }
        Map<String, Score> s = new LinkedHashMap<>();
        String jdk = Results.read(json, s);
        Files.writeString(dir.resolve("peers.md"), markdown(s, jdk, checks(dir), exactAllocation(dir)));
        Files.writeString(dir.resolve("peers-step.svg"), chart(s));
        System.out.println("wrote " + dir.resolve("peers.md") + " and " + dir.resolve("peers-step.svg"));
    }

    /** The scores of {@code peers.json}, or null when that run has not been committed. */
    static Map<String, Score> read(Path dir) throws IOException {
        Path json = dir.resolve("peers.json");
        if (!Files.exists(json)) {
            return null;
        }
        Map<String, Score> s = new LinkedHashMap<>();
        Results.read(json, s);
        return s;
    }

    static Score step(Map<String, Score> s, String method, String cell, int hidden, int batch) {
        return s.get("PeerStepBench." + method + " batch=" + batch + " cell=" + cell + " hidden=" + hidden);
    }

    static Score sequence(Map<String, Score> s, String method, String cell, int hidden, int batch) {
        return s.get("PeerSequenceBench." + method + " batch=" + batch + " cell=" + cell + " hidden=" + hidden);
    }

    /** Median over the measurement iterations, per step, in ns (the sequence benchmark reports us per T steps). */
    static double perStepNs(Score sc, boolean sequence) {
        return sequence ? sc.median() * 1000 / PeerSequenceBench.T : sc.median();
    }

    static double ratio(Score theirs, Score ours) {
        return theirs == null || ours == null ? Double.NaN : theirs.median() / ours.median();
    }

    static List<Target> targets(Map<String, Score> s) {
        return List.of(
                new Target("one LSTM step, batch 1, h = 64", 3.0, ratio(step(s, "ortPinned", "LSTM", 64, 1), step(s, "ours", "LSTM", 64, 1))),
                new Target("one LSTM step, batch 1, h = 128", 2.0, ratio(step(s, "ortPinned", "LSTM", 128, 1), step(s, "ours", "LSTM", 128, 1))),
                new Target("LSTM sequence T = 100, batch 1, h = 128", 1.3,
                        ratio(sequence(s, "ortPinned", "LSTM", 128, 1), sequence(s, "ours", "LSTM", 128, 1))),
                new Target("LSTM sequence T = 100, batch 32, h = 128", 1.3,
                        ratio(sequence(s, "ortPinned", "LSTM", 128, 32), sequence(s, "ours", "LSTM", 128, 32))),
                new Target("one LSTM step, batch 32, h = 128", 1.2, ratio(step(s, "ortPinned", "LSTM", 128, 32), step(s, "ours", "LSTM", 128, 32))));
    }

    static final java.util.regex.Pattern ALLOCATED = java.util.regex.Pattern.compile(
            "^(.*): ours allocated (\\d+) bytes over (\\d+) calls");

    /**
     * The exact allocation of ours per call, from the tear-down checks of the run kept in
     * {@code peers-checks.txt} ({@link OrtPeer#allocationCheck}): "LSTM h=64 batch=1" (or with
     * " T=100" for a sequence) to bytes per call.
     */
    static Map<String, Double> exactAllocation(Path dir) throws IOException {
        Map<String, Double> m = new LinkedHashMap<>();
        Path f = dir.resolve("peers-checks.txt");
        if (Files.exists(f)) {
            for (String line : Files.readAllLines(f)) {
                java.util.regex.Matcher x = ALLOCATED.matcher(line.trim());
                if (x.find()) {
                    m.put(x.group(1), Double.parseDouble(x.group(2)) / Double.parseDouble(x.group(3)));
                }
            }
        }
        return m;
    }

    static String allocKey(String cell, int hidden, int batch, boolean sequence) {
        return cell + " h=" + hidden + " batch=" + batch + (sequence ? " T=" + PeerSequenceBench.T : "");
    }

    static String cellName(String cell) {
        return switch (cell) {
            case "GRU" -> "GRU (linear_before_reset=0)";
            case "GRU_LBR" -> "GRU (linear_before_reset=1)";
            default -> cell;
        };
    }

    /**
     * What the run's setups printed ({@code peers-checks.txt}, kept by {@code ./panama measure}): the
     * number of checks and the largest difference between onnxruntime and this library among them.
     */
    static String checks(Path dir) throws IOException {
        Path f = dir.resolve("peers-checks.txt");
        if (!Files.exists(f)) {
            return "(the run's log of these checks was not kept)";
        }
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("max \\|ours - onnxruntime\\| = ([0-9.eE+-]+)");
        double max = 0;
        int n = 0;
        for (String line : Files.readAllLines(f)) {
            java.util.regex.Matcher m = p.matcher(line);
            if (m.find()) {
                max = Math.max(max, Double.parseDouble(m.group(1)));
                n++;
            }
        }
        return fmt("(`peers-checks.txt`: %d checks, the largest difference %.3g)", n, max);
    }

    static String exactOrDash(Double bytesPerCall) {
        return bytesPerCall == null ? "-" : fmt("%.0f", bytesPerCall);
    }

    static String markdown(Map<String, Score> s, String jdk, String checks, Map<String, Double> exact) {
        StringBuilder md = new StringBuilder();
        md.append("# Peers: panama-rnn against onnxruntime Java\n\n")
          .append("Generated by `./panama results` from `peers.json`: `PeerStepBench` and `PeerSequenceBench`, one JMH run (command in\n")
          .append("`README.md` here). JDK: ").append(jdk).append(". onnxruntime ").append(ortVersion()).append(" (Maven Central, its own native library),\n")
          .append("one intra-op and one inter-op thread, sequential execution, all graph optimisations: one stream is one thread in this\n")
          .append("library, so the comparison is per core. Each ONNX model is one `LSTM`/`GRU`/`RNN` node written by this project's ONNX\n")
          .append("writer; our cell is built from the same `W`, `R`, `B` arrays. Every benchmark's setup runs both and aborts above a\n")
          .append("difference of 1e-5 ").append(checks).append(".\n\n")
          .append("- **ours**: the cell (or `StaticRunner`) on the Vector API kernels; **scalar**: the same on the scalar specification.\n")
          .append("- **ORT pinned**: onnxruntime at its fastest from Java: input, state and output tensors created once over direct buffers\n")
          .append("  and reused with `run(inputs, pinnedOutputs)`; the state ping-pongs between two pinned pairs; the input is written\n")
          .append("  straight into its buffer (no copy counted).\n")
          .append("- **ORT ordinary**: tensors made from the caller's arrays each call, outputs allocated by onnxruntime and copied out.\n")
          .append("- Times are the **median of the 5 one-second measurement iterations** (JMH average time per op in each), per step;\n")
          .append("  ± is JMH's 99.9% error of the mean. Ratios are onnxruntime's (or scalar's) median over ours: how many times faster ours is.\n")
          .append("- ours B/op: exact, the thread's allocated bytes over up to 10,000 calls (0.3 s) at the end of the benchmark's own fork\n")
          .append("  (`OrtPeer.allocationCheck`, kept in `peers-checks.txt`). ORT pinned B/op: JMH `-prof gc`, the Java garbage per call\n")
          .append("  only (onnxruntime's native allocations are not counted), including JMH's own few KB per one-second iteration.\n\n");
        md.append("## Headline (issue 6's targets)\n\n").append(headlineTable(s, exact)).append('\n');
        md.append("## One step (state in, state out), input size = hidden size\n\n")
          .append("| cell | h | batch | ours (ns) | ORT pinned (ns) | ORT ordinary (ns) | scalar (ns) | ORT pinned / ours | ORT ordinary / ours | scalar / ours | ours B/op | ORT pinned B/op |\n")
          .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        rows(md, s, exact, false);
        md.append("\n![time per step against hidden size](peers-step.svg)\n\n");
        md.append("## A sequence of T = ").append(PeerSequenceBench.T).append(" steps, all outputs kept\n\n")
          .append("Ours: `StaticRunner` (the input projections of all steps in one matrix product, then the recurrence); onnxruntime: the\n")
          .append("same node with `seq_length` = T and `sequence_lens` (every row T). Time per step = the sequence's median / T; B/op per sequence.\n\n")
          .append("| cell | h | batch | ours (ns/step) | ORT pinned (ns/step) | ORT ordinary (ns/step) | scalar (ns/step) | ORT pinned / ours | ORT ordinary / ours | scalar / ours | ours B/op | ORT pinned B/op |\n")
          .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        rows(md, s, exact, true);
        return md.toString();
    }

    /** The table rows of one benchmark class: every cell, batch and hidden size it has. */
    static void rows(StringBuilder md, Map<String, Score> s, Map<String, Double> exact, boolean sequence) {
        for (String cell : CELLS) {
            for (int batch : new int[] {1, 32}) {
                for (int h : HIDDEN) {
                    Score[] sc = new Score[METHODS.length];
                    for (int m = 0; m < METHODS.length; m++) {
                        sc[m] = sequence ? sequence(s, METHODS[m], cell, h, batch) : step(s, METHODS[m], cell, h, batch);
                    }
                    if (sc[0] == null) {
                        continue;
                    }
                    md.append(fmt("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", cellName(cell), h, batch, med(sc[0], sequence),
                            med(sc[1], sequence), med(sc[2], sequence), med(sc[3], sequence), x(ratio(sc[1], sc[0])), x(ratio(sc[2], sc[0])),
                            x(ratio(sc[3], sc[0])), exactOrDash(exact.get(allocKey(cell, h, batch, sequence))), sc[1] == null ? "-" : fmt("%.0f", sc[1].allocPerOp())));
                }
            }
        }
    }

    static String headlineTable(Map<String, Score> s, Map<String, Double> exact) {
        StringBuilder md = new StringBuilder("| what | asked: ours faster than ORT pinned by | measured | |\n|---|---|---|---|\n");
        for (Target t : targets(s)) {
            md.append(fmt("| %s | %.1fx | %s | %s |%n", t.what(), t.asked(), x(t.measured()), Double.isNaN(t.measured()) ? "not measured"
                    : t.met() ? "met" : "**not met**"));
        }
        if (exact.isEmpty()) {
            md.append("| bytes allocated per step, ours | 0 | not measured | |\n");
        } else {
            double alloc = exact.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
            md.append(fmt("| bytes allocated per call, ours (every benchmark, exact) | 0 | %s over %d benchmarks | %s |%n", fmt("%.0f", alloc), exact.size(),
                    alloc == 0 ? "met" : "**not met**"));
        }
        return md.toString();
    }

    /** The onnxruntime version of the benchmarks' pom (a filtered resource), the one the peers were built and run with. */
    static String ortVersion() {
        try (java.io.InputStream in = PeerResults.class.getResourceAsStream("peer.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("onnxruntime.version", "(unknown version)");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String med(Score sc, boolean sequence) {
        if (sc == null) {
            return "-";
        }
        double scale = sequence ? 1000.0 / PeerSequenceBench.T : 1;
        return fmt("%.4g ± %.2g", sc.median() * scale, sc.error() * scale);
    }

    static String x(double r) {
        return Double.isNaN(r) ? "-" : fmt("%.2fx", r);
    }

    /** Time per step against hidden size, log-log, one panel per cell and batch. */
    static String chart(Map<String, Score> s) {
        String[][] panels = {{"LSTM", "1"}, {"LSTM", "32"}, {"GRU_LBR", "1"}, {"GRU_LBR", "32"}};
        int pw = 360;
        int ph = 250;
        int left = 70;
        int top = 50;
        int gapX = 90;
        int gapY = 80;
        int w = left + 2 * pw + gapX + 20;
        int h = top + 2 * ph + gapY + 110;
        StringBuilder svg = Results.svgFrame(w, h, left, "One step: median time per step against hidden size (log scales; lower is faster)");
        for (int i = 0; i < panels.length; i++) {
            String cell = panels[i][0];
            int batch = Integer.parseInt(panels[i][1]);
            int x0 = left + (i % 2) * (pw + gapX);
            int y0 = top + (i / 2) * (ph + gapY);
            double lo = Double.MAX_VALUE;
            double hi = 0;
            for (String m : METHODS) {
                for (int hid : HIDDEN) {
                    Score sc = step(s, m, cell, hid, batch);
                    if (sc != null) {
                        lo = Math.min(lo, sc.median());
                        hi = Math.max(hi, sc.median());
                    }
                }
            }
            if (hi == 0) {
                continue;
            }
            double yMin = Math.pow(10, Math.floor(Math.log10(lo)));
            double yMax = Math.pow(10, Math.ceil(Math.log10(hi)));
            java.util.function.DoubleUnaryOperator yAt = v -> y0 + ph * (1 - (Math.log(v) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin)));
            java.util.function.IntToDoubleFunction xAt = k -> x0 + pw * k / (double) (HIDDEN.length - 1);
            svg.append(fmt("<text x=\"%d\" y=\"%d\" font-size=\"13\">%s, batch %d</text>%n", x0, y0 - 10, cellName(cell), batch));
            Results.decadeGrid(svg, x0, x0 + pw, yMin, yMax, yAt, PeerResults::duration);
            for (int k = 0; k < HIDDEN.length; k++) {
                svg.append(fmt("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", xAt.applyAsDouble(k), y0 + ph + 16, HIDDEN[k]));
            }
            svg.append(fmt("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">hidden size (= input size)</text>%n", x0 + pw / 2, y0 + ph + 34));
            for (int m = 0; m < METHODS.length; m++) {
                StringBuilder pts = new StringBuilder();
                for (int k = 0; k < HIDDEN.length; k++) {
                    Score sc = step(s, METHODS[m], cell, HIDDEN[k], batch);
                    if (sc == null) {
                        continue;
                    }
                    double px = xAt.applyAsDouble(k);
                    double py = yAt.applyAsDouble(sc.median());
                    pts.append(fmt("%.1f,%.1f ", px, py));
                    svg.append(fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", px, py, COLORS[m]));
                }
                svg.append(fmt("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n", pts.toString().trim(), COLORS[m],
                        m == 2 ? " stroke-dasharray=\"6,3\"" : ""));
            }
        }
        int ly = top + 2 * ph + gapY + 40;
        for (int m = 0; m < METHODS.length; m++) {
            int lx = left + (m % 2) * 380;
            int yy = ly + (m / 2) * 22;
            svg.append(fmt("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>%n", lx, lx + 28, yy, yy, COLORS[m],
                    m == 2 ? " stroke-dasharray=\"6,3\"" : ""));
            svg.append(fmt("<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 34, yy + 4, LABELS[m]));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    static String duration(double ns) {
        return ns >= 1e9 ? fmt("%.0f s", ns / 1e9) : ns >= 1e6 ? fmt("%.0f ms", ns / 1e6) : ns >= 1e3 ? fmt("%.0f us", ns / 1e3) : fmt("%.0f ns", ns);
    }
}
