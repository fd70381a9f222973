package io.github.panamarnn.kernels;

/**
 * Constants of the float approximations the vector kernels evaluate inline (see PanamaKernels for
 * why inline). Error bounds, measured over the whole float range, are in {@link Activation.Kind}
 * and {@code kernels/ERROR-BOUNDS.md}.
 *
 * <ul>
 * <li>tanh: the 13/6 odd/even rational of Eigen's {@code generic_fast_tanh_float} (also MLAS), fitted
 *     on [-7.9053, 7.9053]; {@code x} below 4e-4 (where tanh rounds to x) and {@code +-1} beyond the
 *     fit (the true value is within 2.7e-7 of it, and rounds to +-1 beyond 9.01).</li>
 * <li>exp: Cody-Waite reduction {@code x = n*ln2 + r}, {@code |r| <= ln2/2}, ln2 split so that
 *     {@code n*LN2_HI} is exact; {@code e^r - 1 = r + r^2 P(r)} with the degree-5 P of Cephes expf;
 *     {@code 2^n} applied as two normal factors {@code 2^(n>>1) * 2^(n-(n>>1))} so results that
 *     underflow into subnormals or overflow to infinity round correctly.</li>
 * <li>expm1: the same reduction, {@code 2^n (e^r - 1) + (2^n - 1)} in one fma: no cancellation near 0.</li>
 * <li>sigmoid: {@code (x < 0 ? e : 1) / (1 + e)} with {@code e = exp(-|x|)}: one division, no overflow,
 *     exact 0 and 1 limits. As the argument of that exp is never positive, the gate sigmoid clamps it
 *     once, at {@code SIG_CLAMP = -88}, and scales by one {@code 2^n} built from the exponent bits, which
 *     is exactly 0 at the clamp (where the true value is subnormal) and normal above -87.34. Swish keeps the full-range exp,
 *     whose subnormal tail it needs.</li>
 * <li>log1p on [0, 1] (softplus): {@code u = 1 + y}, Cephes logf on {@code m} in [sqrt(1/2), sqrt(2)],
 *     plus the correction {@code (y - (u - 1)) / u} for the rounding of u.</li>
 * <li>erfc for z >= 0 (GELU): Numerical Recipes' Chebyshev {@code erfcc} (fractional error below
 *     1.2e-7), with {@code exp(-z^2 + p)} evaluated as {@code exp(-hi) * exp(p - lo)}, {@code z^2 = hi + lo}
 *     exactly, so the far tail keeps its relative accuracy.</li>
 * </ul>
 */
final class Approximations {
    private Approximations() {
    }

    static final int SIGN_BIT = 0x80000000;
    static final int ONE_BITS = 0x3f800000;

    static final float TANH_TINY = 0.0004f;
    static final float TANH_SATURATE = 7.90531110763549805f;
    static final float TA1 = 4.89352455891786e-03f;
    static final float TA3 = 6.37261928875436e-04f;
    static final float TA5 = 1.48572235717979e-05f;
    static final float TA7 = 5.12229709037114e-08f;
    static final float TA9 = -8.60467152213735e-11f;
    static final float TA11 = 2.00018790482477e-13f;
    static final float TA13 = -2.76076847742355e-16f;
    static final float TB0 = 4.89352518554385e-03f;
    static final float TB2 = 2.26843463243900e-03f;
    static final float TB4 = 1.18534705686654e-04f;
    static final float TB6 = 1.19825839466702e-06f;

    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it to a float below 2^22 in magnitude rounds it to an integer. */
    static final float ROUND_MAGIC = 12582912f;
    static final int ROUND_MAGIC_BITS = Float.floatToRawIntBits(ROUND_MAGIC);
    static final float EXP_HI = 89f;
    static final float EXP_LO = -104f;
    /** expm1 keeps a single normal 2^n: expm1 is -1 in float below -17 anyway. */
    static final float EXPM1_HI = 88f;
    /**
     * The gate sigmoid's clamp of {@code -|x|}: at -88, {@code n = -127} and the 2^n factor built from
     * its bits is exactly +0, so e^-|x| is 0 there and the limits come out exact without a blend;
     * above ln(Float.MIN_NORMAL) = -87.34 the factor is a normal float.
     */
    static final float SIG_CLAMP = -88f;
    static final float EXPM1_LO = -87f;
    static final float EP0 = 1.9875691500E-4f;
    static final float EP1 = 1.3981999507E-3f;
    static final float EP2 = 8.3334519073E-3f;
    static final float EP3 = 4.1665795894E-2f;
    static final float EP4 = 1.6666665459E-1f;
    static final float EP5 = 5.0000001201E-1f;

    static final float SQRT2 = 1.41421356237f;
    static final float INV_SQRT2 = 0.70710678118654752f;
    static final float LP0 = 7.0376836292E-2f;
    static final float LP1 = -1.1514610310E-1f;
    static final float LP2 = 1.1676998740E-1f;
    static final float LP3 = -1.2420140846E-1f;
    static final float LP4 = 1.4249322787E-1f;
    static final float LP5 = -1.6668057665E-1f;
    static final float LP6 = 2.0000714765E-1f;
    static final float LP7 = -2.4999993993E-1f;
    static final float LP8 = 3.3333331174E-1f;

    /** Tanh-form GELU as {@code x * sigmoid(x * (C1 + C3 x^2))}: C1 = 2 sqrt(2/pi), C3 = 0.044715 C1. */
    static final float GELU_C1 = 1.5957691216057308f;
    static final float GELU_C3 = 0.07135481627260025f;

    /** erfc(z) is 0 in float beyond 10.5; capping z there keeps exp(p - lo) finite for huge |x|. */
    static final float ERFC_ZMAX = 10.5f;
    static final float ERFC0 = -1.26551223f;
    static final float ERFC1 = 1.00002368f;
    static final float ERFC2 = 0.37409196f;
    static final float ERFC3 = 0.09678418f;
    static final float ERFC4 = -0.18628806f;
    static final float ERFC5 = 0.27886807f;
    static final float ERFC6 = -1.13520398f;
    static final float ERFC7 = 1.48851587f;
    static final float ERFC8 = -0.82215223f;
    static final float ERFC9 = 0.17087277f;
}
