package io.github.panamarnn.kernels;

import java.util.Locale;

/**
 * An elementwise activation: a {@link Kind} and, for the parametrised kinds, {@code alpha} and
 * {@code beta} (ONNX names). Immutable.
 *
 * <p>{@link #exact(double)} is the definition, evaluated in double; the vector kernels implement it
 * with the approximations whose measured error bounds {@link Kind#maxAbsError()} and
 * {@link Kind#maxRelError()} state (see {@code kernels/ERROR-BOUNDS.md}).
 */
public final class Activation {

    /**
     * The kinds of activation. Each states the maximum error of its vector approximation against
     * {@link Activation#exact(double)}, measured over a dense sweep of all finite floats (every
     * 61st bit pattern plus the neighbourhood of every kink): absolute, and relative where the exact
     * value is a normal float ({@code |f| >= Float.MIN_NORMAL}). The kinds computed by plain
     * arithmetic are correctly rounded or one rounding away and state {@code 0} or one ulp.
     */
    public enum Kind {
        /** {@code x}. */
        LINEAR(0, 0),
        /** {@code alpha*x + beta} (ONNX Affine). */
        AFFINE(3.0e-8, 6.0e-8),
        /** {@code max(x, 0)}. */
        RELU(0, 0),
        /** {@code x >= 0 ? x : alpha*x}. */
        LEAKY_RELU(3.0e-8, 6.0e-8),
        /** {@code x > alpha ? x : 0}. */
        THRESHOLDED_RELU(0, 0),
        /** Hyperbolic tangent: a clamped 13/6 rational approximation evaluated with fma. */
        TANH(3.0e-7, 3.0e-7),
        /** {@code alpha * tanh(beta * x)} (ONNX ScaledTanh). */
        SCALED_TANH(4.0e-7, 4.0e-7),
        /** {@code 1/(1+exp(-x))} with a Cody-Waite range-reduced degree-5 exp. */
        SIGMOID(9.0e-8, 1.8e-7),
        /**
         * {@code clip(alpha*x + beta, 0, 1)}: Keras 2, TensorFlow.js and ONNX use alpha 0.2,
         * beta 0.5; Keras 3's {@code relu6(x+3)/6} is alpha 1/6, beta 0.5.
         */
        HARD_SIGMOID(3.0e-8, 6.0e-8),
        /** {@code x > 0 ? x : alpha*(exp(x)-1)}. */
        ELU(6.0e-8, 1.2e-7),
        /** {@code scale * (x > 0 ? x : alpha*(exp(x)-1))} with the SELU constants. */
        SELU(1.2e-7, 1.9e-7),
        /** {@code x / (1 + |x|)}. */
        SOFTSIGN(9.0e-8, 1.2e-7),
        /** {@code log(1 + exp(x))}, as {@code max(x,0) + log1p(exp(-|x|))}. */
        SOFTPLUS(1.2e-7, 1.8e-7),
        /**
         * {@code x * sigmoid(x)} (Keras swish / silu). The relative bound is set by the far left tail
         * (x below -87), where sigmoid is a subnormal with few bits; above it the error is 3e-7.
         */
        SWISH(1.2e-7, 5.5e-6),
        /**
         * {@code x * Phi(x)}, the exact (erf) GELU that Keras and PyTorch default to. The relative
         * bound is set by the far left tail (x below -13), where Phi is a subnormal; above it, 3e-7.
         */
        GELU(1.3e-7, 1.3e-5),
        /** {@code exp(x)}. */
        EXPONENTIAL(5.0e-8, 8.5e-8),
        /** {@code min(max(x, alpha), beta)}: Keras {@code relu6} (0, 6) and {@code hard_tanh} (-1, 1). */
        CLIP(0, 0),
        /** {@code x * clip(alpha*x + beta, 0, 1)}: Keras 3 {@code hard_silu} / {@code hard_swish} (1/6, 0.5). */
        HARD_SILU(7.0e-8, 1.3e-7),
        /**
         * {@code x * tanh(softplus(x))} (Keras 3, TensorFlow.js {@code mish}). The relative bound is set
         * by the far left tail (x below -87), where {@code exp(x)} is a subnormal; above it, 4e-7.
         */
        MISH(1.3e-7, 5.5e-6),
        /**
         * {@code 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))}: the tanh-form GELU (TensorFlow.js
         * {@code gelu_new}, Keras {@code gelu(approximate=True)}). Relative bound set by the far left
         * tail, as for {@link #GELU}.
         */
        GELU_TANH(1.3e-7, 1.4e-5),
        /** {@code -softplus(-x)} (Keras 3 {@code log_sigmoid}). */
        LOG_SIGMOID(1.2e-7, 1.8e-7),
        /** {@code x - alpha} above {@code alpha}, {@code x + alpha} below {@code -alpha}, else 0 (Keras 3 {@code soft_shrink}, 0.5). */
        SOFT_SHRINK(3.0e-8, 6.0e-8),
        /** {@code |x| > alpha ? x : 0} (Keras 3 {@code hard_shrink}, 0.5). */
        HARD_SHRINK(0, 0);

        private final double maxAbsError;
        private final double maxRelError;

        Kind(double maxAbsError, double maxRelError) {
            this.maxAbsError = maxAbsError;
            this.maxRelError = maxRelError;
        }

        /**
         * Largest {@code |vector - exact|} over all inputs whose exact value has magnitude at most 1
         * (for unbounded kinds, the relative bound governs larger values).
         */
        public double maxAbsError() {
            return maxAbsError;
        }

        /** Largest {@code |vector - exact| / |exact|} where the exact value is a normal float. */
        public double maxRelError() {
            return maxRelError;
        }
    }

    /** SELU's alpha (Klambauer et al. 2017), as Keras and PyTorch use it. */
    public static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    /** SELU's scale (Klambauer et al. 2017), as Keras and PyTorch use it. */
    public static final double SELU_SCALE = 1.0507009873554804934193349852946;

    /** The identity. */
    public static final Activation LINEAR = new Activation(Kind.LINEAR, 0, 0);
    /** {@code max(x, 0)}. */
    public static final Activation RELU = new Activation(Kind.RELU, 0, 0);
    /** {@code tanh(x)}. */
    public static final Activation TANH = new Activation(Kind.TANH, 1, 1);
    /** {@code 1 / (1 + exp(-x))}. */
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0, 0);
    /** Keras 2 / TensorFlow.js / ONNX default hard sigmoid: {@code clip(0.2x + 0.5, 0, 1)}. */
    public static final Activation HARD_SIGMOID = new Activation(Kind.HARD_SIGMOID, 0.2f, 0.5f);
    /** Keras 3 hard sigmoid: {@code relu6(x + 3) / 6}. */
    public static final Activation HARD_SIGMOID_KERAS3 = new Activation(Kind.HARD_SIGMOID, 1f / 6f, 0.5f);
    /** {@code x} for {@code x > 0}, else {@code exp(x) - 1} (alpha 1). */
    public static final Activation ELU = new Activation(Kind.ELU, 1, 0);
    /** {@code SELU_SCALE * (x > 0 ? x : SELU_ALPHA * (exp(x) - 1))}. */
    public static final Activation SELU = new Activation(Kind.SELU, 0, 0);
    /** {@code x / (1 + |x|)}. */
    public static final Activation SOFTSIGN = new Activation(Kind.SOFTSIGN, 0, 0);
    /** {@code log(1 + exp(x))}. */
    public static final Activation SOFTPLUS = new Activation(Kind.SOFTPLUS, 0, 0);
    /** {@code x * sigmoid(x)} (SiLU). */
    public static final Activation SWISH = new Activation(Kind.SWISH, 0, 0);
    /** {@code x * Phi(x)}, the exact (erf) form. */
    public static final Activation GELU = new Activation(Kind.GELU, 0, 0);
    /** {@code exp(x)}. */
    public static final Activation EXPONENTIAL = new Activation(Kind.EXPONENTIAL, 0, 0);
    /** {@code x * tanh(softplus(x))}. */
    public static final Activation MISH = new Activation(Kind.MISH, 0, 0);
    /** GELU in its tanh approximation: {@code 0.5x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    public static final Activation GELU_TANH = new Activation(Kind.GELU_TANH, 0, 0);
    /** {@code log(sigmoid(x)) = -softplus(-x)}. */
    public static final Activation LOG_SIGMOID = new Activation(Kind.LOG_SIGMOID, 0, 0);
    /** Keras {@code relu6}: {@code min(max(x, 0), 6)}. */
    public static final Activation RELU6 = new Activation(Kind.CLIP, 0f, 6f);
    /** Keras 3 {@code hard_tanh}: {@code min(max(x, -1), 1)}. */
    public static final Activation HARD_TANH = new Activation(Kind.CLIP, -1f, 1f);
    /** Keras 3 {@code hard_silu} / {@code hard_swish}: {@code x * relu6(x + 3) / 6}. */
    public static final Activation HARD_SILU = new Activation(Kind.HARD_SILU, 1f / 6f, 0.5f);

    private final Kind kind;
    private final float alpha;
    private final float beta;

    private Activation(Kind kind, float alpha, float beta) {
        this.kind = kind;
        this.alpha = alpha;
        this.beta = beta;
    }

    /** An activation with explicit parameters (ignored by the kinds that take none). */
    public static Activation of(Kind kind, float alpha, float beta) {
        if (!Float.isFinite(alpha) || !Float.isFinite(beta)) {
            throw new IllegalArgumentException(kind + " parameters must be finite, got alpha=" + alpha + " beta=" + beta);
        }
        return switch (kind) {
            case LINEAR -> LINEAR;
            case RELU -> RELU;
            case SIGMOID -> SIGMOID;
            case SELU -> SELU;
            case SOFTSIGN -> SOFTSIGN;
            case SOFTPLUS -> SOFTPLUS;
            case SWISH -> SWISH;
            case GELU -> GELU;
            case EXPONENTIAL -> EXPONENTIAL;
            case TANH -> TANH;
            case MISH -> MISH;
            case GELU_TANH -> GELU_TANH;
            case LOG_SIGMOID -> LOG_SIGMOID;
            case CLIP -> {
                if (!(alpha <= beta)) {
                    throw new IllegalArgumentException("clip bounds must satisfy alpha <= beta, got alpha=" + alpha + " beta=" + beta);
                }
                yield new Activation(kind, alpha, beta);
            }
            case SOFT_SHRINK, HARD_SHRINK -> {
                if (alpha < 0) {
                    throw new IllegalArgumentException(kind + " threshold must be >= 0, got alpha=" + alpha);
                }
                yield new Activation(kind, alpha, 0f);
            }
            default -> new Activation(kind, alpha, beta);
        };
    }

    /**
     * Resolves a framework-neutral activation name: Keras ({@code tanh, sigmoid, hard_sigmoid, relu,
     * linear, elu, selu, softsign, softplus, swish, silu, gelu, exponential}, and Keras 3's
     * {@code relu6, hard_tanh, hard_silu, hard_swish, mish, log_sigmoid, celu, sparse_sigmoid,
     * soft_shrink, hard_shrink} with their default parameters), TensorFlow.js
     * ({@code hardSigmoid}, the Keras 2 form) and ONNX ({@code Tanh, Sigmoid, Relu, HardSigmoid,
     * Affine, ThresholdedRelu, ScaledTanh, Elu, Softsign, Softplus}, with its default alpha/beta).
     * {@code hard_sigmoid} means the Keras 3 form; use {@link #HARD_SIGMOID} for Keras 2 weights.
     *
     * <p>A name whose numbers depend on the framework is refused here (SEMANTICS.md 8):
     * {@code leaky_relu} / {@code LeakyRelu} has slope 0.2 in Keras 3 and TensorFlow but 0.01 in
     * ONNX and PyTorch; resolve it with {@link #onnx} or {@link #leakyRelu} for the framework of the
     * file.
     *
     * @throws IllegalArgumentException naming the unknown or ambiguous activation and the known ones
     */
    public static Activation named(String name) {
        String n = name.trim();
        return switch (n) {
            case "tanh", "Tanh" -> TANH;
            case "sigmoid", "Sigmoid", "logistic" -> SIGMOID;
            case "hard_sigmoid" -> HARD_SIGMOID_KERAS3;
            case "hardSigmoid", "HardSigmoid", "hard_sigmoid_keras2" -> HARD_SIGMOID;
            case "relu", "Relu" -> RELU;
            case "linear", "Linear", "identity", "Identity" -> LINEAR;
            case "elu", "Elu" -> ELU;
            case "selu", "Selu" -> SELU;
            case "softsign", "Softsign" -> SOFTSIGN;
            case "softplus", "Softplus" -> SOFTPLUS;
            case "swish", "silu", "Swish", "Silu" -> SWISH;
            case "gelu", "Gelu" -> GELU;
            case "exponential", "exp", "Exp" -> EXPONENTIAL;
            case "relu6" -> RELU6;
            case "hard_tanh" -> HARD_TANH;
            case "hard_silu", "hard_swish" -> HARD_SILU;
            case "mish", "Mish" -> MISH;
            case "log_sigmoid" -> LOG_SIGMOID;
            case "celu" -> ELU;
            case "sparse_sigmoid" -> of(Kind.HARD_SIGMOID, 0.5f, 0.5f);
            case "soft_shrink" -> of(Kind.SOFT_SHRINK, 0.5f, 0f);
            case "hard_shrink" -> of(Kind.HARD_SHRINK, 0.5f, 0f);
            case "Affine" -> of(Kind.AFFINE, 1f, 0f);
            case "ThresholdedRelu" -> of(Kind.THRESHOLDED_RELU, 1f, 0f);
            case "ScaledTanh" -> of(Kind.SCALED_TANH, 1f, 1f);
            case "leaky_relu", "LeakyRelu", "leakyRelu", "LeakyReLU" -> throw new IllegalArgumentException("activation '" + name
                    + "' has a framework-dependent slope (Keras 3 and TensorFlow 0.2, ONNX and PyTorch 0.01); resolve it for the "
                    + "framework of the file");
            default -> throw new IllegalArgumentException("unknown activation '" + name + "'; expected one of tanh, sigmoid, "
                    + "hard_sigmoid, hardSigmoid, relu, linear, elu, selu, softsign, softplus, swish, silu, gelu, exponential, "
                    + "relu6, hard_tanh, hard_silu, hard_swish, mish, log_sigmoid, celu, sparse_sigmoid, soft_shrink, hard_shrink, Affine, ThresholdedRelu, ScaledTanh, HardSigmoid");
        };
    }

    /** {@code x >= 0 ? x : slope*x}. */
    public static Activation leakyRelu(float slope) {
        return of(Kind.LEAKY_RELU, slope, 0f);
    }

    /** Whether an ONNX function of this kind consumes an {@code activation_alpha} value. */
    public static boolean takesAlpha(Kind kind) {
        return switch (kind) {
            case LEAKY_RELU, THRESHOLDED_RELU, ELU, SCALED_TANH, HARD_SIGMOID, AFFINE -> true;
            default -> false;
        };
    }

    /** Whether an ONNX function of this kind consumes an {@code activation_beta} value. */
    public static boolean takesBeta(Kind kind) {
        return switch (kind) {
            case SCALED_TANH, HARD_SIGMOID, AFFINE -> true;
            default -> false;
        };
    }

    /**
     * Resolves an ONNX recurrent-operator activation ({@code Relu, Tanh, Sigmoid, Affine, LeakyRelu,
     * ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus}; case-insensitive, as
     * onnxruntime reads them) with explicit {@code activation_alpha}/{@code activation_beta} values
     * ({@code NaN} meaning none was given). A function left without a value gets onnxruntime's
     * default, the reference this library matches: LeakyRelu 0.01, HardSigmoid 0.2/0.5, Elu 1, and
     * 0 for the others (Affine 0/0, ThresholdedRelu 0, ScaledTanh 0/0: onnxruntime's
     * {@code rnn_helpers}, checked against it by the oracle tests).
     *
     * @throws IllegalArgumentException for any other name, naming it and the ONNX ones
     */
    public static Activation onnx(String name, float alpha, float beta) {
        float a = alpha;
        float b = beta;
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "relu" -> RELU;
            case "tanh" -> TANH;
            case "sigmoid" -> SIGMOID;
            case "softsign" -> SOFTSIGN;
            case "softplus" -> SOFTPLUS;
            case "affine" -> of(Kind.AFFINE, Float.isNaN(a) ? 0f : a, Float.isNaN(b) ? 0f : b);
            case "leakyrelu" -> of(Kind.LEAKY_RELU, Float.isNaN(a) ? 0.01f : a, 0f);
            case "thresholdedrelu" -> of(Kind.THRESHOLDED_RELU, Float.isNaN(a) ? 0f : a, 0f);
            case "scaledtanh" -> of(Kind.SCALED_TANH, Float.isNaN(a) ? 0f : a, Float.isNaN(b) ? 0f : b);
            case "hardsigmoid" -> of(Kind.HARD_SIGMOID, Float.isNaN(a) ? 0.2f : a, Float.isNaN(b) ? 0.5f : b);
            case "elu" -> of(Kind.ELU, Float.isNaN(a) ? 1f : a, 0f);
            default -> throw new IllegalArgumentException("activation '" + name + "' is not an ONNX recurrent activation; expected one of "
                    + "Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus");
        };
    }

    /** The function. */
    public Kind kind() {
        return kind;
    }

    /** The first parameter of the function (a slope, a scale or a threshold; see {@link Kind}). */
    public float alpha() {
        return alpha;
    }

    /** The second parameter of the function (an offset; see {@link Kind}). */
    public float beta() {
        return beta;
    }

    /** The definition of this activation in double precision: what every kernel approximates. */
    public double exact(double x) {
        return switch (kind) {
            case LINEAR -> x;
            case AFFINE -> (double) alpha * x + beta;
            case RELU -> x < 0 ? 0 : x;
            case LEAKY_RELU -> x >= 0 ? x : alpha * x;
            case THRESHOLDED_RELU -> x > alpha ? x : (Double.isNaN(x) ? x : 0);
            case TANH -> Math.tanh(x);
            case SCALED_TANH -> alpha * Math.tanh(beta * x);
            case SIGMOID -> sigmoid(x);
            case HARD_SIGMOID -> Double.isNaN(x) ? x : Math.min(1, Math.max(0, (double) alpha * x + beta));
            case ELU -> x > 0 ? x : alpha * Math.expm1(x);
            case SELU -> SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
            case SOFTSIGN -> Double.isInfinite(x) ? Math.signum(x) : x / (1 + Math.abs(x));
            case SOFTPLUS -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
            case SWISH -> Double.isInfinite(x) ? (x > 0 ? x : 0) : x * sigmoid(x);
            case GELU -> Double.isInfinite(x) ? (x > 0 ? x : 0) : x * Erf.normalCdf(x);
            case EXPONENTIAL -> Math.exp(x);
            case CLIP -> Double.isNaN(x) ? x : Math.min(beta, Math.max(alpha, x));
            case HARD_SILU -> Double.isInfinite(x) ? (x > 0 ? x : 0) : x * Math.min(1, Math.max(0, (double) alpha * x + beta));
            case MISH -> Double.isInfinite(x) ? (x > 0 ? x : 0) : x * Math.tanh(Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
            case GELU_TANH -> Double.isInfinite(x) ? (x > 0 ? x : 0)
                    : x * sigmoid(2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)); // 0.5(1 + tanh u) = sigmoid(2u)
            case LOG_SIGMOID -> -(Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
            case SOFT_SHRINK -> x > alpha ? x - alpha : x < -alpha ? x + alpha : (Double.isNaN(x) ? x : 0);
            case HARD_SHRINK -> Math.abs(x) > alpha ? x : (Double.isNaN(x) ? x : 0);
        };
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** Whether this is exactly the given activation (kind and parameters). */
    public boolean is(Activation other) {
        return kind == other.kind && Float.compare(alpha, other.alpha) == 0 && Float.compare(beta, other.beta) == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Activation a && is(a);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Float.hashCode(alpha) * 7 + Float.hashCode(beta);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case AFFINE, LEAKY_RELU, THRESHOLDED_RELU, SCALED_TANH, HARD_SIGMOID, ELU, CLIP, HARD_SILU, SOFT_SHRINK, HARD_SHRINK ->
                    kind.name().toLowerCase(Locale.ROOT) + "(alpha=" + alpha + ", beta=" + beta + ")";
            default -> kind.name().toLowerCase(Locale.ROOT);
        };
    }
}
