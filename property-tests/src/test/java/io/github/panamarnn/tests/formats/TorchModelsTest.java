package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.model.Dense;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.formats.tensors.SafeTensors;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.formats.torch.TorchModules;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.unroll.StaticRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The PyTorch models trained for real in ../shared/models (README there), read from .safetensors and
 * from .npz, run on the fixed test windows through the public API, against PyTorch's own outputs.
 */
class TorchModelsTest {
    static final Path MODELS = Path.of(System.getProperty("rnn.models.dir", "../shared/models"));

    /** model name, module prefix, the file with its full output sequence (or null). */
    static final List<String[]> MODELS_UNDER_TEST = List.of(
            new String[] {"gru64", "gru.", "gru64.gru.output_seq.npy"},
            new String[] {"lstm2x64", "lstm.", "lstm2x64.lstm.output_seq.npy"},
            new String[] {"lstm64_proj16", "lstm.", "lstm64_proj16.lstm.output_seq.npy"});

    @TestFactory
    Stream<DynamicTest> torchModelsMatchPyTorch() {
        assertTrue(Files.isDirectory(MODELS), "no models at " + MODELS.toAbsolutePath());
        return MODELS_UNDER_TEST.stream().flatMap(m -> Stream.of(".safetensors", ".npz").map(ext ->
                DynamicTest.dynamicTest(m[0] + ext, () -> check(m[0], m[1], m[2], ext))));
    }

    private static void check(String model, String prefix, String seqFile, String ext) throws IOException {
        Path file = MODELS.resolve("torch").resolve(model + ext);
        Map<String, Tensor> sd = ext.equals(".npz") ? NumPy.readNpz(file) : SafeTensors.read(file);
        RnnCell cell = TorchModules.recurrent(sd, prefix, TorchModules.detect(sd, prefix));
        Dense head = TorchModules.linear(sd, "head.");
        Tensor windows = NumPy.readNpy(MODELS.resolve("data/test_windows.npy"));
        int batch = windows.shape()[0];
        int steps = windows.shape()[1];
        int o = cell.outputSize();
        float[] seq = new float[batch * steps * o];
        new StaticRunner(cell, batch, steps).run(windows.data(), false, null, seq);
        // The whole output sequence, where PyTorch saved it.
        Path seqPath = MODELS.resolve("torch").resolve(seqFile);
        if (Files.exists(seqPath)) {
            float[] want = NumPy.readNpy(seqPath).data();
            assertEquals(want.length, seq.length, model + " output sequence size");
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], seq[i], 5e-5 + 1e-4 * Math.abs(want[i]), model + ext + " output_seq element " + i);
            }
        }
        float[] last = new float[batch * o];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(seq, (b * steps + steps - 1) * o, last, b * o, o);
        }
        float[] pred = new float[batch * head.outputSize()];
        head.apply(last, 0, batch, pred, 0);
        float[] expected = NumPy.readNpy(MODELS.resolve("torch").resolve(model + ".expected.npy")).data();
        assertEquals(expected.length, pred.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], pred[i], 5e-5 + 1e-4 * Math.abs(expected[i]), model + ext + " prediction " + i);
        }
    }

    @TestFactory
    Stream<DynamicTest> wholeModelsThroughModelFiles() {
        return MODELS_UNDER_TEST.stream().flatMap(m -> Stream.of(".safetensors", ".npz").map(ext -> DynamicTest.dynamicTest(m[0] + ext, () -> {
            io.github.panamarnn.model.Model model = io.github.panamarnn.formats.ModelFiles.load(MODELS.resolve("torch").resolve(m[0] + ext));
            Tensor windows = NumPy.readNpy(MODELS.resolve("data/test_windows.npy"));
            float[] pred = new float[8];
            model.newSession(8, 50).run(windows.data(), 50, pred);
            float[] expected = NumPy.readNpy(MODELS.resolve("torch").resolve(m[0] + ".expected.npy")).data();
            for (int i = 0; i < 8; i++) {
                KerasModelsTest.close(expected[i], pred[i], m[0] + ext + " window " + i);
            }
            io.github.panamarnn.model.Model.Stream s = model.newStream();
            float[] y = new float[1];
            for (int t = 0; t < 50; t++) {
                s.step(windows.data(), t * 4, y, 0);
            }
            KerasModelsTest.close(expected[0], y[0], m[0] + ext + " streamed window 0");
        })));
    }

    @Test
    void wrongShapesAndBidirectionalFilesAreNamedErrors() throws IOException {
        Map<String, Tensor> sd = new java.util.HashMap<>(SafeTensors.read(MODELS.resolve("torch/gru64.safetensors")));
        sd.put("gru.weight_ih_l0_reverse", sd.get("gru.weight_ih_l0"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TorchModules.recurrent(sd, "gru.", TorchModules.Kind.GRU));
        assertTrue(e.getMessage().contains("bidirectional"), e.getMessage());
        Map<String, Tensor> bad = new java.util.HashMap<>(SafeTensors.read(MODELS.resolve("torch/gru64.safetensors")));
        Tensor hh = bad.get("gru.weight_hh_l0");
        bad.put("gru.weight_hh_l0", new Tensor(hh.name(), new int[] {192, 32}, java.util.Arrays.copyOf(hh.data(), 192 * 32)));
        e = assertThrows(ModelFormatException.class, () -> TorchModules.recurrent(bad, "gru.", TorchModules.Kind.GRU));
        assertTrue(e.getMessage().contains("weight_hh_l0") && e.getMessage().contains("[192, 32]") && e.getMessage().contains("[192, 64]"),
                e.getMessage());
    }
}
