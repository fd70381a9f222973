package io.github.panamarnn.model;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;

/**
 * A dense layer {@code y = x @ W + b} on the matrix kernels (the head after a recurrent model:
 * Keras {@code Dense}, PyTorch {@code nn.Linear}, ONNX {@code Gemm}). Immutable and thread-safe;
 * {@link #apply} allocates nothing.
 */
public final class Dense {
    private final Kernels k;
    private final PackedMatrix w;

    private Dense(Kernels k, PackedMatrix w) {
        this.k = k;
        this.w = w;
    }

    /** From {@code W [in, out]} (Keras kernel layout). */
    public static Dense of(int in, int out, float[] kernel, float[] bias) {
        Kernels k = KernelProvider.get();
        return new Dense(k, k.pack(in, out, (r, c) -> kernel[r * out + c], bias));
    }

    /** From {@code weight [out, in]} (PyTorch layout, applied transposed). */
    public static Dense transposed(int in, int out, float[] weight, float[] bias) {
        Kernels k = KernelProvider.get();
        return new Dense(k, k.pack(in, out, (r, c) -> weight[c * in + r], bias));
    }

    /** The same layer on other kernels (e.g. {@link KernelProvider#scalar()}). */
    public Dense using(Kernels kernels) {
        return new Dense(kernels, kernels.repack(w));
    }

    /** Features of its input. */
    public int inputSize() {
        return w.rows();
    }

    /** Values of its output. */
    public int outputSize() {
        return w.cols();
    }

    /** Weights plus biases. */
    public long parameterCount() {
        return (long) w.rows() * w.cols() + w.cols();
    }

    /** {@code rows} rows of {@code x} (stride {@link #inputSize()}) to {@code y} (stride {@link #outputSize()}). */
    public void apply(float[] x, int xOff, int rows, float[] y, int yOff) {
        k.matMul(w, x, xOff, w.rows(), rows, y, yOff, w.cols(), false);
    }

    /** A digest of the weights and bias as stored ({@link PackedMatrix#fingerprint()}). */
    public long fingerprint() {
        return w.fingerprint();
    }
}
