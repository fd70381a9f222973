package io.github.panamarnn.kernels;

/**
 * The standard normal distribution function in double precision, the reference for GELU (Java has
 * no {@code erf}). A Taylor series for {@code |z| < 3} and a continued fraction (modified Lentz)
 * for the tail of {@code erfc}; both converge to double rounding.
 */
final class Erf {
    private Erf() {
    }

    /** {@code Phi(x) = 0.5 * erfc(-x / sqrt(2))}. */
    static double normalCdf(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    static double erfc(double z) {
        if (Double.isNaN(z)) {
            return z;
        }
        if (z < 0) {
            return 2 - erfc(-z);
        }
        if (z < 3) {
            return 1 - erfSeries(z);
        }
        return erfcContinuedFraction(z);
    }

    /** {@code erf(z) = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1))}. */
    private static double erfSeries(double z) {
        double term = z;
        double sum = z;
        double z2 = z * z;
        for (int n = 1; n < 200; n++) {
            term *= -z2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    /** {@code erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...))))}. */
    private static double erfcContinuedFraction(double z) {
        if (z > 27) {
            return 0;
        }
        // f = z + a1/(z + a2/(z + ...)), a_n = n/2, evaluated with the modified Lentz method.
        double tiny = 1e-300;
        double f = z;
        double c = z;
        double d = 0;
        for (int n = 1; n < 500; n++) {
            double a = n * 0.5;
            d = z + a * d;
            d = d == 0 ? tiny : d;
            c = z + a / c;
            c = c == 0 ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
    }
}
