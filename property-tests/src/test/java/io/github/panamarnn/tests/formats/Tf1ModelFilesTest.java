package io.github.panamarnn.tests.formats;

import static io.github.panamarnn.tests.formats.KerasConfigTest.load;
import static io.github.panamarnn.tests.formats.KerasConfigTest.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.panamarnn.formats.LoadOptions;
import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.formats.tf1.Tf1Variables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TF1 variables saved as {@code .npz} load through {@link ModelFiles#load} as a whole model (the
 * {@code dynamic_rnn} of their cell, or a {@code bidirectional_dynamic_rnn} with outputs {@code fw},
 * {@code bw}), matching TensorFlow's reference runs; what the variables do not record is listed as
 * assumed, or given as {@link LoadOptions#withTf1}, and options for the wrong kind of file are refused.
 */
class Tf1ModelFilesTest {
    @TempDir
    Path dir;

    /** The case's weights as an {@code .npz}, each under {@code scope + name + ":0"} as a TF1 export writes them. */
    private Path npz(JsonNode c, String scope) throws IOException {
        Path file = dir.resolve("vars.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            var names = c.get("weights").properties().stream().map(java.util.Map.Entry::getKey).iterator();
            while (names.hasNext()) {
                String n = names.next();
                Tensor t = tensor(c.get("weights").get(n), n);
                Path one = dir.resolve("one.npy");
                NumPy.writeNpy(one, t.data(), t.shape());
                z.putNextEntry(new ZipEntry(scope + n + ":0.npy"));
                z.write(Files.readAllBytes(one));
            }
        }
        return file;
    }

    private static void close(float[] expected, float[] got, int from, int width, int stride, int rows, String what) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                float e = expected[r * width + j];
                float g = got[r * stride + from + j];
                if (!(Math.abs(g - e) <= 2e-5 + 1e-4 * Math.abs(e))) {
                    fail(what + " row " + r + " feature " + j + ": got " + g + ", TensorFlow " + e);
                }
            }
        }
    }

    @Test
    void aStackOfCellsLoadsAsItsDynamicRnn() throws IOException {
        JsonNode c = load("tf1/multi_rnn_3x_basic_lstm_dynamic_b2_d5_u6_t5");
        Model m = ModelFiles.load(npz(c, "rnn/"));
        assertTrue(m.assumptions().get(0).contains("forget_bias 1.0"), m.assumptions().toString());
        assertTrue(m.sequenceOutput());
        Tensor x = tensor(c.get("inputs").get("x"), "x");
        float[] y = new float[m.outputLength(2, 5)];
        m.newSession(2, 5).run(x.data(), 5, y);
        close(tensor(c.get("expected").get("outputs"), "o").data(), y, 0, 6, 6, 10, "stack");
        // said explicitly: nothing assumed, same numbers
        Model said = ModelFiles.load(npz(c, "rnn/"), LoadOptions.DEFAULTS.withTf1(List.of(Tf1Variables.Options.parse("forget_bias=1"))));
        assertEquals(List.of(), said.assumptions());
        ModelFormatException wrongCount = assertThrows(ModelFormatException.class, () -> ModelFiles.load(npz(c, "rnn/"),
                LoadOptions.DEFAULTS.withTf1(List.of(Tf1Variables.Options.defaults(), Tf1Variables.Options.defaults()))));
        assertTrue(wrongCount.getMessage().contains("2 Options for the 3 layers"), wrongCount.getMessage());
        ModelFormatException torch = assertThrows(ModelFormatException.class, () -> ModelFiles.load(npz(c, "rnn/"),
                LoadOptions.DEFAULTS.withTorchNonlinearity(LoadOptions.TorchNonlinearity.RELU)));
        assertTrue(torch.getMessage().contains("TF1"), torch.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Tf1Variables.Options.parse("forget_bias=x"));
        assertTrue(bad.getMessage().contains("forget_bias='x'"), bad.getMessage());
    }

    @Test
    void twoCellsUnderFwAndBwLoadAsABidirectionalRunWithTwoOutputs() throws IOException {
        JsonNode c = load("tf1_more/bidir_lstm_cell_seqlen_b3_d4_u5_t6");
        Model m = ModelFiles.load(npz(c, "bidirectional_rnn/"));
        assertEquals(List.of(new Model.Output("fw", 5), new Model.Output("bw", 5)), m.outputs());
        Tensor x = tensor(c.get("inputs").get("x"), "x");
        float[] y = new float[m.outputLength(3, 6)];
        m.newSession(3, 6).run(x.data(), 6, y);
        // The model runs whole sequences: compare the rows the case runs to full length.
        JsonNode lens = c.get("inputs").get("sequence_length").get("data");
        float[] fw = tensor(c.get("expected").get("outputs_fw"), "fw").data();
        float[] bw = tensor(c.get("expected").get("outputs_bw"), "bw").data();
        int compared = 0;
        for (int b = 0; b < 3; b++) {
            if (lens.get(b).asInt() == 6) {
                float[] rowY = java.util.Arrays.copyOfRange(y, b * 6 * 10, (b + 1) * 6 * 10);
                close(java.util.Arrays.copyOfRange(fw, b * 30, (b + 1) * 30), rowY, 0, 5, 10, 6, "fw row " + b);
                close(java.util.Arrays.copyOfRange(bw, b * 30, (b + 1) * 30), rowY, 5, 5, 10, 6, "bw row " + b);
                compared++;
            }
        }
        assertTrue(compared > 0, "no full-length row in the case");
    }
}
