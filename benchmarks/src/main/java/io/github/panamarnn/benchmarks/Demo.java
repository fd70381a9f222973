package io.github.panamarnn.benchmarks;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.LstmGates;
import io.github.panamarnn.kernels.PackedMatrix;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The main job until the command-line tool exists: runs the kernels one LSTM step needs and prints
 * what they achieve on this machine, vector against the scalar specification, with the error of the
 * vector activations. A quick in-process timing (best of several short runs after warm-up), not a
 * benchmark: the measured, committed numbers are in jmh-results/.
 */
public final class Demo {
    private Demo() {
    }

    interface Op {
        void run();
    }

    /** Best ns per call over {@code rounds} timed rounds of {@code calls} calls, after a warm-up. */
    static double time(Op op, int calls, int rounds) {
        long warmEnd = System.nanoTime() + 400_000_000L;
        while (System.nanoTime() < warmEnd) {
            for (int i = 0; i < calls; i++) {
                op.run();
            }
        }
        double best = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                op.run();
            }
            best = Math.min(best, (System.nanoTime() - t0) / (double) calls);
        }
        return best;
    }

    public static void main(String[] args) {
        Kernels v = KernelProvider.get();
        Kernels s = KernelProvider.scalar();
        System.out.println("panama-rnn kernel demo");
        System.out.println("kernels: " + v.name() + (v.isVectorized() ? "" : "  (fallback: " + KernelProvider.fallbackReason() + ")"));
        System.out.println();
        System.out.println("LSTM gate product y = [x, h] @ W + b, W [2h, 4h], batch 1 (one streaming tick):");
        System.out.println("     h     vector ns    scalar ns   vector GFLOP/s   speed-up");
        SplittableRandom r = new SplittableRandom(1);
        for (int h : new int[] {64, 128, 256}) {
            int rows = 2 * h;
            int cols = 4 * h;
            float[] w = new float[rows * cols];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (r.nextDouble() - 0.5) * 0.1f;
            }
            PackedMatrix pv = v.pack(rows, cols, (i, j) -> w[i * cols + j], null);
            PackedMatrix ps = s.pack(rows, cols, (i, j) -> w[i * cols + j], null);
            float[] x = new float[rows];
            float[] y = new float[cols];
            for (int i = 0; i < rows; i++) {
                x[i] = (float) r.nextGaussian();
            }
            double tv = time(() -> v.matVec(pv, x, 0, y, 0, false), 2000, 5);
            double ts = time(() -> s.matVec(ps, x, 0, y, 0, false), 200, 3);
            System.out.printf(Locale.ROOT, "%6d %12.0f %12.0f %16.1f %9.1fx%n", h, tv, ts, 2.0 * rows * cols / tv, ts / tv);
        }
        System.out.println();
        System.out.println("Activations over 1024 elements (ns per element), and the vector error against the double definition");
        System.out.println("as the bounds are stated: absolute where |f(x)| <= 1, relative elsewhere:");
        System.out.println("  activation     vector   scalar   speed-up   abs error (bound)     rel error (bound)");
        float[] in = new float[1024];
        float[] out = new float[1024];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) (r.nextGaussian() * 4);
        }
        String[] labels = {"tanh", "sigmoid", "hardSigmoid", "gelu"};
        Activation[] acts = {Activation.TANH, Activation.SIGMOID, Activation.HARD_SIGMOID, Activation.GELU};
        for (int k = 0; k < acts.length; k++) {
            Activation a = acts[k];
            double tv = time(() -> v.activate(a, in, 0, out, 0, in.length), 5000, 5) / in.length;
            double ts = time(() -> s.activate(a, in, 0, out, 0, in.length), 500, 3) / in.length;
            v.activate(a, in, 0, out, 0, in.length);
            double abs = 0;
            double rel = 0;
            for (int i = 0; i < in.length; i++) {
                double e = a.exact(in[i]);
                double err = Math.abs(out[i] - e);
                if (Math.abs(e) <= 1) {
                    abs = Math.max(abs, err);
                } else {
                    rel = Math.max(rel, err / Math.abs(e));
                }
            }
            System.out.printf(Locale.ROOT, "  %-12s %8.2f %8.2f %9.1fx   %.2g (%.2g)     %.2g (%.2g)%n", labels[k], tv, ts, ts / tv, abs,
                    a.kind().maxAbsError(), rel, a.kind().maxRelError());
        }
        System.out.println();
        int u = 128;
        LstmGates g = LstmGates.builder(u).forgetBias(1f).build();
        float[] gates0 = new float[4 * u];
        for (int i = 0; i < gates0.length; i++) {
            gates0[i] = (float) r.nextGaussian() * 2;
        }
        float[] gates = new float[4 * u];
        float[] c = new float[u];
        float[] h = new float[u];
        double tv = time(() -> {
            System.arraycopy(gates0, 0, gates, 0, gates.length);
            v.lstmUpdate(g, 1, gates, 0, c, 0, h, 0);
        }, 20000, 5);
        double ts = time(() -> {
            System.arraycopy(gates0, 0, gates, 0, gates.length);
            s.lstmUpdate(g, 1, gates, 0, c, 0, h, 0);
        }, 2000, 3);
        System.out.printf(Locale.ROOT, "Fused LSTM state update, 128 units: vector %.0f ns, scalar %.0f ns (%.1fx)%n", tv, ts, ts / tv);
        System.out.println();
        System.out.println("Measured results with errors, the machine's limits and allocation: jmh-results/kernels.md");
    }
}
