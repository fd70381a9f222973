package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.keras.KerasModels;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.kernels.KernelProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Keras 3 models trained for real in ../shared/models, loaded whole (config and weights) from
 * .keras and from legacy .h5, against Keras's own predictions: the 8 fixed windows as one batch, the
 * same windows one step at a time through a stream, and the first 400 test windows of the telemetry
 * series against {@code <model>.stream_pred.npy}. Tolerance: models/README.md (atol 2e-5, rtol 1e-5).
 */
class KerasModelsTest {
    static final Path MODELS = TorchModelsTest.MODELS;
    static final List<String> NAMES = List.of("lstm64", "gru64", "simplernn32", "stacked_lstm64_32");

    static void close(float want, float got, String what) {
        assertTrue(Math.abs(want - got) <= 2e-5 + 1e-5 * Math.abs(want), what + ": expected " + want + ", got " + got);
    }

    @TestFactory
    Stream<DynamicTest> kerasModelsMatchKeras() {
        return NAMES.stream().flatMap(m -> Stream.of(".keras", ".h5").map(ext ->
                DynamicTest.dynamicTest(m + ext, () -> check(m, ext))));
    }

    private static void check(String name, String ext) throws IOException {
        Model model = KerasModels.load(MODELS.resolve("keras").resolve(name + ext));
        Tensor windows = NumPy.readNpy(MODELS.resolve("data/test_windows.npy"));
        int batch = windows.shape()[0];
        int steps = windows.shape()[1];
        assertEquals(4, model.inputSize());
        assertEquals(1, model.outputSize());
        assertFalse(model.sequenceOutput());
        float[] expected = NumPy.readNpy(MODELS.resolve("keras").resolve(name + ".expected.npy")).data();
        float[] pred = new float[batch];
        model.newSession(batch, steps).run(windows.data(), steps, pred);
        for (int i = 0; i < batch; i++) {
            close(expected[i], pred[i], name + ext + " window " + i);
        }
        // One step at a time: the output after the window's last step is the window's prediction.
        Model.Stream s = model.newStream();
        float[] y = new float[1];
        for (int b = 0; b < batch; b++) {
            s.reset();
            for (int t = 0; t < steps; t++) {
                s.step(windows.data(), (b * steps + t) * 4, y, 0);
            }
            close(expected[b], y[0], name + ext + " streamed window " + b);
        }
        // The test segment of the telemetry series, 400 windows as one batch.
        float[] series = NumPy.readNpy(MODELS.resolve("data/telemetry.npy")).data();
        float[] streamPred = NumPy.readNpy(MODELS.resolve("keras").resolve(name + ".stream_pred.npy")).data();
        int n = 400;
        float[] x = new float[n * steps * 4];
        for (int k = 0; k < n; k++) {
            System.arraycopy(series, (8000 + k) * 4, x, k * steps * 4, steps * 4);
        }
        float[] out = new float[n];
        model.newSession(n, steps).run(x, steps, out);
        for (int k = 0; k < n; k++) {
            close(streamPred[k], out[k], name + ext + " test window " + k);
        }
        // The scalar specification of the same model agrees too.
        float[] scalar = new float[batch];
        model.using(KernelProvider.scalar()).newSession(batch, steps).run(windows.data(), steps, scalar);
        for (int i = 0; i < batch; i++) {
            close(expected[i], scalar[i], name + ext + " scalar window " + i);
        }
    }

    @Test
    void describesWhatItLoaded() throws IOException {
        Model m = KerasModels.load(MODELS.resolve("keras/stacked_lstm64_32.keras"));
        assertEquals(30113, m.parameterCount());
        assertEquals(50, m.fixedSteps());
        assertEquals(List.of("lstm_1", "lstm_2", "dense"), m.layers().stream().map(Model.Layer::name).toList());
        assertEquals(17729, KerasModels.load(MODELS.resolve("keras/lstm64.h5")).parameterCount());
    }

    @Test
    void weightsOnlyAndForeignFilesAreNamedErrors(@TempDir Path dir) throws IOException {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> KerasModels.load(MODELS.resolve("keras/lstm64.weights.h5")));
        assertTrue(e.getMessage().contains("model_config") && e.getMessage().contains("lstm64.weights.h5"), e.getMessage());
        Path npy = MODELS.resolve("data/test_targets.npy");
        e = assertThrows(ModelFormatException.class, () -> KerasModels.load(npy));
        assertTrue(e.getMessage().contains("not a Keras model"), e.getMessage());
        Path cut = dir.resolve("cut.keras");
        byte[] all = Files.readAllBytes(MODELS.resolve("keras/simplernn32.keras"));
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        e = assertThrows(ModelFormatException.class, () -> KerasModels.load(cut));
        assertTrue(e.getMessage().contains("cut.keras"), e.getMessage());
    }
}
