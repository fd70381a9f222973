package io.github.panamarnn.formats;

import io.github.panamarnn.formats.tf1.Tf1Variables;

import io.github.panamarnn.model.Model;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import java.util.List;
import java.util.Locale;

/**
 * What a model file cannot say about itself, given by whoever loads it (SEMANTICS.md 8). Immutable.
 *
 * @param torchNonlinearity PyTorch {@code nn.RNN(nonlinearity=...)}: a state_dict does not record it.
 *                          {@code null} means not said: PyTorch's default {@code tanh} is assumed and
 *                          the loaded model lists that assumption ({@link Model#assumptions()}).
 *                          Saying it for a file whose recurrent module is not an {@code nn.RNN} is an
 *                          error, since it would change nothing.
 * @param tf1               TF1 cells' constructor arguments, which their variables do not record
 *                          ({@link Tf1Variables.Options}): one for every layer, or one per layer of a
 *                          {@code MultiRNNCell}. {@code null} means not said: TF1's defaults are
 *                          assumed and listed. Saying them for a file that is not TF1 variables is an
 *                          error.
 * @param budgetBytes       the most bytes a load may allocate for the sizes the file declares
 *                          ({@link Budget}; {@link Budget#DEFAULT_BYTES} by default)
 * @param kernels           the kernels the loaded model runs on, and with them the precision its weights are stored
 *                          in ({@link Kernels#withPrecision}) and the threads a step uses
 *                          ({@link io.github.panamarnn.kernels.ParallelKernels}); {@code null}: {@link KernelProvider#get()},
 *                          float32, one thread
 */
public record LoadOptions(TorchNonlinearity torchNonlinearity, List<Tf1Variables.Options> tf1, long budgetBytes, Kernels kernels) {

    /** Nothing said: every default is assumed and listed. */
    public static final LoadOptions DEFAULTS = new LoadOptions(null, null, Budget.DEFAULT_BYTES, null);

    /** The options before kernels were one of them: the default kernels. */
    public LoadOptions(TorchNonlinearity torchNonlinearity, List<Tf1Variables.Options> tf1, long budgetBytes) {
        this(torchNonlinearity, tf1, budgetBytes, null);
    }

    /** Checks the budget (positive) and copies the TF1 options (one per layer, or one for all). */
    public LoadOptions {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("a load budget must be positive, got " + budgetBytes + " bytes");
        }
        if (tf1 != null) {
            if (tf1.isEmpty()) {
                throw new IllegalArgumentException("TF1 options: expected one for every layer or one per layer, got an empty list");
            }
            tf1 = List.copyOf(tf1);
        }
    }

    /** PyTorch {@code nn.RNN}'s {@code nonlinearity}. */
    public enum TorchNonlinearity {
        /** {@code nonlinearity='tanh'}, PyTorch's default. */
        TANH,
        /** {@code nonlinearity='relu'}. */
        RELU;

        /** {@code "tanh"} or {@code "relu"} (PyTorch's spelling), case-insensitive. */
        public static TorchNonlinearity parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "tanh" -> TANH;
                case "relu" -> RELU;
                default -> throw new IllegalArgumentException("nonlinearity '" + s + "', expected tanh or relu");
            };
        }
    }

    /** These options with PyTorch {@code nn.RNN}'s nonlinearity said. */
    public LoadOptions withTorchNonlinearity(TorchNonlinearity n) {
        return new LoadOptions(n, tf1, budgetBytes, kernels);
    }

    /** These options with the TF1 cells' arguments said: one list entry for all layers, or one per layer. */
    public LoadOptions withTf1(List<Tf1Variables.Options> options) {
        return new LoadOptions(torchNonlinearity, options, budgetBytes, kernels);
    }

    /** These options with another load budget ({@link Budget}). */
    public LoadOptions withBudget(long bytes) {
        return new LoadOptions(torchNonlinearity, tf1, bytes, kernels);
    }

    /**
     * These options with the kernels the model runs on: e.g. {@code KernelProvider.get().withPrecision(Precision.BF16)} for
     * bfloat16 weights, or a {@link io.github.panamarnn.kernels.ParallelKernels} for a step across threads.
     */
    public LoadOptions withKernels(Kernels k) {
        if (k == null) {
            throw new IllegalArgumentException("kernels are missing: expected KernelProvider.get() or a Kernels derived from it");
        }
        return new LoadOptions(torchNonlinearity, tf1, budgetBytes, k);
    }

    /** A fresh budget of {@link #budgetBytes} for one load of {@code file}. */
    Budget budget(Object file) {
        return new Budget(budgetBytes, file);
    }
}
