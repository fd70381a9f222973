package io.github.panamarnn.kernels;

import java.util.Locale;

/**
 * How a {@link PackedMatrix} stores its weights. The state, the activations, the bias and every
 * accumulation stay float32 whatever the precision: only the bytes a product streams per weight
 * change, and with them the weights' values. A precision is applied once, when the weights are
 * packed ({@link Kernels#withPrecision}); a step never converts anything but the weights it reads.
 *
 * <p>What each costs in accuracy, measured over random cells and over every trained model in
 * {@code ../shared/models}, is in the README ("Weights past float32").
 */
public enum Precision {
    /** IEEE float32 weights, 4 bytes each: the framework's numbers. */
    FP32(4, 1),
    /**
     * bfloat16 weights, 2 bytes each: the upper 16 bits of the float32, rounded to nearest even
     * ({@link #toBf16}). Relative error of each weight at most 2^-8 (8 significant bits); decoding is exact (a shift).
     */
    BF16(2, 2),
    /**
     * int8 weights, 1 byte each, symmetric per output column: {@code W[k, n] ~ q[k, n] * scale[n]}
     * with {@code scale[n] = max_k |W[k, n]| / 127} and {@code q = rint(W / scale)} in [-127, 127].
     * Absolute error of each weight at most {@code scale[n] / 2}; the sum {@code sum_k x[k] q[k, n]}
     * is accumulated in float32 and scaled once per output. Needs finite weights.
     */
    INT8(1, 1);

    private final int bytesPerWeight;
    /** Consecutive input rows one stored element holds: 2 for bfloat16 (an {@code int}), 1 otherwise. */
    final int rowsPerInt;

    Precision(int bytesPerWeight, int rowsPerInt) {
        this.bytesPerWeight = bytesPerWeight;
        this.rowsPerInt = rowsPerInt;
    }

    /** Bytes one stored weight takes. */
    public int bytesPerWeight() {
        return bytesPerWeight;
    }

    /** The lower-case name used by the CLI and in logs: {@code fp32}, {@code bf16}, {@code int8}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code fp32}, {@code bf16} or {@code int8}, case-insensitive. */
    public static Precision parse(String s) {
        for (Precision p : values()) {
            if (p.label().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision '" + s + "', expected fp32, bf16 or int8");
    }

    /** {@code p}, or an exception naming the choices when it is null. */
    static Precision check(Precision p) {
        if (p == null) {
            throw new IllegalArgumentException("precision is missing: expected fp32, bf16 or int8");
        }
        return p;
    }

    /**
     * {@code f} rounded to bfloat16, nearest even, as the 16 upper bits of a float32 (in the low 16 bits of
     * the result). Infinities stay infinite, a NaN stays a (quiet) NaN, and a finite value past bfloat16's
     * largest rounds to infinity, as IEEE rounding does.
     */
    public static int toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (bits >>> 16) | 0x40;
        }
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
    }

    /** The float32 a bfloat16 (low 16 bits of {@code b}) stands for: exact. */
    public static float fromBf16(int b) {
        return Float.intBitsToFloat(b << 16);
    }
}
