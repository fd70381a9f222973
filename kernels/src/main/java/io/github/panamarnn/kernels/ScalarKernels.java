package io.github.panamarnn.kernels;

/**
 * The specification of every kernel, in plain Java: short loops, activations evaluated exactly in
 * double ({@link Activation#exact(double)}), one rounding to float per stored value. It is also what
 * runs when the Vector API is unavailable. Stateless and thread-safe.
 */
public final class ScalarKernels implements Kernels {

    /** Panel width this implementation packs with (any width works for it). */
    public static final int PANEL_WIDTH = 32;

    static final ScalarKernels INSTANCE = new ScalarKernels(Precision.FP32);
    private static final ScalarKernels BF16 = new ScalarKernels(Precision.BF16);
    private static final ScalarKernels INT8 = new ScalarKernels(Precision.INT8);

    private final Precision precision;

    /** The shared instance (float32 weights). */
    public static ScalarKernels instance() {
        return INSTANCE;
    }

    private ScalarKernels(Precision precision) {
        this.precision = precision;
    }

    @Override
    public String name() {
        return precision == Precision.FP32 ? "scalar" : "scalar, " + precision.label() + " weights";
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public Kernels withPrecision(Precision p) {
        return switch (Precision.check(p)) {
            case FP32 -> INSTANCE;
            case BF16 -> BF16;
            case INT8 -> INT8;
        };
    }

    @Override
    public PackedMatrix repack(PackedMatrix m) {
        return m.panelWidth == PANEL_WIDTH && m.precision == precision ? m : m.repack(PANEL_WIDTH, precision);
    }

    @Override
    public int rowBlock() {
        return 1;
    }

    @Override
    public boolean isVectorized() {
        return false;
    }

    @Override
    public PackedMatrix pack(int rows, int cols, PackedMatrix.Source w, float[] bias) {
        return PackedMatrix.pack(rows, cols, PANEL_WIDTH, precision, w, bias);
    }

    @Override
    public void matVec(PackedMatrix w, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        matMul(w, x, xOff, 0, 1, y, yOff, 0, accumulate);
    }

    /**
     * For each output, float32: one accumulator, bias first, then {@code x[k]*W[k,n]} for k in order. bfloat16: the
     * same with each weight decoded exactly. int8: {@code t = sum_k x[k]*q[k,n]} in order, then
     * {@code fma(t, scale[n], bias[n])}, then the previous {@code y} added when accumulating.
     */
    @Override
    public void matMul(PackedMatrix w, float[] x, int xOff, int xStride, int batch,
                       float[] y, int yOff, int yStride, boolean accumulate) {
        final int rows = w.rows;
        final int pw = w.panelWidth;
        final float[] a = w.data;
        final int[] q = w.packed;
        for (int b = 0; b < batch; b++) {
            int xo = xOff + b * xStride;
            int yo = yOff + b * yStride;
            for (int n = 0; n < w.cols; n++) {
                int at = w.offset(n);
                float bn = w.bias[w.biasIndex(n)];
                float s;
                switch (w.precision) {
                    case FP32 -> {
                        s = accumulate ? y[yo + n] + bn : bn;
                        for (int k = 0; k < rows; k++) {
                            s += x[xo + k] * a[at + k * pw];
                        }
                    }
                    case BF16 -> {
                        s = accumulate ? y[yo + n] + bn : bn;
                        for (int k = 0; k < rows; k++) {
                            s += x[xo + k] * Precision.fromBf16(q[at + (k >> 1) * pw] >>> ((k & 1) * 16));
                        }
                    }
                    case INT8 -> {
                        float t = 0f;
                        for (int k = 0; k < rows; k++) {
                            t += x[xo + k] * w.bytes[at + k * pw];
                        }
                        s = Math.fma(t, w.scale[w.biasIndex(n)], bn);
                        if (accumulate) {
                            s += y[yo + n];
                        }
                    }
                    default -> throw new AssertionError(w.precision);
                }
                y[yo + n] = s;
            }
        }
    }

    @Override
    public void activate(Activation act, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = (float) act.exact(src[srcOff + i]);
        }
    }

    @Override
    public void lstmUpdate(LstmGates g, int batch, float[] gates, int gOff, float[] c, int cOff, float[] h, int hOff) {
        final int u = g.units;
        final float[] p = g.peepholes;
        for (int b = 0; b < batch; b++) {
            int go = gOff + b * 4 * u;
            for (int j = 0; j < u; j++) {
                double cPrev = c[cOff + b * u + j];
                double i = g.recurrent.exact(clip(gates[go + j] + p[j] * cPrev, g.gateClip));
                double f = g.inputForget ? 1 - i
                        : g.recurrent.exact(clip(gates[go + u + j] + (double) g.forgetBias + p[u + j] * cPrev, g.gateClip));
                double in = g.cellInput.exact(clip(gates[go + 2 * u + j], g.gateClip));
                float cNew = (float) clip(f * cPrev + i * in, g.cellClip);
                double o = g.recurrent.exact(clip(gates[go + 3 * u + j] + p[2 * u + j] * (double) cNew, g.gateClip));
                c[cOff + b * u + j] = cNew;
                h[hOff + b * u + j] = (float) (o * g.output.exact(cNew));
            }
        }
    }

    @Override
    public void gruUpdateResetAfter(GruGates g, int batch, float[] gx, int gxOff, float[] gh, int ghOff,
                                    float[] hPrev, int hPrevOff, float[] hOut, int hOutOff) {
        final int u = g.units;
        for (int b = 0; b < batch; b++) {
            int xo = gxOff + b * 3 * u;
            int ho = ghOff + b * 3 * u;
            for (int j = 0; j < u; j++) {
                double z = g.recurrent.exact(clip((double) gx[xo + j] + gh[ho + j], g.gateClip));
                double r = g.recurrent.exact(clip((double) gx[xo + u + j] + gh[ho + u + j], g.gateClip));
                double n = g.candidate.exact(clip(gx[xo + 2 * u + j] + r * gh[ho + 2 * u + j], g.gateClip));
                double h = hPrev[hPrevOff + b * u + j];
                hOut[hOutOff + b * u + j] = (float) (z * h + (1 - z) * n);
            }
        }
    }

    @Override
    public void gruResetHidden(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff,
                               float[] rh, int rhOff) {
        final int u = g.units;
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < u; j++) {
                double r = g.recurrent.exact(clip(gates[gOff + b * 3 * u + u + j], g.gateClip));
                rh[rhOff + b * u + j] = (float) (r * hPrev[hPrevOff + b * u + j]);
            }
        }
    }

    @Override
    public void gruUpdateResetBefore(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff,
                                     float[] hOut, int hOutOff) {
        final int u = g.units;
        for (int b = 0; b < batch; b++) {
            int go = gOff + b * 3 * u;
            for (int j = 0; j < u; j++) {
                double z = g.recurrent.exact(clip(gates[go + j], g.gateClip));
                double n = g.candidate.exact(clip(gates[go + 2 * u + j], g.gateClip));
                double h = hPrev[hPrevOff + b * u + j];
                hOut[hOutOff + b * u + j] = (float) (z * h + (1 - z) * n);
            }
        }
    }

    @Override
    public void clamp(float[] a, int off, int n, float lo, float hi) {
        for (int i = 0; i < n; i++) {
            a[off + i] = Math.min(Math.max(a[off + i], lo), hi);
        }
    }

    private static double clip(double v, float limit) {
        return v > limit ? limit : v < -limit ? -limit : v;
    }

    @Override
    public String toString() {
        return name();
    }
}
