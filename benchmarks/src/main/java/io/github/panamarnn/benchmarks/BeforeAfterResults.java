package io.github.panamarnn.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A change measured as two jars of the library, one without it ({@code before-N.json}) and one with it
 * ({@code after-N.json}), run alternately in rounds on one machine: a table of every benchmark and
 * parameter set per round, and after / before over the means of all rounds. Writes
 * {@code <folder>/README.md} for the folders of {@code jmh-results/} that hold such runs.
 */
final class BeforeAfterResults {
    private BeforeAfterResults() {
    }

    /** The folders and what their change is. */
    private static final String[][] FOLDERS = {
        {"step-checks", "What checking every step's arguments costs",
            "`before`: the library at commit 23471fa, whose `step` checked nothing; `after`: every `step` checks its state (kind and\n"
                + "sizes) and its input and output ranges before it writes."},
        {"narrow-products", "Products narrower than one panel: vector lanes instead of the scalar loop",
            "`before`: commit 56639f1, where a product with fewer columns than one panel (64 at 512 bits) ran the scalar kernels;\n"
                + "`after`: such products are packed in panels of one vector and run `matVecNarrow` (a simple RNN at h = 32 has 32\n"
                + "columns). `scalarStep` is the scalar specification in both, the control."},
        {"narrow-matmul", "Narrow products at batch > 1: six rows per weight load instead of one row at a time",
            "`before`: commit 4220bc4, where a batch of rows through a product narrower than one panel ran `matVecNarrow` row by row;\n"
                + "`after`: six rows share each weight vector (`matMulNarrow6`, six fma chains), the leftover rows as before. A simple RNN\n"
                + "at h = 32, batch 32 (32 columns: one narrow panel at 512 bits). `scalarStep` is the control."},
        {"row-invariant", "Single-row products summed in the six-row blocks' order: every row of every batch computed alike",
            "`before`: commit b96b7a5, whose batch-1 panel kernels split the rows into two interleaved sums (`s + t`, eight chains\n"
                + "on one panel) and whose narrow kernel into four; `after`: every output is one chain over the rows in order, from the\n"
                + "bias, as in the six-row blocks, two panels (narrow: up to four) side by side for eight chains, so\n"
                + "`Kernels.rowBlock()` is 1 and a row's result no longer depends on its batch. An LSTM step, `vectorStep`."},
        {"row-invariant-narrow", "Narrow single-row products summed in the six-row blocks' order",
            "The same change as `../row-invariant` for products narrower than one panel (panels of one vector): `before` summed each\n"
                + "panel in four interleaved chains, `after` runs up to four panels side by side, one chain each over the rows in order\n"
                + "(the order of `matMulNarrow6`). Simple RNN and GRU at h = 16 and 32, batch 1 (their products have 16 to 96 columns)."},
        {"block-rows", "Float32 batched products in blocks of up to 12 rows read k-major, every row in a block",
            "`before`: commit f136b31, where a float32 batch ran in blocks of six rows read in place and the leftover rows (two of\n"
                + "32) on the batch-1 panel kernel; `after`: the rows are split into as few blocks of at most 12 (on a CPU with 32 vector\n"
                + "registers; 6 with 16) as possible, sizes within one of each other, each copied k-major once per call (`PanamaBlocks`).\n"
                + "`MatVecBench.vector` is the LSTM gate product `[B, 2h] x [2h, 4h]` (flops per op: `16 B h^2`); `RooflineBench.fmaPeak12`\n"
                + "is the FMA peak in the same sitting (12,000 fmas of 16 lanes per op), the control."},
        {"block-rows-256", "The same change in the AVX2 configuration: 256-bit vectors, blocks of at most 6 rows",
            "`before`: commit f136b31 with `-Dpanamarnn.vectorBits=256` (6-row blocks read in place, the leftover rows on the batch-1\n"
                + "kernel); `after`: the change with `-Dpanamarnn.vectorBits=256 -Dpanamarnn.blockRows=6` (6-row blocks read k-major, every\n"
                + "row in a block), as an AVX2 machine runs it. Measured on the AVX-512 machine (its 32 registers and double-pumped FMAs\n"
                + "are not Zen 3's): an indication for AVX2, not its measurement. `RooflineBench.fmaPeak12` is the control."},
        {"step-tiles", "Recurrent steps tile by tile: the gate math applied to each 2L-unit tile of the products while it is in L1",
            "One jar, two settings: `before` is no tiles (`panamarnn.stepTiles=off`: a step runs `x@Wx` into the `[B, 4h]` (GRU:\n"
                + "`[B, 3h]`) gate buffer, adds `h@Wh`, then updates the whole buffer); `after` is every step in tiles (`all`: both\n"
                + "products' columns of every gate for 2L units and the whole batch, 16 KB for an LSTM at batch 32 and 512 bits, then\n"
                + "the update of those units; bit for bit the same). Measured with the jar of this change's last draft, where the\n"
                + "property was a switch (`false` / `true`); the code is otherwise the commit's. `PeerStepBench.ours` is one whole step\n"
                + "at batch 32 (tiles by default since), `PeerSequenceBench.ours` 100 steps at batch 32 whose input projection is\n"
                + "hoisted, so only the recurrent halves run in tiles (`all` only); `RooflineBench.fmaPeak12` is the control."},
        {"head-columns", "Products narrower than one vector (dense heads) in lanes instead of the scalar loop",
            "`before`: commit c65344a, where a float32 product with fewer columns than one vector (a `Dense(1)` head) ran the scalar\n"
                + "loop; `after`: it is packed one column per panel and each output is a dot product along the rows in lanes. The three\n"
                + "trained models of `ModelPoolBench` end in such heads: 64 single-stream steps and a pool tick of 64 streams."},
    };

    static void write(Path dir) throws IOException {
        for (String[] f : FOLDERS) {
            write(dir.resolve(f[0]), f[1], f[2]);
        }
    }

    private static void write(Path d, String title, String what) throws IOException {
        if (!Files.isDirectory(d)) {
            return;
        }
        Map<String, Map<String, Results.Score>> runs = new LinkedHashMap<>();
        String jdk = "";
        for (int round = 1; round <= 9; round++) {
            for (String v : new String[] {"before", "after"}) {
                Path json = d.resolve(v + "-" + round + ".json");
                if (Files.exists(json)) {
                    Map<String, Results.Score> s = new LinkedHashMap<>();
                    jdk = Results.read(json, s);
                    runs.put(v + " " + round, s);
                }
            }
        }
        if (runs.isEmpty()) {
            return;
        }
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n")
                .append("Generated by `./panama results` from the JMH runs here (").append(jdk).append(").\n")
                .append(what).append("\nThe two jars ran alternately, before then after in each round, on the machine in ")
                .append(Files.exists(d.resolve("machine.txt")) ? "`machine.txt` here" : "`../activations.machine.txt`")
                .append(". Times in ns per op, mean ± JMH's 99.9% error.\n\n| benchmark |");
        StringBuilder rule = new StringBuilder("|---|");
        for (String run : runs.keySet()) {
            md.append(' ').append(run).append(" |");
            rule.append("---|");
        }
        md.append(" after / before (means of all rounds) |\n").append(rule).append("---|\n");
        Map<String, Results.Score> first = runs.values().iterator().next();
        for (String key : first.keySet()) {
            double b = 0;
            double a = 0;
            int nb = 0;
            int na = 0;
            StringBuilder row = new StringBuilder("| ").append(key).append(" |");
            for (Map.Entry<String, Map<String, Results.Score>> run : runs.entrySet()) {
                Results.Score s = run.getValue().get(key);
                row.append(' ').append(Results.pm(s, 1)).append(" |");
                if (s != null && run.getKey().startsWith("before")) {
                    b += s.mean();
                    nb++;
                } else if (s != null) {
                    a += s.mean();
                    na++;
                }
            }
            row.append(nb > 0 && na > 0 ? Results.fmt(" %.3f |", (a / na) / (b / nb)) : " - |");
            md.append(row).append('\n');
        }
        Files.writeString(d.resolve("README.md"), md.toString());
        System.out.println("wrote " + d.resolve("README.md"));
    }
}
