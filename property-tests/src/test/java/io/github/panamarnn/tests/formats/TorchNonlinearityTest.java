package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.formats.LoadOptions;
import io.github.panamarnn.formats.LoadOptions.TorchNonlinearity;
import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.formats.torch.TorchModules;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.unroll.SequenceRunner;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * PyTorch {@code nn.RNN(nonlinearity=...)} is not in a state_dict (SEMANTICS.md 8): it is a load
 * option, {@code tanh} is assumed when it is not given and the model says so, and giving it for a
 * module that has no such option is refused.
 */
class TorchNonlinearityTest {

    private static Map<String, Tensor> rnn(int in, int hidden, int gates) {
        SplittableRandom r = new SplittableRandom(17);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("rnn.weight_ih_l0", new Tensor("rnn.weight_ih_l0", new int[] {gates * hidden, in}, KerasOptionsTest.random(r, gates * hidden * in, 0.8)));
        sd.put("rnn.weight_hh_l0", new Tensor("rnn.weight_hh_l0", new int[] {gates * hidden, hidden},
                KerasOptionsTest.random(r, gates * hidden * hidden, 0.8)));
        sd.put("rnn.bias_ih_l0", new Tensor("rnn.bias_ih_l0", new int[] {gates * hidden}, KerasOptionsTest.random(r, gates * hidden, 0.4)));
        sd.put("rnn.bias_hh_l0", new Tensor("rnn.bias_hh_l0", new int[] {gates * hidden}, KerasOptionsTest.random(r, gates * hidden, 0.4)));
        return sd;
    }

    private static float[] lastStep(Map<String, Tensor> sd, Activation act, float[] x, int batch, int steps) {
        SimpleRnnCell cell = SimpleRnnCell.torch(3, 6, sd.get("rnn.weight_ih_l0").data(), sd.get("rnn.weight_hh_l0").data(),
                sd.get("rnn.bias_ih_l0").data(), sd.get("rnn.bias_hh_l0").data(), act);
        SequenceRunner r = new SequenceRunner(cell, batch, steps);
        r.run(x, steps, false, null, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, null);
        return r.state().part(0).clone();
    }

    @Test
    void nonlinearityIsALoadOptionAndTheAssumptionIsListed() throws ModelFormatException {
        Map<String, Tensor> sd = rnn(3, 6, 1);
        float[] x = KerasOptionsTest.random(new SplittableRandom(2), 2 * 5 * 3, 2);
        Model assumed = TorchModules.model(sd, "sd");
        assertEquals(1, assumed.assumptions().size());
        assertTrue(assumed.assumptions().get(0).contains("tanh"), assumed.assumptions().toString());
        Model relu = TorchModules.model(sd, "sd", LoadOptions.DEFAULTS.withTorchNonlinearity(TorchNonlinearity.RELU));
        Model tanh = TorchModules.model(sd, "sd", LoadOptions.DEFAULTS.withTorchNonlinearity(TorchNonlinearity.TANH));
        assertTrue(relu.assumptions().isEmpty() && tanh.assumptions().isEmpty(), "nothing is assumed once it is said");
        float[] yr = new float[12];
        float[] yt = new float[12];
        float[] ya = new float[12];
        relu.newSession(2, 5).run(x, 5, yr);
        tanh.newSession(2, 5).run(x, 5, yt);
        assumed.newSession(2, 5).run(x, 5, ya);
        assertArrayEquals(lastStep(sd, Activation.RELU, x, 2, 5), yr);
        assertArrayEquals(lastStep(sd, Activation.TANH, x, 2, 5), yt);
        assertArrayEquals(yt, ya);
        assertFalse(java.util.Arrays.equals(yr, yt), "relu and tanh differ on these weights");
        assertEquals(TorchNonlinearity.RELU, TorchNonlinearity.parse("ReLU"));
        assertThrows(IllegalArgumentException.class, () -> TorchNonlinearity.parse("sigmoid"));
    }

    @Test
    void nonlinearityForAnotherModuleIsRefused() throws ModelFormatException {
        Map<String, Tensor> gru = rnn(3, 6, 3);
        assertTrue(TorchModules.model(gru, "gru").assumptions().isEmpty(), "an nn.GRU assumes nothing");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> TorchModules.model(gru, "gru", LoadOptions.DEFAULTS.withTorchNonlinearity(TorchNonlinearity.RELU)));
        assertTrue(e.getMessage().contains("GRU") && e.getMessage().contains("relu"), e.getMessage());
    }

    @Test
    void kerasFilesRefuseATorchOption() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.load(KerasModelsTest.MODELS.resolve("keras/lstm64.keras"),
                LoadOptions.DEFAULTS.withTorchNonlinearity(TorchNonlinearity.RELU)));
        assertTrue(e.getMessage().contains("lstm64.keras"), e.getMessage());
    }

    @Test
    void trainedTorchModelsSayWhatTheyAssumed() throws IOException {
        // The trained LSTM/GRU modules in ../shared/models have nothing to assume.
        for (String f : new String[] {"torch/lstm2x64.safetensors", "torch/gru64.safetensors", "torch/lstm64_proj16.npz"}) {
            java.nio.file.Path p = KerasModelsTest.MODELS.resolve(f);
            assertTrue(ModelFiles.load(p).assumptions().isEmpty(), f);
        }
    }
}
