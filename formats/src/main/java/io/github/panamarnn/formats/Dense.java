package io.github.panamarnn.formats;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;

/**
 * A dense layer {@code y = x @ W + b} on the matrix kernels (the head after a recurrent model:
 * Keras {@code Dense}, PyTorch {@code nn.Linear}). Immutable and thread-safe; {@link #apply}
 * allocates nothing.
 */
public final class Dense {
    private final Kernels k = KernelProvider.get();
    private final PackedMatrix w;

    private Dense(PackedMatrix w) {
        this.w = w;
    }

    /** From {@code W [in, out]} (Keras kernel layout). */
    public static Dense of(int in, int out, float[] kernel, float[] bias) {
        Kernels k = KernelProvider.get();
        return new Dense(k.pack(in, out, (r, c) -> kernel[r * out + c], bias));
    }

    /** From {@code weight [out, in]} (PyTorch layout, applied transposed). */
    public static Dense transposed(int in, int out, float[] weight, float[] bias) {
        Kernels k = KernelProvider.get();
        return new Dense(k.pack(in, out, (r, c) -> weight[c * in + r], bias));
    }

    public int inputSize() {
        return w.rows();
    }

    public int outputSize() {
        return w.cols();
    }

    /** {@code rows} rows of {@code x} (stride {@link #inputSize()}) to {@code y} (stride {@link #outputSize()}). */
    public void apply(float[] x, int xOff, int rows, float[] y, int yOff) {
        k.matMul(w, x, xOff, w.rows(), rows, y, yOff, w.cols(), false);
    }
}
