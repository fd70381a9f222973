package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * The stated error bounds, verified by dense sweeps of the whole float range (every {@code stride}-th
 * bit pattern, both signs, all exponents) plus a thousand ulps either side of every kink and
 * threshold of the approximations. {@code kernels/ERROR-BOUNDS.md} has the exhaustive numbers.
 */
class ActivationErrorBoundsTest {
    private static final Kernels VECTOR = KernelProvider.get();
    private static final float[] KINKS = {0f, 4e-4f, 7.90531110763549805f, 9.0109f, 17f, 88f, 88.72283f, 89f, 87.33654f, 104f,
        103.97f, 1f, 2.5f, 3f, 6f, 20f, 0.5f, 0.7f, 0.3f, 1.41421356f, 0.34657359f, 15f, 1e-7f, 1e-20f};

    @Test
    void tanhDense() {
        sweep(Activation.TANH, 61);
    }

    @Test
    void sigmoidDense() {
        sweep(Activation.SIGMOID, 61);
    }

    @Test
    void everyOtherKind() {
        for (Activation a : ActivationPropertiesTest.all()) {
            if (a.kind() != Activation.Kind.TANH && a.kind() != Activation.Kind.SIGMOID) {
                sweep(a, a.kind() == Activation.Kind.GELU ? 16411 : 2053);
            }
        }
    }

    private static void sweep(Activation act, int stride) {
        final int chunk = 1 << 16;
        float[] in = new float[chunk];
        float[] out = new float[chunk];
        int filled = 0;
        long checked = 0;
        StringBuilder failures = new StringBuilder();
        // Dense pass over the bit patterns, then the neighbourhoods of the kinks.
        for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += stride) {
            in[filled++] = Float.intBitsToFloat((int) bits);
            if (filled == chunk) {
                checked += run(act, in, out, filled, failures);
                filled = 0;
            }
        }
        for (float k : KINKS) {
            for (float sign : new float[] {1, -1}) {
                int base = Float.floatToIntBits(k);
                for (int d = -1000; d <= 1000; d++) {
                    in[filled++] = sign * Float.intBitsToFloat(Math.max(0, base + d));
                    if (filled == chunk) {
                        checked += run(act, in, out, filled, failures);
                        filled = 0;
                    }
                }
            }
        }
        checked += run(act, in, out, filled, failures);
        assertTrue(failures.isEmpty(), act + ": " + failures);
        assertTrue(checked > 0);
    }

    private static int run(Activation act, float[] in, float[] out, int n, StringBuilder failures) {
        VECTOR.activate(act, in, 0, out, 0, n);
        for (int i = 0; i < n && failures.length() < 2000; i++) {
            String v = ActivationCheck.violation(act, in[i], out[i]);
            if (v != null) {
                failures.append("\n  f(").append(in[i]).append(") = ").append(out[i]).append(": ").append(v);
            }
        }
        return n;
    }
}
