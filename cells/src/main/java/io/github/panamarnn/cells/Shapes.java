package io.github.panamarnn.cells;

/** Build-time validation with messages that name the expected and the actual value. */
final class Shapes {
    private Shapes() {
    }

    /** The same weights packed for {@code k}, in its precision (null stays null; see {@link io.github.panamarnn.kernels.Kernels#repack}). */
    static io.github.panamarnn.kernels.PackedMatrix repack(io.github.panamarnn.kernels.Kernels k, io.github.panamarnn.kernels.PackedMatrix m) {
        return m == null ? null : k.repack(m);
    }

    static float[] check(String what, float[] a, int... shape) {
        long n = 1;
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            n *= shape[i];
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        s.append(']');
        if (a == null) {
            throw new IllegalArgumentException(what + " is missing: expected " + s + " (" + n + " values)");
        }
        if (a.length != n) {
            throw new IllegalArgumentException(what + " must be " + s + " = " + n + " values, got " + a.length);
        }
        return a;
    }

    /** The largest size of any dimension of a cell (units, input features, vocabulary): 2^24; products of it stay in long. */
    static final int MAX_SIZE = 1 << 24;

    static int positive(String what, int v) {
        if (v < 1 || v > MAX_SIZE) {
            throw new IllegalArgumentException(what + " must be in [1, " + MAX_SIZE + "], got " + v);
        }
        return v;
    }

    /** A clip value: +Inf (none) or positive. */
    static float clip(String what, float v) {
        if (Float.isNaN(v) || v <= 0) {
            throw new IllegalArgumentException(what + " must be positive (or absent), got " + v);
        }
        return v;
    }
}
