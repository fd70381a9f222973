package io.github.panamarnn.tests.kernels;

import java.util.SplittableRandom;

/** Reproducible test data: every array comes from a seed jqwik generates. */
final class TestData {
    /** The awkward sizes Lucene's vector tests use, and the hidden sizes of the benchmarks. */
    static final int[] AWKWARD_SIZES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 15, 16, 17, 25, 31, 32, 33, 63, 64, 65, 100, 128, 207, 256, 300};

    static final float[] SPECIAL = {
        0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 1e-30f, -1e-30f, 100f, -100f};

    private TestData() {
    }

    /** Values spread like pre-activations: mostly N(0, scale), some large, some tiny. */
    static float[] floats(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            a[i] = (float) (u < 0.9 ? r.nextGaussian() * scale : u < 0.97 ? r.nextGaussian() * 30 * scale : r.nextGaussian() * 1e-4);
        }
        return a;
    }

    static float[] uniform(SplittableRandom r, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return a;
    }

    static float ulp(double v) {
        return Math.ulp((float) Math.abs(v));
    }
}
