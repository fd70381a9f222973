package io.github.panamarnn.kernels;

import java.util.Objects;

/**
 * What the LSTM state update does with the gate pre-activations: the options of every framework,
 * resolved once when a cell is built. Immutable and shareable.
 *
 * <p>The gate buffer of one batch row holds four blocks of {@code units} pre-activations in the
 * canonical order {@code [i | f | g | o]} (input gate, forget gate, cell input, output gate);
 * cells convert TF1 {@code i,j,f,o}, Keras {@code i,f,c,o}, ONNX {@code i,o,f,c} and PyTorch
 * {@code i,f,g,o} into it when they pack their weights. The update (SEMANTICS.md 2, 4, 5, 6) is
 * <pre>
 *   i = ra(clip(zi + pi*c))          f = ra(clip(zf + forgetBias + pf*c))   (f = 1 - i with inputForget)
 *   g = ca(clip(zg))                 c' = clip_c(f*c + i*g)
 *   o = ra(clip(zo + po*c'))         h' = o * oa(c')
 * </pre>
 * where {@code ra} is the recurrent (gate) activation, {@code ca} the cell input activation,
 * {@code oa} the output activation, {@code clip} the ONNX gate clip and {@code clip_c} TF1's
 * {@code cell_clip}. Peepholes ({@code pi, pf, po}) are zero when absent.
 */
public final class LstmGates {
    final int units;
    final float forgetBias;
    /** {@code [3*units]}: i, f, o peephole weights; all zeros when the cell has none. */
    final float[] peepholes;
    final boolean hasPeepholes;
    final float cellClip;
    final float gateClip;
    final boolean inputForget;
    final Activation recurrent;
    final Activation cellInput;
    final Activation output;
    final boolean fused;

    private LstmGates(Builder b) {
        this.units = b.units;
        this.forgetBias = b.forgetBias;
        this.hasPeepholes = b.peepholes != null;
        this.peepholes = b.peepholes != null ? b.peepholes.clone() : new float[3 * b.units];
        this.cellClip = b.cellClip;
        this.gateClip = b.gateClip;
        this.inputForget = b.inputForget;
        this.recurrent = b.recurrent;
        this.cellInput = b.cellInput;
        this.output = b.output;
        this.fused = recurrent.is(Activation.SIGMOID) && cellInput.is(Activation.TANH) && output.is(Activation.TANH)
                && gateClip == Float.POSITIVE_INFINITY && !inputForget;
    }

    /** A builder of gates for {@code units} units with every default (Keras and ONNX semantics, sigmoid and tanh). */
    public static Builder builder(int units) {
        return new Builder(units);
    }

    /** Units of the cell state. */
    public int units() {
        return units;
    }

    /** Added to the forget gate's pre-activation (TF1 {@code forget_bias}). */
    public float forgetBias() {
        return forgetBias;
    }

    /** Whether peephole connections are applied. */
    public boolean hasPeepholes() {
        return hasPeepholes;
    }

    /** Peephole weight of gate {@code 0 = i, 1 = f, 2 = o} for unit {@code u}. */
    public float peephole(int gate, int u) {
        return peepholes[gate * units + u];
    }

    /** The cell state clip ({@code Float.POSITIVE_INFINITY}: none). */
    public float cellClip() {
        return cellClip;
    }

    /** The gate pre-activation clip ({@code Float.POSITIVE_INFINITY}: none; ONNX {@code clip}). */
    public float gateClip() {
        return gateClip;
    }

    /** Whether the input gate is coupled to the forget gate ({@code i = 1 - f}, ONNX {@code input_forget}). */
    public boolean inputForget() {
        return inputForget;
    }

    /** The activation of the input, forget and output gates. */
    public Activation recurrentActivation() {
        return recurrent;
    }

    /** The activation of the cell input. */
    public Activation cellInputActivation() {
        return cellInput;
    }

    /** The activation of the cell state on its way to the output. */
    public Activation outputActivation() {
        return output;
    }

    /**
     * Whether the update runs as the single fused pass (sigmoid gates, tanh cell input and output,
     * no gate clip, no coupled input-forget); otherwise it runs as a few vector passes.
     */
    public boolean isFused() {
        return fused;
    }

    @Override
    public String toString() {
        return "LstmGates[units=" + units + ", forgetBias=" + forgetBias + ", peepholes=" + hasPeepholes
                + ", cellClip=" + cellClip + ", gateClip=" + gateClip + ", inputForget=" + inputForget
                + ", activations=" + recurrent + "/" + cellInput + "/" + output + "]";
    }

    /** Builder with the defaults of a plain LSTM: no forget bias, sigmoid / tanh / tanh. */
    public static final class Builder {
        private final int units;
        private float forgetBias;
        private float[] peepholes;
        private float cellClip = Float.POSITIVE_INFINITY;
        private float gateClip = Float.POSITIVE_INFINITY;
        private boolean inputForget;
        private Activation recurrent = Activation.SIGMOID;
        private Activation cellInput = Activation.TANH;
        private Activation output = Activation.TANH;

        private Builder(int units) {
            if (units < 1) {
                throw new IllegalArgumentException("units must be positive, got " + units);
            }
            this.units = units;
        }

        /** Added to the forget gate pre-activation at run time (TF1 {@code forget_bias}). */
        public Builder forgetBias(float v) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("forget_bias must be finite, got " + v);
            }
            this.forgetBias = v;
            return this;
        }

        /** Peephole weights, {@code [3*units]} in the order i, f, o. */
        public Builder peepholes(float[] pifo) {
            Objects.requireNonNull(pifo, "peepholes");
            if (pifo.length != 3 * units) {
                throw new IllegalArgumentException("peepholes must have 3*units = " + 3 * units + " values, got " + pifo.length);
            }
            this.peepholes = pifo.clone();
            return this;
        }

        /** TF1 {@code cell_clip}: {@code c} is clamped to {@code [-v, v]} before the output is formed. */
        public Builder cellClip(float v) {
            this.cellClip = positiveClip("cell_clip", v);
            return this;
        }

        /** ONNX {@code clip}: every gate pre-activation is clamped to {@code [-v, v]}. */
        public Builder gateClip(float v) {
            this.gateClip = positiveClip("clip", v);
            return this;
        }

        /** ONNX {@code input_forget=1}: {@code f = 1 - i}. */
        public Builder inputForget(boolean v) {
            this.inputForget = v;
            return this;
        }

        /** The gates' activation, the cell input's and the output's (default sigmoid, tanh, tanh). */
        public Builder activations(Activation recurrent, Activation cellInput, Activation output) {
            this.recurrent = Objects.requireNonNull(recurrent, "recurrent activation");
            this.cellInput = Objects.requireNonNull(cellInput, "cell input activation");
            this.output = Objects.requireNonNull(output, "output activation");
            return this;
        }

        /** The gates as set. */
        public LstmGates build() {
            return new LstmGates(this);
        }
    }

    static float positiveClip(String name, float v) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(name + " must be positive (or absent), got " + v);
        }
        return v;
    }
}
