package io.github.panamarnn.benchmarks;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures the error of every vector activation against its double-precision definition over the
 * whole float range: every {@code stride}-th bit pattern (stride 1 = all 2^32 floats), and writes
 * the table to {@code kernels/ERROR-BOUNDS.md}.
 *
 * <pre>./panama java -cp benchmarks/target/benchmarks.jar io.github.panamarnn.benchmarks.ErrorBounds [stride] [out.md]</pre>
 */
public final class ErrorBounds {
    private ErrorBounds() {
    }

    record Result(Activation act, double maxAbs, float argAbs, double maxRel, float argRel, long count, int stride) {
    }

    public static void main(String[] args) throws IOException {
        int stride = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Path out = Path.of(args.length > 1 ? args[1] : "kernels/ERROR-BOUNDS.md");
        Kernels k = KernelProvider.get();
        List<Activation> acts = List.of(Activation.TANH, Activation.SIGMOID, Activation.HARD_SIGMOID, Activation.HARD_SIGMOID_KERAS3,
                Activation.RELU, Activation.of(Activation.Kind.LEAKY_RELU, 0.01f, 0), Activation.of(Activation.Kind.THRESHOLDED_RELU, 1f, 0),
                Activation.of(Activation.Kind.AFFINE, 0.7f, 0.3f), Activation.of(Activation.Kind.SCALED_TANH, 1.7159f, 0.6667f),
                Activation.ELU, Activation.SELU, Activation.SOFTSIGN, Activation.SOFTPLUS, Activation.SWISH, Activation.GELU,
                Activation.EXPONENTIAL, Activation.RELU6, Activation.HARD_TANH, Activation.HARD_SILU, Activation.MISH, Activation.GELU_TANH,
                Activation.LOG_SIGMOID, Activation.named("soft_shrink"), Activation.named("hard_shrink"));
        List<Result> results = new ArrayList<>();
        for (Activation a : acts) {
            int s = a.kind() == Activation.Kind.GELU || a.kind() == Activation.Kind.GELU_TANH ? Math.max(stride, 61) : stride;
            Result r = measure(k, a, s);
            results.add(r);
            System.out.printf(Locale.ROOT, "%-40s maxAbs %.3g at %s   maxRel %.3g at %s   (%d floats)%n", a, r.maxAbs, r.argAbs,
                    r.maxRel, r.argRel, r.count);
        }
        StringBuilder md = new StringBuilder();
        md.append("# Error bounds of the vector activations\n\n")
          .append("Measured by `io.github.panamarnn.benchmarks.ErrorBounds` on ").append(k.name()).append(", against the\n")
          .append("double-precision definition `Activation.exact`. Absolute error over inputs whose exact value has\n")
          .append("magnitude <= 1; relative error where the exact value is a normal float. Stride 1 means all 2^32 floats.\n")
          .append("The bounds the code states (`Activation.Kind.maxAbsError/maxRelError`) are these, rounded up, and\n")
          .append("`ActivationErrorBoundsTest` re-checks them by dense sweep on every build.\n\n")
          .append("| activation | max abs error | at x | max rel error | at x | floats checked (stride) |\n")
          .append("|---|---|---|---|---|---|\n");
        for (Result r : results) {
            md.append(String.format(Locale.ROOT, "| %s | %.3g | %s | %.3g | %s | %d (%d) |%n", r.act, r.maxAbs, r.argAbs, r.maxRel,
                    r.argRel, r.count, r.stride));
        }
        md.append("\nRegenerate: `./panama java -cp benchmarks/target/benchmarks.jar io.github.panamarnn.benchmarks.ErrorBounds 1`\n");
        Files.writeString(out, md.toString());
        System.out.println("wrote " + out);
    }

    static Result measure(Kernels k, Activation act, int stride) {
        final int chunk = 1 << 16;
        float[] in = new float[chunk];
        float[] outv = new float[chunk];
        double maxAbs = 0;
        double maxRel = 0;
        float argAbs = 0;
        float argRel = 0;
        long count = 0;
        int filled = 0;
        for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += stride) {
            float x = Float.intBitsToFloat((int) bits);
            if (Float.isNaN(x)) {
                continue;
            }
            in[filled++] = x;
            if (filled == chunk || bits + stride > 0xFFFF_FFFFL) {
                k.activate(act, in, 0, outv, 0, filled);
                for (int i = 0; i < filled; i++) {
                    double e = act.exact(in[i]);
                    if (Double.isInfinite((float) e) || Double.isNaN(e)) {
                        continue;
                    }
                    double err = Math.abs(outv[i] - e);
                    double ae = Math.abs(e);
                    if (ae <= 1 && err > maxAbs) {
                        maxAbs = err;
                        argAbs = in[i];
                    }
                    if (ae >= Float.MIN_NORMAL && err / ae > maxRel) {
                        maxRel = err / ae;
                        argRel = in[i];
                    }
                }
                count += filled;
                filled = 0;
            }
        }
        return new Result(act, maxAbs, argAbs, maxRel, argRel, count, stride);
    }
}
