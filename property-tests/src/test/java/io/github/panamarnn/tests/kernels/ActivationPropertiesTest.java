package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Activation kernels against {@link Activation#exact(double)} within each kind's stated bounds, over
 * any length and offset (tails included), special values and the exact limits.
 */
@net.jqwik.api.lifecycle.AddLifecycleHook(ForcedWidth.class)
class ActivationPropertiesTest {
    private static final Kernels VECTOR = KernelProvider.get();
    private static final Kernels SCALAR = KernelProvider.scalar();

    static List<Activation> all() {
        List<Activation> list = new ArrayList<>();
        for (Activation.Kind k : Activation.Kind.values()) {
            list.add(k == Activation.Kind.CLIP ? Activation.of(k, -0.3f, 0.7f) : Activation.of(k, 0.7f, 0.3f));
        }
        list.add(Activation.RELU6);
        list.add(Activation.HARD_TANH);
        list.add(Activation.HARD_SILU);
        list.add(Activation.named("soft_shrink"));
        list.add(Activation.HARD_SIGMOID);
        list.add(Activation.HARD_SIGMOID_KERAS3);
        list.add(Activation.of(Activation.Kind.HARD_SIGMOID, 0.2f, 0.5f));
        list.add(Activation.of(Activation.Kind.LEAKY_RELU, 0.01f, 0f));
        list.add(Activation.of(Activation.Kind.SCALED_TANH, 1.7159f, 0.6667f));
        list.add(Activation.ELU);
        return list;
    }

    @Provide
    Arbitrary<Activation> activations() {
        return Arbitraries.of(all());
    }

    @Property(tries = 400)
    void vectorAndScalarMeetTheBounds(@ForAll("activations") Activation act, @ForAll @IntRange(min = 1, max = 300) int n,
                                      @ForAll @IntRange(max = 9) int srcOff, @ForAll @IntRange(max = 9) int dstOff,
                                      @ForAll @IntRange(min = -3, max = 2) int log10Scale, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] src = new float[srcOff + n + 3];
        float[] values = TestData.floats(r, src.length, Math.pow(10, log10Scale));
        System.arraycopy(values, 0, src, 0, src.length);
        for (int i = 0; i < src.length; i++) {
            if (r.nextInt(20) == 0) {
                src[i] = TestData.SPECIAL[r.nextInt(TestData.SPECIAL.length)];
            }
        }
        for (Kernels k : new Kernels[] {VECTOR, SCALAR}) {
            float[] dst = new float[dstOff + n + 3];
            java.util.Arrays.fill(dst, -7.25f);
            k.activate(act, src, srcOff, dst, dstOff, n);
            for (int i = 0; i < dst.length; i++) {
                if (i < dstOff || i >= dstOff + n) {
                    assertEquals(-7.25f, dst[i], k.name() + " " + act + " wrote outside [" + dstOff + ", " + (dstOff + n) + ") at " + i);
                    continue;
                }
                float x = src[srcOff + i - dstOff];
                String v = ActivationCheck.violation(act, x, dst[i]);
                if (v != null) {
                    fail(k.name() + " " + act + "(" + x + ") = " + dst[i] + ": " + v);
                }
            }
        }
    }

    @Property(tries = 100)
    void inPlaceEqualsOutOfPlace(@ForAll("activations") Activation act, @ForAll @IntRange(min = 1, max = 70) int n, @ForAll long seed) {
        float[] src = TestData.floats(new SplittableRandom(seed), n, 2);
        float[] out = new float[n];
        VECTOR.activate(act, src, 0, out, 0, n);
        VECTOR.activate(act, src, 0, src, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToIntBits(out[i]), Float.floatToIntBits(src[i]), act + " at " + i);
        }
    }

    @Example
    void tanhAndSigmoidSaturateExactly() {
        float[] x = {9.02f, 20f, 1e10f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, -9.02f, -1e10f, Float.NEGATIVE_INFINITY, Float.NaN};
        float[] t = new float[x.length];
        VECTOR.activate(Activation.TANH, x, 0, t, 0, x.length);
        float[] expectT = {1, 1, 1, 1, 1, -1, -1, -1, Float.NaN};
        for (int i = 0; i < x.length; i++) {
            assertEquals(expectT[i], t[i], "tanh(" + x[i] + ")");
        }
        float[] xs = {17f, 100f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, -104f, -1e10f, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY, Float.NaN};
        float[] s = new float[xs.length];
        VECTOR.activate(Activation.SIGMOID, xs, 0, s, 0, xs.length);
        float[] expectS = {1, 1, 1, 1, 0, 0, 0, 0, Float.NaN};
        for (int i = 0; i < xs.length; i++) {
            assertEquals(expectS[i], s[i], "sigmoid(" + xs[i] + ")");
        }
    }

    /** The vector kernels run, at the width this execution forces (128, 256 or 512 bits), not the scalar fallback. */
    @Example
    void theForcedWidthIsTheOneThatRuns() {
        int forced = Integer.getInteger(io.github.panamarnn.kernels.KernelProvider.VECTOR_BITS_PROPERTY, 0);
        String name = VECTOR.name();
        org.junit.jupiter.api.Assertions.assertTrue(VECTOR.isVectorized(), name);
        if (forced > 0) {
            org.junit.jupiter.api.Assertions.assertTrue(name.contains(forced + " bits"), "forced " + forced + " bits, running " + name);
        }
    }

    @Example
    void namesResolveToTheFrameworksDefinitions() {
        assertEquals(Activation.HARD_SIGMOID_KERAS3, Activation.named("hard_sigmoid"));
        assertEquals(0.2f, Activation.named("hardSigmoid").alpha());
        assertEquals(Activation.SWISH, Activation.named("silu"));
        assertEquals(0.01f, Activation.onnx("LeakyRelu", Float.NaN, Float.NaN).alpha());
        assertEquals(0.3f, Activation.onnx("HardSigmoid", 0.3f, Float.NaN).alpha());
        assertEquals(Activation.RELU6, Activation.named("relu6"));
        assertEquals(6f, Activation.named("relu6").beta());
        assertEquals(Activation.HARD_SILU, Activation.named("hard_swish"));
        assertEquals(Activation.of(Activation.Kind.HARD_SIGMOID, 0.5f, 0.5f), Activation.named("sparse_sigmoid"));
        assertEquals(Activation.ELU, Activation.named("celu"));
        try {
            Activation.named("tanh_shrink");
            fail("unknown activation accepted");
        } catch (IllegalArgumentException e) {
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("tanh_shrink") && e.getMessage().contains("mish"), e.getMessage());
        }
    }
}
