package io.github.panamarnn.formats;

import io.github.panamarnn.formats.keras.KerasModels;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxSession;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.formats.tensors.SafeTensors;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.formats.tf1.Tf1Models;
import io.github.panamarnn.formats.tf1.Tf1Variables;
import io.github.panamarnn.formats.torch.TorchModules;

import io.github.panamarnn.model.Model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Opens any model file this library reads, by its extension: {@code .keras} / {@code .h5} (Keras,
 * {@link KerasModels}), {@code .safetensors} / {@code .npz} (a PyTorch state_dict,
 * {@link TorchModules#model}, or TF1 variables when every name lies under a TF1 cell scope,
 * {@link Tf1Variables}) and {@code .onnx} graphs into a {@link Model}: a graph of recurrent nodes and their glue compiles
 * to layers ({@code OnnxCompiler}), any other graph of one {@code [batch, time, features]} input becomes a
 * {@link Model.Graph} layer run by the ONNX interpreter ({@link OnnxSession#toModel}).
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** True for the extensions {@link #load} turns into a {@link Model}. */
    public static boolean isSequenceModel(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".keras") || n.endsWith(".h5") || n.endsWith(".safetensors") || n.endsWith(".npz") || n.endsWith(".onnx");
    }

    /** Whether {@code file} is named as an ONNX graph ({@code .onnx}). */
    public static boolean isOnnx(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    /**
     * A Keras, PyTorch, TF1-variables or ONNX model file as a {@link Model} (an ONNX graph that does not compile to
     * layers runs in the interpreter as one {@link Model.Graph} layer; one that does not read {@code [batch, time,
     * features]} is refused, naming why: {@link OnnxSession} runs it).
     *
     * @throws ModelFormatException for an unknown extension or a file that cannot be used (named)
     */
    public static Model load(Path file) throws IOException {
        return load(file, LoadOptions.DEFAULTS);
    }

    /**
     * {@link #load(Path)} with what the file cannot say ({@link LoadOptions}); what was assumed
     * instead is in {@link Model#assumptions()}.
     */
    public static Model load(Path file, LoadOptions options) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, Files.isDirectory(file) ? "a directory, not a model file"
                    : Files.exists(file) ? "not a regular file" : "no such model file");
        }
        try {
            Model m = loadFile(file, options);
            try {
                return options.kernels() == null ? m : m.using(options.kernels());
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file + ": " + e.getMessage(), e);
            }
        } catch (ModelFormatException e) {
            // Every refusal names the file, whichever reader found the problem.
            if (e.getMessage() != null && e.getMessage().contains(file.toString())) {
                throw e;
            }
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static Model loadFile(Path file, LoadOptions options) throws IOException {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".keras") || n.endsWith(".h5")) {
            if (options.torchNonlinearity() != null) {
                throw new ModelFormatException(file + ": a PyTorch nonlinearity was given for a Keras file, which records its own activations");
            }
            if (options.tf1() != null) {
                throw new ModelFormatException(file + ": TF1 cell options were given for a Keras file, which records its own");
            }
            return KerasModels.load(file, options.budget(file));
        }
        if (n.endsWith(".safetensors") || n.endsWith(".npz")) {
            Map<String, Tensor> sd = n.endsWith(".npz") ? NumPy.readNpz(file, options.budget(file)) : SafeTensors.read(file, options.budget(file));
            if (Tf1Models.looksLikeTf1(sd)) {
                if (options.torchNonlinearity() != null) {
                    throw new ModelFormatException(file + ": a PyTorch nonlinearity was given for TF1 variables; give TF1 options instead");
                }
                return Tf1Models.model(sd, "TF1 variables " + file, options);
            }
            if (options.tf1() != null) {
                throw new ModelFormatException(file + ": TF1 cell options were given for a file that holds no TF1 variables (a PyTorch state_dict)");
            }
            return TorchModules.model(sd, "PyTorch state_dict " + file, options);
        }
        if (n.endsWith(".onnx")) {
            if (options.torchNonlinearity() != null || options.tf1() != null) {
                throw new ModelFormatException(file + ": PyTorch or TF1 options were given for an ONNX graph, which records its own activations");
            }
            return new OnnxSession(OnnxModel.read(file)).toModel();
        }
        throw new ModelFormatException(file + ": unknown model file type; expected .keras, .h5, .safetensors, .npz or .onnx");
    }
}
