/**
 * SIMD kernels of panama-rnn: packed matrix products, activations and fused gate updates, each with
 * a scalar implementation that is its specification. Obtain them from
 * {@link io.github.panamarnn.kernels.KernelProvider}.
 */
module io.github.panamarnn.kernels {
    requires jdk.incubator.vector;
    requires java.management;
    requires jdk.jfr;
    exports io.github.panamarnn.kernels;
}
