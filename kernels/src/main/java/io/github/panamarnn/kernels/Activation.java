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
        EXPONENTIAL(5.0e-8, 8.5e-8);

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

    /** SELU constants (Klambauer et al. 2017), as Keras and PyTorch use them. */
    public static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    public static final double SELU_SCALE = 1.0507009873554804934193349852946;

    public static final Activation LINEAR = new Activation(Kind.LINEAR, 0, 0);
    public static final Activation RELU = new Activation(Kind.RELU, 0, 0);
    public static final Activation TANH = new Activation(Kind.TANH, 1, 1);
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0, 0);
    /** Keras 2 / TensorFlow.js / ONNX default hard sigmoid: {@code clip(0.2x + 0.5, 0, 1)}. */
    public static final Activation HARD_SIGMOID = new Activation(Kind.HARD_SIGMOID, 0.2f, 0.5f);
    /** Keras 3 hard sigmoid: {@code relu6(x + 3) / 6}. */
    public static final Activation HARD_SIGMOID_KERAS3 = new Activation(Kind.HARD_SIGMOID, 1f / 6f, 0.5f);
    public static final Activation ELU = new Activation(Kind.ELU, 1, 0);
    public static final Activation SELU = new Activation(Kind.SELU, 0, 0);
    public static final Activation SOFTSIGN = new Activation(Kind.SOFTSIGN, 0, 0);
    public static final Activation SOFTPLUS = new Activation(Kind.SOFTPLUS, 0, 0);
    public static final Activation SWISH = new Activation(Kind.SWISH, 0, 0);
    public static final Activation GELU = new Activation(Kind.GELU, 0, 0);
    public static final Activation EXPONENTIAL = new Activation(Kind.EXPONENTIAL, 0, 0);

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
            default -> new Activation(kind, alpha, beta);
        };
    }

    /**
     * Resolves a framework's activation name: Keras ({@code tanh, sigmoid, hard_sigmoid, relu,
     * linear, elu, selu, softsign, softplus, swish, silu, gelu, exponential}), TensorFlow.js
     * ({@code hardSigmoid}, the Keras 2 form) and ONNX ({@code Tanh, Sigmoid, Relu, HardSigmoid,
     * Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, Elu, Softsign, Softplus}, with its default
     * alpha/beta). {@code hard_sigmoid} means the Keras 3 form; use {@link #HARD_SIGMOID} for
     * Keras 2 weights.
     *
     * @throws IllegalArgumentException naming the unknown activation and the known ones
     */
    public static Activation named(String name) {
        String n = name.trim();
        return switch (n) {
            case "tanh", "Tanh" -> TANH;
            case "sigmoid", "Sigmoid", "logistic" -> SIGMOID;
            case "hard_sigmoid" -> HARD_SIGMOID_KERAS3;
            case "hardSigmoid", "HardSigmoid", "hard_sigmoid_keras2" -> HARD_SIGMOID;
            case "relu", "Relu" -> RELU;
            case "linear", "Linear", "identity", "Identity", "None" -> LINEAR;
            case "elu", "Elu" -> ELU;
            case "selu", "Selu" -> SELU;
            case "softsign", "Softsign" -> SOFTSIGN;
            case "softplus", "Softplus" -> SOFTPLUS;
            case "swish", "silu", "Swish", "Silu" -> SWISH;
            case "gelu", "Gelu" -> GELU;
            case "exponential", "exp", "Exp" -> EXPONENTIAL;
            case "Affine" -> of(Kind.AFFINE, 1f, 0f);
            case "LeakyRelu", "leaky_relu" -> of(Kind.LEAKY_RELU, 0.01f, 0f);
            case "ThresholdedRelu" -> of(Kind.THRESHOLDED_RELU, 1f, 0f);
            case "ScaledTanh" -> of(Kind.SCALED_TANH, 1f, 1f);
            default -> throw new IllegalArgumentException("unknown activation '" + name + "'; expected one of tanh, sigmoid, "
                    + "hard_sigmoid, hardSigmoid, relu, linear, elu, selu, softsign, softplus, swish, silu, gelu, exponential, "
                    + "Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid");
        };
    }

    /**
     * Resolves an ONNX activation name with explicit {@code activation_alpha}/{@code activation_beta}
     * values ({@code NaN} meaning the operator's default).
     */
    public static Activation onnx(String name, float alpha, float beta) {
        Activation base = named(name);
        float a = Float.isNaN(alpha) ? base.alpha : alpha;
        float b = Float.isNaN(beta) ? base.beta : beta;
        return switch (base.kind) {
            case AFFINE, LEAKY_RELU, THRESHOLDED_RELU, SCALED_TANH, HARD_SIGMOID -> of(base.kind, a, b);
            case ELU -> of(Kind.ELU, Float.isNaN(alpha) ? 1f : alpha, 0f);
            default -> base;
        };
    }

    public Kind kind() {
        return kind;
    }

    public float alpha() {
        return alpha;
    }

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
            case AFFINE, LEAKY_RELU, THRESHOLDED_RELU, SCALED_TANH, HARD_SIGMOID, ELU ->
                    kind.name().toLowerCase(Locale.ROOT) + "(alpha=" + alpha + ", beta=" + beta + ")";
            default -> kind.name().toLowerCase(Locale.ROOT);
        };
    }
}
