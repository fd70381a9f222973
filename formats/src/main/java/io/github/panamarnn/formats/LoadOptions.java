package io.github.panamarnn.formats;

import java.util.Locale;

/**
 * What a model file cannot say about itself, given by whoever loads it (SEMANTICS.md 8). Immutable.
 *
 * @param torchNonlinearity PyTorch {@code nn.RNN(nonlinearity=...)}: a state_dict does not record it.
 *                          {@code null} means not said: PyTorch's default {@code tanh} is assumed and
 *                          the loaded model lists that assumption ({@link SequenceModel#assumptions()}).
 *                          Saying it for a file whose recurrent module is not an {@code nn.RNN} is an
 *                          error, since it would change nothing.
 */
public record LoadOptions(TorchNonlinearity torchNonlinearity) {

    /** Nothing said: every default is assumed and listed. */
    public static final LoadOptions DEFAULTS = new LoadOptions(null);

    /** PyTorch {@code nn.RNN}'s {@code nonlinearity}. */
    public enum TorchNonlinearity {
        TANH, RELU;

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
        return new LoadOptions(n);
    }
}
