package io.github.panamarnn.kernels;

import java.util.Objects;

/**
 * What the GRU state update does with its gate pre-activations, resolved once when a cell is built.
 * Immutable and shareable.
 *
 * <p>A gate buffer row holds three blocks of {@code units} in the canonical order
 * {@code [z | r | n]} (update gate, reset gate, candidate); cells convert Keras/ONNX {@code z,r,h},
 * PyTorch {@code r,z,n} and TF1 {@code r,u} + candidate into it. (SEMANTICS.md 2, 4, 5, 6)
 * <pre>
 *   z = ra(clip(zz))     r = ra(clip(zr))
 *   reset after  (Keras reset_after, ONNX linear_before_reset=1, PyTorch):
 *       n = ca(clip(xn + r * hn))        with xn = x@Wn + bxn, hn = h@Un + bhn
 *   reset before (TF1 GRUCell, Keras reset_after=False, ONNX default):
 *       n = ca(clip(x@Wn + (r*h)@Un + bn))
 *   h' = z*h + (1-z)*n
 * </pre>
 */
public final class GruGates {
    final int units;
    final float gateClip;
    final Activation recurrent;
    final Activation candidate;
    final boolean fused;

    private GruGates(int units, float gateClip, Activation recurrent, Activation candidate) {
        this.units = units;
        this.gateClip = gateClip;
        this.recurrent = recurrent;
        this.candidate = candidate;
        this.fused = recurrent.is(Activation.SIGMOID) && candidate.is(Activation.TANH) && gateClip == Float.POSITIVE_INFINITY;
    }

    /** Sigmoid gates, tanh candidate, no clip. */
    public static GruGates standard(int units) {
        return of(units, Activation.SIGMOID, Activation.TANH, Float.POSITIVE_INFINITY);
    }

    /**
     * GRU gates of {@code units} units with these activations.
     *
     * @param gateClip ONNX {@code clip} ({@link Float#POSITIVE_INFINITY} for none)
     */
    public static GruGates of(int units, Activation recurrent, Activation candidate, float gateClip) {
        if (units < 1) {
            throw new IllegalArgumentException("units must be positive, got " + units);
        }
        if (gateClip != Float.POSITIVE_INFINITY) {
            LstmGates.positiveClip("clip", gateClip);
        }
        return new GruGates(units, gateClip, Objects.requireNonNull(recurrent, "recurrent activation"),
                Objects.requireNonNull(candidate, "candidate activation"));
    }

    /** Units of the GRU. */
    public int units() {
        return units;
    }

    /** The clip applied to the gate pre-activations ({@code Float.POSITIVE_INFINITY}: none). */
    public float gateClip() {
        return gateClip;
    }

    /** The activation of the update and reset gates. */
    public Activation recurrentActivation() {
        return recurrent;
    }

    /** The activation of the candidate state. */
    public Activation candidateActivation() {
        return candidate;
    }

    /** Whether the update runs as one fused pass (sigmoid, tanh, no clip). */
    public boolean isFused() {
        return fused;
    }

    @Override
    public String toString() {
        return "GruGates[units=" + units + ", clip=" + gateClip + ", activations=" + recurrent + "/" + candidate + "]";
    }
}
