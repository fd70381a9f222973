package io.github.panamarnn.kernels;

import static io.github.panamarnn.kernels.Approximations.*;

/**
 * The vector approximations of {@link PanamaKernels}, lane by lane in scalar float: the same
 * operations in the same order ({@link Math#fma} where the vector code fuses), so the tail elements
 * of a vector loop get exactly the bits a vector lane would. Used only for loop tails (fewer
 * elements than one vector), which keeps every vector loop free of masked accesses.
 */
final class ScalarApprox {
    private ScalarApprox() {
    }

    static float tanh(float x) {
        float x2 = x * x;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(x2, TA13, TA11), x2, TA9), x2, TA7), x2, TA5), x2, TA3), x2, TA1) * x;
        float q = Math.fma(Math.fma(Math.fma(x2, TB6, TB4), x2, TB2), x2, TB0);
        float a = Math.abs(x);
        float r = p / q;
        r = a < TANH_TINY ? x : r;
        return a >= TANH_SATURATE ? Math.copySign(1f, x) : r;
    }

    /** {@code e^r - 1} of the reduction of {@code c}, and the integer {@code n}, as the vector code computes them. */
    private static float reducedExpm1(float c, float t) {
        float n = t - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_LO, Math.fma(n, -LN2_HI, c));
        float q = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, EP0, EP1), r, EP2), r, EP3), r, EP4), r, EP5);
        return Math.fma(q, r * r, r);
    }

    static float exp(float x) {
        float c = x > EXP_HI ? EXP_HI : x < EXP_LO ? EXP_LO : x;
        float t = Math.fma(c, LOG2E, ROUND_MAGIC);
        float q = reducedExpm1(c, t);
        int i = Float.floatToRawIntBits(t) - ROUND_MAGIC_BITS;
        int h = i >> 1;
        return (q + 1f) * Float.intBitsToFloat((h + 127) << 23) * Float.intBitsToFloat((i - h + 127) << 23);
    }

    static float expm1(float x) {
        float c = x > EXPM1_HI ? EXPM1_HI : x < EXPM1_LO ? EXPM1_LO : x;
        float t = Math.fma(c, LOG2E, ROUND_MAGIC);
        float q = reducedExpm1(c, t);
        float s = Float.intBitsToFloat((Float.floatToRawIntBits(t) - ROUND_MAGIC_BITS + 127) << 23);
        return Math.fma(s, q, s - 1f);
    }

    /** The gate sigmoid: exp(-|x|) clamped once at SIG_CLAMP, one 2^n factor (see Approximations). */
    static float sigmoid(float x) {
        float m = Float.intBitsToFloat(Float.floatToRawIntBits(x) | SIGN_BIT);
        float c = m < SIG_CLAMP ? SIG_CLAMP : m;
        float t = Math.fma(c, LOG2E, ROUND_MAGIC);
        float e = (reducedExpm1(c, t) + 1f) * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUND_MAGIC_BITS - 127)) << 23);
        return (x < 0f ? e : 1f) / (e + 1f);
    }

    /** The sigmoid of swish: the full-range exp, accurate into the subnormals, where swish's result is still normal. */
    static float sigmoidAccurate(float x) {
        float e = exp(-Math.abs(x));
        return (x < 0f ? e : 1f) / (e + 1f);
    }

    static float log1pUnit(float y) {
        float u = y + 1f;
        boolean big = u > SQRT2;
        float f = (big ? u * 0.5f : u) - 1f;
        float e = big ? 1f : 0f;
        float z = f * f;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(f, LP0, LP1), f, LP2), f, LP3), f, LP4), f, LP5),
                f, LP6), f, LP7), f, LP8) * f * z;
        p = p + e * LN2_LO + z * -0.5f;
        return f + p + e * LN2_HI + (y - (u - 1f)) / u;
    }

    static float erfcNonNegative(float z) {
        float t = 1f / Math.fma(z, 0.5f, 1f);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(t, ERFC9, ERFC8), t, ERFC7), t, ERFC6),
                t, ERFC5), t, ERFC4), t, ERFC3), t, ERFC2), t, ERFC1), t, ERFC0);
        float hi = z * z;
        float lo = Math.fma(z, z, -hi);
        return t * exp(-hi) * exp(p - lo);
    }

    /** One element of {@code act}, as the vector loop of its kind computes it. */
    static float activate(Activation act, float x) {
        float alpha = act.alpha();
        float beta = act.beta();
        switch (act.kind()) {
            case LINEAR:
                return x;
            case AFFINE:
                return Math.fma(x, alpha, beta);
            case HARD_SIGMOID: {
                float v = Math.fma(x, alpha, beta);
                return v < 0f ? 0f : v > 1f ? 1f : v;
            }
            case RELU:
                return x <= 0f ? 0f : x;
            case LEAKY_RELU:
                return x < 0f ? x * alpha : x;
            case THRESHOLDED_RELU:
                return x <= alpha ? 0f : x;
            case TANH:
                return tanh(x);
            case SCALED_TANH:
                return tanh(x * beta) * alpha;
            case SIGMOID:
                return sigmoid(x);
            case ELU:
                return (x <= 0f ? expm1(x) * alpha : x) * 1f;
            case SELU:
                return (x <= 0f ? expm1(x) * (float) Activation.SELU_ALPHA : x) * (float) Activation.SELU_SCALE;
            case SOFTSIGN: {
                float a = Math.abs(x);
                return a == Float.POSITIVE_INFINITY ? Math.copySign(1f, x) : x / (a + 1f);
            }
            case SOFTPLUS:
                return (x < 0f ? 0f : x) + log1pUnit(exp(-Math.abs(x)));
            case SWISH:
                return x == Float.NEGATIVE_INFINITY ? 0f : x * sigmoidAccurate(x);
            case GELU: {
                float za = Math.abs(x) * INV_SQRT2;
                float half = erfcNonNegative(za > ERFC_ZMAX ? ERFC_ZMAX : za) * 0.5f;
                float phi = x < 0f ? half : -half + 1f;
                return x == Float.NEGATIVE_INFINITY ? 0f : x * phi;
            }
            case EXPONENTIAL:
                return exp(x);
            case CLIP: {
                float v = Math.fma(x, 1f, 0f);
                return v < alpha ? alpha : v > beta ? beta : v;
            }
            case HARD_SILU: {
                float v = Math.fma(x, alpha, beta);
                v = v < 0f ? 0f : v > 1f ? 1f : v;
                return x == Float.NEGATIVE_INFINITY ? 0f : x * v;
            }
            case MISH: {
                float e = exp(x > 20f ? 20f : x);
                float n = e * (e + 2f);
                return x == Float.NEGATIVE_INFINITY ? 0f : x * (n / (n + 2f));
            }
            case GELU_TANH: {
                float z = Math.fma(x * x, GELU_C3, GELU_C1) * x;
                return x == Float.NEGATIVE_INFINITY ? 0f : x * sigmoidAccurate(z);
            }
            case LOG_SIGMOID:
                return (x > 0f ? 0f : x) - log1pUnit(exp(-Math.abs(x)));
            case SOFT_SHRINK: {
                float r = x > alpha ? x - alpha : x;
                r = x < -alpha ? x + alpha : r;
                return Math.abs(x) <= alpha ? 0f : r;
            }
            case HARD_SHRINK:
                return Math.abs(x) <= alpha ? 0f : x;
            default:
                throw new AssertionError(act);
        }
    }
}
