package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.ParallelKernels;
import io.github.panamarnn.kernels.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every trained model in ../shared/models with bfloat16 and int8 weights, over the first 400 test windows: the
 * predictions stay within the README's stated distance of the framework's own (bf16 1e-2, int8 3e-2; measured:
 * jmh-results/precision/accuracy.md), the test RMSE within 1% of float32's, and a step split over two threads is
 * the one-thread step bit for bit.
 */
class PrecisionModelsTest {
    private static final Path MODELS = TorchModelsTest.MODELS;
    private static final List<String> NAMES = List.of("keras/lstm64.keras", "keras/gru64.keras", "keras/simplernn32.keras",
            "keras/stacked_lstm64_32.keras", "torch/lstm2x64.safetensors", "torch/gru64.safetensors", "torch/lstm64_proj16.safetensors");
    private static final int WINDOWS = 400;
    private static final int WINDOW = 50;

    @TestFactory
    Stream<DynamicTest> quantizedModelsStayCloseToTheFramework() {
        return NAMES.stream().map(n -> DynamicTest.dynamicTest(n, () -> check(n)));
    }

    private static void check(String name) throws Exception {
        Model fp32 = ModelFiles.load(MODELS.resolve(name));
        float[] framework = NumPy.readNpy(MODELS.resolve(name.substring(0, name.lastIndexOf('.')) + ".stream_pred.npy")).data();
        float[] series = NumPy.readNpy(MODELS.resolve("data/telemetry.npy")).data();
        float[] x = new float[WINDOWS * WINDOW * 4];
        for (int k = 0; k < WINDOWS; k++) {
            System.arraycopy(series, (8000 + k) * 4, x, k * WINDOW * 4, WINDOW * 4);
        }
        double rmse32 = rmse(run(fp32, x), series);
        for (Precision p : new Precision[] {Precision.BF16, Precision.INT8}) {
            Model m = fp32.using(KernelProvider.get().withPrecision(p));
            // The same model when the precision is a load option.
            assertEquals(m.fingerprint(), ModelFiles.load(MODELS.resolve(name),
                    io.github.panamarnn.formats.LoadOptions.DEFAULTS.withKernels(KernelProvider.get().withPrecision(p))).fingerprint(), name + " " + p);
            float[] y = run(m, x);
            double max = 0;
            for (int k = 0; k < WINDOWS; k++) {
                max = Math.max(max, Math.abs(y[k] - framework[k]));
            }
            double bound = p == Precision.BF16 ? 1e-2 : 3e-2;
            assertTrue(max <= bound, name + " " + p + ": max |ours - framework| " + max + " > " + bound);
            double rmse = rmse(y, series);
            assertTrue(Math.abs(rmse / rmse32 - 1) <= 0.01, name + " " + p + ": RMSE " + rmse + " vs fp32 " + rmse32);
            try (ParallelKernels two = ParallelKernels.of(KernelProvider.get(), 2, Thread::new, java.time.Duration.ofMillis(1), 0)) {
                assertArrayEquals(y, run(fp32.using(two.withPrecision(p)), x), name + " " + p + " on two threads");
            }
        }
    }

    private static float[] run(Model m, float[] x) {
        float[] y = new float[WINDOWS];
        m.newSession(WINDOWS, WINDOW).run(x, WINDOW, y);
        assertEquals(1, m.outputSize());
        return y;
    }

    private static double rmse(float[] y, float[] series) {
        double se = 0;
        for (int k = 0; k < y.length; k++) {
            double d = y[k] - series[(8000 + k + WINDOW) * 4];
            se += d * d;
        }
        return Math.sqrt(se / y.length);
    }
}
