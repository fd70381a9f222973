package io.github.panamarnn.tests.kernels;

import io.github.panamarnn.kernels.Activation;

/** The error contract of an activation kernel, as {@link Activation.Kind} states it. */
final class ActivationCheck {
    private ActivationCheck() {
    }

    /** {@code null} when {@code got} is within the stated bounds of {@code act(x)}, else what is wrong. */
    static String violation(Activation act, float x, float got) {
        double exact = act.exact(x);
        if (Double.isNaN(exact)) {
            return Float.isNaN(got) ? null : "expected NaN";
        }
        if (Float.isNaN(got)) {
            return "got NaN, expected " + exact;
        }
        if (Double.isInfinite((float) exact)) {
            return got == (float) exact ? null : "expected " + (float) exact;
        }
        double err = Math.abs(got - exact);
        double absBound = act.kind().maxAbsError();
        double relBound = act.kind().maxRelError();
        double ax = Math.abs(exact);
        // Exactly representable results (0, +-1, the limits, relu's x) must come out exact when the
        // stated bound is below the float spacing there.
        boolean withinAbs = ax > 1 || err <= absBound || err <= 0.5 * Math.ulp((float) ax);
        boolean withinRel = ax < Float.MIN_NORMAL || err <= relBound * ax || err <= 0.5 * Math.ulp((float) ax);
        if (withinAbs && withinRel) {
            return null;
        }
        return "error " + err + " (relative " + (err / ax) + ") exceeds the stated bounds abs " + absBound + " rel " + relBound
                + "; exact " + exact;
    }
}
