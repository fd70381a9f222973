package io.github.panamarnn.cells;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Weight initializers, so that a cell can be made without trained weights (tests, benchmarks,
 * demos): the Keras / TF names and definitions, every random one seeded and reproducible. Each
 * returns a fresh row-major {@code [rows, cols]} array.
 */
public final class Initializers {
    private Initializers() {
    }

    /** An initializer of {@code [rows, cols]} arrays. */
    @FunctionalInterface
    public interface Initializer {
        /** A new row-major {@code [rows, cols]} matrix. */
        float[] make(int rows, int cols);
    }

    /** Every weight 0. */
    public static Initializer zeros() {
        return (r, c) -> new float[r * c];
    }

    /** Every weight 1. */
    public static Initializer ones() {
        return constant(1f);
    }

    /** Every weight {@code value}. */
    public static Initializer constant(float value) {
        return (r, c) -> {
            float[] a = new float[r * c];
            Arrays.fill(a, value);
            return a;
        };
    }

    /** Uniform on {@code [lo, hi)} (Keras {@code RandomUniform}, default -0.05, 0.05). */
    public static Initializer uniform(float lo, float hi, long seed) {
        if (!(hi > lo)) {
            throw new IllegalArgumentException("uniform needs lo < hi, got [" + lo + ", " + hi + ")");
        }
        return (r, c) -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] a = new float[r * c];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
            }
            return a;
        };
    }

    /** Normal with the given mean and standard deviation (Keras {@code RandomNormal}, default 0, 0.05). */
    public static Initializer normal(float mean, float stddev, long seed) {
        if (!(stddev >= 0)) {
            throw new IllegalArgumentException("normal needs stddev >= 0, got " + stddev);
        }
        return (r, c) -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] a = new float[r * c];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (mean + stddev * rnd.nextGaussian());
            }
            return a;
        };
    }

    /** Glorot (Xavier) uniform: {@code U(-l, l)}, {@code l = sqrt(6 / (fan_in + fan_out))}, fans = rows, cols (Keras' kernel default). */
    public static Initializer glorotUniform(long seed) {
        return (r, c) -> {
            float limit = (float) Math.sqrt(6.0 / (r + c));
            return uniform(-limit, limit, seed).make(r, c);
        };
    }

    /**
     * Orthogonal (Keras' recurrent-kernel default): the Q of a QR decomposition of a standard normal
     * matrix, signs fixed by R's diagonal, times {@code gain}; rows or columns orthonormal, whichever
     * are fewer.
     */
    public static Initializer orthogonal(float gain, long seed) {
        return (r, c) -> {
            int tall = Math.max(r, c);
            int narrow = Math.min(r, c);
            SplittableRandom rnd = new SplittableRandom(seed);
            double[][] q = new double[narrow][tall]; // columns of the tall matrix
            for (int j = 0; j < narrow; j++) {
                for (int i = 0; i < tall; i++) {
                    q[j][i] = rnd.nextGaussian();
                }
            }
            // Modified Gram-Schmidt, twice for accuracy; the sign of R's diagonal is that of the projection norm (positive).
            for (int j = 0; j < narrow; j++) {
                for (int pass = 0; pass < 2; pass++) {
                    for (int k = 0; k < j; k++) {
                        double dot = 0;
                        for (int i = 0; i < tall; i++) {
                            dot += q[j][i] * q[k][i];
                        }
                        for (int i = 0; i < tall; i++) {
                            q[j][i] -= dot * q[k][i];
                        }
                    }
                }
                double norm = 0;
                for (int i = 0; i < tall; i++) {
                    norm += q[j][i] * q[j][i];
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < tall; i++) {
                    q[j][i] /= norm;
                }
            }
            float[] a = new float[r * c];
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < c; j++) {
                    a[i * c + j] = (float) (gain * (r >= c ? q[j][i] : q[i][j]));
                }
            }
            return a;
        };
    }

    /**
     * A Keras {@code LSTM} with Keras' default initializers: kernel glorot_uniform, recurrent
     * kernel orthogonal, bias zeros with {@code unit_forget_bias} (the forget block 1.0).
     */
    public static LstmCell kerasLstm(int in, int units, long seed) {
        float[] bias = new float[4 * units];
        Arrays.fill(bias, units, 2 * units, 1f);
        return LstmCell.keras(in, units, glorotUniform(seed).make(in, 4 * units), orthogonal(1f, seed + 1).make(units, 4 * units), bias,
                io.github.panamarnn.kernels.Activation.TANH, io.github.panamarnn.kernels.Activation.SIGMOID);
    }

    /** A TF1 {@code BasicLSTMCell} as TF initialises it: kernel glorot_uniform, bias zeros, forget_bias 1.0. */
    public static LstmCell tf1BasicLstm(int in, int units, long seed) {
        return LstmCell.tf1Basic(in, units, glorotUniform(seed).make(in + units, 4 * units), new float[4 * units], 1f,
                io.github.panamarnn.kernels.Activation.TANH);
    }

    /** A TF1 {@code GRUCell} as TF initialises it: kernels glorot_uniform, gate bias 1.0, candidate bias zeros. */
    public static GruCell tf1Gru(int in, int units, long seed) {
        float[] gateBias = new float[2 * units];
        Arrays.fill(gateBias, 1f);
        return GruCell.tf1(in, units, glorotUniform(seed).make(in + units, 2 * units), gateBias, glorotUniform(seed + 1).make(in + units, units),
                new float[units], io.github.panamarnn.kernels.Activation.TANH);
    }

    /** A Keras {@code GRU} (reset_after) with Keras' defaults: glorot_uniform, orthogonal, zero biases. */
    public static GruCell kerasGru(int in, int units, long seed) {
        return GruCell.keras(in, units, true, glorotUniform(seed).make(in, 3 * units), orthogonal(1f, seed + 1).make(units, 3 * units),
                new float[6 * units], io.github.panamarnn.kernels.Activation.TANH, io.github.panamarnn.kernels.Activation.SIGMOID);
    }

    /** A Keras {@code SimpleRNN} with Keras' defaults. */
    public static SimpleRnnCell kerasSimpleRnn(int in, int units, long seed) {
        return SimpleRnnCell.keras(in, units, glorotUniform(seed).make(in, units), orthogonal(1f, seed + 1).make(units, units), new float[units],
                io.github.panamarnn.kernels.Activation.TANH);
    }
}
