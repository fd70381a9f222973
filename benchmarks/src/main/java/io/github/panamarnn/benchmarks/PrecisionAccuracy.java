package io.github.panamarnn.benchmarks;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;
import io.github.panamarnn.kernels.Precision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What bfloat16 and int8 weights cost in accuracy, measured (issue 13), printed as Markdown:
 * <ol>
 *   <li>gate pre-activations of random LSTM layers (Keras initialisers: Glorot-uniform input kernel, orthogonal
 *       recurrent kernel; inputs and states normal(0, 1)): the difference from float32 weights, in units of the
 *       pre-activations' RMS;</li>
 *   <li>every trained model in {@code ../shared/models} (Keras and PyTorch files): its predictions over the 3,950
 *       test windows with each precision, against the framework's own ({@code <model>.stream_pred.npy}) and as the
 *       test RMSE against the truth.</li>
 * </ol>
 * Usage: {@code PrecisionAccuracy <models dir>}; the output is committed as {@code jmh-results/precision/accuracy.md}.
 */
public final class PrecisionAccuracy {
    private static final List<String> MODELS = List.of("keras/lstm64.keras", "keras/gru64.keras", "keras/simplernn32.keras",
            "keras/stacked_lstm64_32.keras", "torch/lstm2x64.safetensors", "torch/gru64.safetensors", "torch/lstm64_proj16.safetensors");
    private static final int WINDOW = 50;
    private static final int FIRST_TEST = 8000;

    private PrecisionAccuracy() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: PrecisionAccuracy <models dir (../shared/models)>");
            System.exit(1);
        }
        Path models = Path.of(args[0]);
        System.out.println("# What weights past float32 cost in accuracy");
        System.out.println();
        System.out.println("Made by `PrecisionAccuracy` (command in `jmh-results/README.md`); kernels: " + KernelProvider.get().name() + ".");
        System.out.println();
        System.out.println("## Gate pre-activations of random LSTM layers");
        System.out.println();
        System.out.println("`x @ W + h @ U + b` with Keras's initialisers (Glorot-uniform `W [h, 4h]`, orthogonal `U [h, 4h]`, zero bias), "
                + "`x`, `h` normal(0, 1), 64 random vectors; the difference from the float32 product, relative to the RMS of the "
                + "pre-activations.");
        System.out.println();
        System.out.println("| hidden | precision | max difference / RMS | RMS difference / RMS |");
        System.out.println("|---|---|---|---|");
        for (int h : new int[] {64, 256, 1024}) {
            for (Precision p : new Precision[] {Precision.BF16, Precision.INT8}) {
                double[] e = gateError(h, p);
                System.out.printf(Locale.ROOT, "| %d | %s | %.2e | %.2e |%n", h, p.label(), e[0], e[1]);
            }
        }
        System.out.println();
        System.out.println("## Trained models (`../shared/models`), 3,950 test windows");
        System.out.println();
        System.out.println("Each model's prediction of every test window (50 steps, batch of all windows), with each precision: the "
                + "largest difference from the framework's own prediction, and the test RMSE against the truth (the naive "
                + "last-value forecast: 0.2408).");
        System.out.println();
        System.out.println("| model | precision | max \\|ours - framework\\| | test RMSE | RMSE change vs fp32 |");
        System.out.println("|---|---|---|---|---|");
        Tensor series = NumPy.readNpy(models.resolve("data/telemetry.npy"));
        for (String name : MODELS) {
            Model fp32 = ModelFiles.load(models.resolve(name));
            float[] framework = NumPy.readNpy(models.resolve(name.substring(0, name.lastIndexOf('.')) + ".stream_pred.npy")).data();
            double rmse32 = 0;
            for (Precision p : Precision.values()) {
                Model m = fp32.using(KernelProvider.get().withPrecision(p));
                float[] pred = predictAll(m, series.data(), framework.length);
                double maxDiff = 0;
                double se = 0;
                for (int k = 0; k < pred.length; k++) {
                    maxDiff = Math.max(maxDiff, Math.abs(pred[k] - framework[k]));
                    double truth = series.data()[(FIRST_TEST + k + WINDOW) * 4];
                    se += (pred[k] - truth) * (pred[k] - truth);
                }
                double rmse = Math.sqrt(se / pred.length);
                if (p == Precision.FP32) {
                    rmse32 = rmse;
                }
                System.out.printf(Locale.ROOT, "| `%s` | %s | %.2e | %.4f | %+.2f%% |%n", name, p.label(), maxDiff, rmse, 100 * (rmse / rmse32 - 1));
            }
        }
    }

    private static float[] predictAll(Model m, float[] series, int windows) {
        float[] x = new float[windows * WINDOW * 4];
        for (int k = 0; k < windows; k++) {
            System.arraycopy(series, (FIRST_TEST + k) * 4, x, k * WINDOW * 4, WINDOW * 4);
        }
        float[] y = new float[windows];
        m.newSession(windows, WINDOW).run(x, WINDOW, y);
        return y;
    }

    /** {max |diff| / rms, rms diff / rms} of the LSTM gate pre-activations with weights in {@code p}. */
    private static double[] gateError(int h, Precision p) {
        float[] w = Initializers.glorotUniform(11).make(h, 4 * h);
        float[] u = Initializers.orthogonal(1f, 12).make(h, 4 * h);
        Kernels k32 = KernelProvider.get();
        Kernels kp = k32.withPrecision(p);
        PackedMatrix w32 = k32.pack(h, 4 * h, (r, c) -> w[r * 4 * h + c], null);
        PackedMatrix u32 = k32.pack(h, 4 * h, (r, c) -> u[r * 4 * h + c], null);
        PackedMatrix wp = kp.repack(w32);
        PackedMatrix up = kp.repack(u32);
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[h];
        float[] s = new float[h];
        float[] a = new float[4 * h];
        float[] b = new float[4 * h];
        double max = 0;
        double sqDiff = 0;
        double sq = 0;
        for (int t = 0; t < 64; t++) {
            for (int i = 0; i < h; i++) {
                x[i] = (float) r.nextGaussian();
                s[i] = (float) r.nextGaussian();
            }
            k32.matVec(w32, x, 0, a, 0, false);
            k32.matVec(u32, s, 0, a, 0, true);
            kp.matVec(wp, x, 0, b, 0, false);
            kp.matVec(up, s, 0, b, 0, true);
            for (int i = 0; i < 4 * h; i++) {
                double d = Math.abs(a[i] - b[i]);
                max = Math.max(max, d);
                sqDiff += d * d;
                sq += (double) a[i] * a[i];
            }
        }
        double rms = Math.sqrt(sq / (64.0 * 4 * h));
        return new double[] {max / rms, Math.sqrt(sqDiff / (64.0 * 4 * h)) / rms};
    }
}
