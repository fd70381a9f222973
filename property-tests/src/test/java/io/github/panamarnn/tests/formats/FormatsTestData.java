package io.github.panamarnn.tests.formats;

import java.util.SplittableRandom;

/** Random values for the ONNX tests of this package. */
final class FormatsTestData {
    private FormatsTestData() {
    }

    static float[] random(SplittableRandom r, int n, double a) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-a, a);
        }
        return v;
    }
}
