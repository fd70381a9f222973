package io.github.panamarnn.cli;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.ParallelKernels;
import io.github.panamarnn.kernels.Precision;
import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code --precision fp32|bf16|int8} and {@code --threads N}: the kernels a command runs on. Closing stops the step
 * workers (there are none with one thread).
 */
final class Compute implements AutoCloseable {
    static final String HELP = """
              --precision P   weights in fp32 (default, the framework's numbers), bf16 (2 bytes per weight, about
                              3 significant digits) or int8 (1 byte, per-column scale); state and sums stay float32.
                              The error against fp32 is measured and printed
              --threads N     split each step's matrix products over N threads (1 to 64; default 1), bit for bit
                              the one-thread result
            """;

    final Precision precision;
    final int threads;
    final Kernels kernels;
    private final ParallelKernels parallel;

    private Compute(Precision precision, int threads) {
        this.precision = precision;
        this.threads = threads;
        this.parallel = threads > 1 ? ParallelKernels.of(KernelProvider.get(), threads) : null;
        this.kernels = parallel != null ? parallel.withPrecision(precision) : KernelProvider.get().withPrecision(precision);
    }

    static Compute of(Options o) throws UserError {
        Precision p = Precision.FP32;
        if (o.has("precision")) {
            try {
                p = Precision.parse(o.get("precision", null));
            } catch (IllegalArgumentException e) {
                throw new UserError("--precision: " + e.getMessage());
            }
        }
        return new Compute(p, o.integer("threads", 1, 1, ParallelKernels.MAX_THREADS));
    }

    /** Whether anything but the defaults (fp32, one thread) was asked for. */
    boolean isDefault() {
        return precision == Precision.FP32 && threads == 1;
    }

    /** The scalar specification in the same precision (threads do not change numbers). */
    Kernels scalar() {
        return KernelProvider.scalar().withPrecision(precision);
    }

    /** The {@code kernels:} line of a report. */
    void describe(PrintStream out) {
        out.println("kernels: " + kernels.name());
    }

    /** Prints how far {@code got} is from the float32 {@code reference} (same inputs), as a bench or demo reports it. */
    static void printError(PrintStream out, String what, float[] reference, float[] got, int n) {
        double maxAbs = 0;
        double maxRef = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double d = Math.abs((double) got[i] - reference[i]);
            maxAbs = Math.max(maxAbs, d);
            maxRef = Math.max(maxRef, Math.abs(reference[i]));
            sq += d * d;
        }
        if (maxAbs == 0) {
            out.printf(Locale.ROOT, "accuracy vs fp32 (%s): identical, bit for bit%n", what);
            return;
        }
        out.printf(Locale.ROOT, "accuracy vs fp32 (%s): max |difference| %.3g, RMS %.3g, largest |fp32 output| %.3g%n", what, maxAbs,
                Math.sqrt(sq / Math.max(1, n)), maxRef);
    }

    @Override
    public void close() {
        if (parallel != null) {
            parallel.close();
        }
    }
}
