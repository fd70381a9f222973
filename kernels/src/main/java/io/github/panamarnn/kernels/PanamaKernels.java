package io.github.panamarnn.kernels;

import static io.github.panamarnn.kernels.Approximations.*;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API implementation of {@link Kernels}. Loaded by {@link KernelProvider} only after it
 * has checked that {@code jdk.incubator.vector} is readable; never referenced directly elsewhere.
 * Stateless and thread-safe.
 *
 * <p>Why it is written the way it is (measured on JDK 25, see PLATFORM-FACTS.md): a vector that is
 * passed to or returned from a method C2 does not inline is boxed on the heap. C2 stops inlining
 * ordinary methods once a compilation unit passes about 18,000 parse nodes, which Vector API code
 * reaches quickly (a sigmoid is a few thousand), while the Vector API's own methods are
 * force-inlined regardless. So no method here passes a vector to another method of ours: every hot
 * loop has its approximations (constants and derivations in {@link Approximations}) written inline
 * and calls only the Vector API; its tail (fewer elements than a vector) runs the same
 * approximations lane by lane in {@link ScalarApprox}, bit for bit; the matrix products
 * work panel by panel in methods that exchange only arrays and ints. The loops below the
 * marker "The loops, math inline" repeat the same few lines on purpose: they are generated from one
 * definition of each approximation by {@code kernels/tools/generate_loops.py} (edit the math there),
 * and {@code ActivationErrorBoundsTest} and {@code GatePropertiesTest} pin every copy to the
 * specification.
 */
final class PanamaKernels implements Kernels {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = PanamaSpecies.LANES;
    private static final int P = PanamaSpecies.PANEL;

    PanamaKernels() {
    }

    @Override
    public String name() {
        return "panama (FloatVector " + S.vectorBitSize() + " bits, " + L + " lanes, panels of " + P + ")";
    }

    @Override
    public boolean isVectorized() {
        return true;
    }

    @Override
    public PackedMatrix pack(int rows, int cols, PackedMatrix.Source w, float[] bias) {
        return PackedMatrix.pack(rows, cols, P, w, bias);
    }

    private static void checkPanel(PackedMatrix w) {
        if (w.panelWidth != P) {
            throw new IllegalArgumentException("matrix packed with panels of " + w.panelWidth + " but these kernels read panels of "
                    + P + ": pack it with this Kernels instance (or PackedMatrix.repack)");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Matrix products

    /** Column where panel {@code p} of {@code w} starts: the last one is right-aligned (see {@link PackedMatrix}). */
    private static int panelStart(PackedMatrix w, int p) {
        return p == w.panels - 1 ? w.lastStart : p * P;
    }

    @Override
    public void matVec(PackedMatrix w, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        checkPanel(w);
        if (w.cols < P) {
            ScalarKernels.INSTANCE.matVec(w, x, xOff, y, yOff, accumulate);
            return;
        }
        // The right-aligned last panel first: the columns it shares with the previous panel are zero
        // in it, and the previous panel then writes (or completes) them.
        for (int q = 0; q < w.panels; q++) {
            final int p = q == 0 ? w.panels - 1 : q - 1;
            matVecPanel(w.data, p * w.rows * P, w.rows, x, xOff, w.bias, p * P, y, yOff + panelStart(w, p), accumulate);
        }
    }

    /**
     * One panel, batch 1. Bandwidth-bound (0.5 flop per weight byte), so it streams the panel with
     * two interleaved k-streams: eight independent fma chains keep enough loads in flight.
     */
    private static void matVecPanel(float[] a, int base, int rows, float[] x, int xOff, float[] bias, int biasAt,
                                    float[] y, int yo, boolean accumulate) {
        FloatVector s0 = FloatVector.fromArray(S, bias, biasAt);
        FloatVector s1 = FloatVector.fromArray(S, bias, biasAt + L);
        FloatVector s2 = FloatVector.fromArray(S, bias, biasAt + 2 * L);
        FloatVector s3 = FloatVector.fromArray(S, bias, biasAt + 3 * L);
        FloatVector t0 = FloatVector.zero(S);
        FloatVector t1 = FloatVector.zero(S);
        FloatVector t2 = FloatVector.zero(S);
        FloatVector t3 = FloatVector.zero(S);
        int k = 0;
        for (; k + 2 <= rows; k += 2) {
            final int o = base + k * P;
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            final FloatVector x1 = FloatVector.broadcast(S, x[xOff + k + 1]);
            s0 = FloatVector.fromArray(S, a, o).fma(x0, s0);
            s1 = FloatVector.fromArray(S, a, o + L).fma(x0, s1);
            s2 = FloatVector.fromArray(S, a, o + 2 * L).fma(x0, s2);
            s3 = FloatVector.fromArray(S, a, o + 3 * L).fma(x0, s3);
            t0 = FloatVector.fromArray(S, a, o + P).fma(x1, t0);
            t1 = FloatVector.fromArray(S, a, o + P + L).fma(x1, t1);
            t2 = FloatVector.fromArray(S, a, o + P + 2 * L).fma(x1, t2);
            t3 = FloatVector.fromArray(S, a, o + P + 3 * L).fma(x1, t3);
        }
        if (k < rows) {
            final int o = base + k * P;
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            s0 = FloatVector.fromArray(S, a, o).fma(x0, s0);
            s1 = FloatVector.fromArray(S, a, o + L).fma(x0, s1);
            s2 = FloatVector.fromArray(S, a, o + 2 * L).fma(x0, s2);
            s3 = FloatVector.fromArray(S, a, o + 3 * L).fma(x0, s3);
        }
        s0 = s0.add(t0);
        s1 = s1.add(t1);
        s2 = s2.add(t2);
        s3 = s3.add(t3);
        if (accumulate) {
            s0 = s0.add(FloatVector.fromArray(S, y, yo));
            s1 = s1.add(FloatVector.fromArray(S, y, yo + L));
            s2 = s2.add(FloatVector.fromArray(S, y, yo + 2 * L));
            s3 = s3.add(FloatVector.fromArray(S, y, yo + 3 * L));
        }
        s0.intoArray(y, yo);
        s1.intoArray(y, yo + L);
        s2.intoArray(y, yo + 2 * L);
        s3.intoArray(y, yo + 3 * L);
    }

    /**
     * Batch 2..64: register-blocked 6 rows x 2 vectors (twelve accumulators, enough independent fma
     * chains to cover the fma latency at two per cycle, plus two weight vectors and a broadcast:
     * fifteen of the sixteen ymm registers). Loop order panel -> half panel -> row block keeps the
     * half panel's weights in L1 while every row block uses them; leftover rows take the batch-1
     * panel kernel (eight chains).
     */
    @Override
    public void matMul(PackedMatrix w, float[] x, int xOff, int xStride, int batch,
                       float[] y, int yOff, int yStride, boolean accumulate) {
        if (batch == 1) {
            matVec(w, x, xOff, y, yOff, accumulate);
            return;
        }
        checkPanel(w);
        if (w.cols < P) {
            ScalarKernels.INSTANCE.matMul(w, x, xOff, xStride, batch, y, yOff, yStride, accumulate);
            return;
        }
        final int blocked = batch - batch % 6;
        for (int q = 0; q < w.panels; q++) {
            final int p = q == 0 ? w.panels - 1 : q - 1; // right-aligned last panel first, as in matVec
            final int start = panelStart(w, p);
            for (int half = 0; half < P; half += 2 * L) {
                final int base = p * w.rows * P + half;
                final int biasAt = p * P + half;
                final int col = start + half;
                for (int b = 0; b < blocked; b += 6) {
                    matMulBlock6(w.data, base, w.rows, x, xOff + b * xStride, xStride, w.bias, biasAt,
                            y, yOff + b * yStride + col, yStride, accumulate);
                }
            }
            for (int b = blocked; b < batch; b++) {
                matVecPanel(w.data, p * w.rows * P, w.rows, x, xOff + b * xStride, w.bias, p * P, y, yOff + b * yStride + start, accumulate);
            }
        }
    }

    private static void matMulBlock6(float[] a, int base, int rows, float[] x, int x0, int xStride, float[] bias, int biasAt,
                                     float[] y, int y0, int yStride, boolean accumulate) {
        final int x1 = x0 + xStride;
        final int x2 = x1 + xStride;
        final int x3 = x2 + xStride;
        final int x4 = x3 + xStride;
        final int x5 = x4 + xStride;
        FloatVector a00 = FloatVector.fromArray(S, bias, biasAt);
        FloatVector a01 = FloatVector.fromArray(S, bias, biasAt + L);
        FloatVector a10 = a00;
        FloatVector a11 = a01;
        FloatVector a20 = a00;
        FloatVector a21 = a01;
        FloatVector a30 = a00;
        FloatVector a31 = a01;
        FloatVector a40 = a00;
        FloatVector a41 = a01;
        FloatVector a50 = a00;
        FloatVector a51 = a01;
        int o = base;
        for (int k = 0; k < rows; k++, o += P) {
            final FloatVector wa = FloatVector.fromArray(S, a, o);
            final FloatVector wb = FloatVector.fromArray(S, a, o + L);
            FloatVector v = FloatVector.broadcast(S, x[x0 + k]);
            a00 = wa.fma(v, a00);
            a01 = wb.fma(v, a01);
            v = FloatVector.broadcast(S, x[x1 + k]);
            a10 = wa.fma(v, a10);
            a11 = wb.fma(v, a11);
            v = FloatVector.broadcast(S, x[x2 + k]);
            a20 = wa.fma(v, a20);
            a21 = wb.fma(v, a21);
            v = FloatVector.broadcast(S, x[x3 + k]);
            a30 = wa.fma(v, a30);
            a31 = wb.fma(v, a31);
            v = FloatVector.broadcast(S, x[x4 + k]);
            a40 = wa.fma(v, a40);
            a41 = wb.fma(v, a41);
            v = FloatVector.broadcast(S, x[x5 + k]);
            a50 = wa.fma(v, a50);
            a51 = wb.fma(v, a51);
        }
        final int y1 = y0 + yStride;
        final int y2 = y1 + yStride;
        final int y3 = y2 + yStride;
        final int y4 = y3 + yStride;
        final int y5 = y4 + yStride;
        if (accumulate) {
            a00 = a00.add(FloatVector.fromArray(S, y, y0));
            a01 = a01.add(FloatVector.fromArray(S, y, y0 + L));
            a10 = a10.add(FloatVector.fromArray(S, y, y1));
            a11 = a11.add(FloatVector.fromArray(S, y, y1 + L));
            a20 = a20.add(FloatVector.fromArray(S, y, y2));
            a21 = a21.add(FloatVector.fromArray(S, y, y2 + L));
            a30 = a30.add(FloatVector.fromArray(S, y, y3));
            a31 = a31.add(FloatVector.fromArray(S, y, y3 + L));
            a40 = a40.add(FloatVector.fromArray(S, y, y4));
            a41 = a41.add(FloatVector.fromArray(S, y, y4 + L));
            a50 = a50.add(FloatVector.fromArray(S, y, y5));
            a51 = a51.add(FloatVector.fromArray(S, y, y5 + L));
        }
        a00.intoArray(y, y0);
        a01.intoArray(y, y0 + L);
        a10.intoArray(y, y1);
        a11.intoArray(y, y1 + L);
        a20.intoArray(y, y2);
        a21.intoArray(y, y2 + L);
        a30.intoArray(y, y3);
        a31.intoArray(y, y3 + L);
        a40.intoArray(y, y4);
        a41.intoArray(y, y4 + L);
        a50.intoArray(y, y5);
        a51.intoArray(y, y5 + L);
    }

    // ---------------------------------------------------------------------------------------------
    // Entry points of the elementwise kernels

    @Override
    public void activate(Activation act, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        final float alpha = act.alpha();
        final float beta = act.beta();
        final int v = S.loopBound(n);
        switch (act.kind()) {
            case LINEAR -> System.arraycopy(src, srcOff, dst, dstOff, n);
            case AFFINE -> affineLoop(src, srcOff, dst, dstOff, v, alpha, beta, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
            case HARD_SIGMOID -> affineLoop(src, srcOff, dst, dstOff, v, alpha, beta, 0f, 1f);
            case RELU -> thresholdedReluLoop(src, srcOff, dst, dstOff, v, 0f);
            case LEAKY_RELU -> leakyReluLoop(src, srcOff, dst, dstOff, v, alpha);
            case THRESHOLDED_RELU -> thresholdedReluLoop(src, srcOff, dst, dstOff, v, alpha);
            case TANH -> tanhLoop(src, srcOff, dst, dstOff, v);
            case SCALED_TANH -> scaledTanhLoop(src, srcOff, dst, dstOff, v, alpha, beta);
            case SIGMOID -> sigmoidLoop(src, srcOff, dst, dstOff, v);
            case ELU -> eluLoop(src, srcOff, dst, dstOff, v, alpha, 1f);
            case SELU -> eluLoop(src, srcOff, dst, dstOff, v, (float) Activation.SELU_ALPHA, (float) Activation.SELU_SCALE);
            case SOFTSIGN -> softsignLoop(src, srcOff, dst, dstOff, v);
            case SOFTPLUS -> softplusLoop(src, srcOff, dst, dstOff, v);
            case SWISH -> swishLoop(src, srcOff, dst, dstOff, v);
            case GELU -> geluLoop(src, srcOff, dst, dstOff, v);
            case EXPONENTIAL -> exponentialLoop(src, srcOff, dst, dstOff, v);
            case CLIP -> affineLoop(src, srcOff, dst, dstOff, v, 1f, 0f, alpha, beta);
            case HARD_SILU -> hardSiluLoop(src, srcOff, dst, dstOff, v, alpha, beta);
            case MISH -> mishLoop(src, srcOff, dst, dstOff, v);
            case GELU_TANH -> geluTanhLoop(src, srcOff, dst, dstOff, v);
            case LOG_SIGMOID -> logSigmoidLoop(src, srcOff, dst, dstOff, v);
            case SOFT_SHRINK -> softShrinkLoop(src, srcOff, dst, dstOff, v, alpha);
            case HARD_SHRINK -> hardShrinkLoop(src, srcOff, dst, dstOff, v, alpha);
        }
        if (act.kind() != Activation.Kind.LINEAR) {
            for (int i = v; i < n; i++) {
                dst[dstOff + i] = ScalarApprox.activate(act, src[srcOff + i]);
            }
        }
    }

    @Override
    public void clamp(float[] a, int off, int n, float lo, float hi) {
        clampLoop(a, off, n, lo, hi);
    }

    @Override
    public void lstmUpdate(LstmGates g, int batch, float[] gates, int gOff, float[] c, int cOff, float[] h, int hOff) {
        if (g.fused) {
            lstmFused(g, batch, gates, gOff, c, cOff, h, hOff);
            return;
        }
        // Any activations, gate clip or coupled input-forget: a few vector passes over each row.
        final int u = g.units;
        final float[] p = g.peepholes;
        final boolean clipGates = g.gateClip != Float.POSITIVE_INFINITY;
        for (int b = 0; b < batch; b++) {
            final int gi = gOff + b * 4 * u;
            final int gf = gi + u;
            final int gg = gi + 2 * u;
            final int go = gi + 3 * u;
            final int co = cOff + b * u;
            final int ho = hOff + b * u;
            if (g.hasPeepholes) {
                fmaInto(gates, gi, p, 0, c, co, u);
                fmaInto(gates, gf, p, u, c, co, u);
            }
            if (g.forgetBias != 0f) {
                addScalar(gates, gf, u, g.forgetBias);
            }
            if (clipGates) {
                clampLoop(gates, gi, 3 * u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gates, gi, gates, gi, u);
            if (g.inputForget) {
                oneMinus(gates, gi, gates, gf, u);
            } else {
                activate(g.recurrent, gates, gf, gates, gf, u);
            }
            activate(g.cellInput, gates, gg, gates, gg, u);
            lstmCombine(gates, gi, c, co, u, g.cellClip);
            if (g.hasPeepholes) {
                fmaInto(gates, go, p, 2 * u, c, co, u);
            }
            if (clipGates) {
                clampLoop(gates, go, u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gates, go, gates, go, u);
            activate(g.output, c, co, h, ho, u);
            mulInto(h, ho, gates, go, u);
        }
    }

    @Override
    public void gruUpdateResetAfter(GruGates g, int batch, float[] gx, int gxOff, float[] gh, int ghOff,
                                    float[] hPrev, int hPrevOff, float[] hOut, int hOutOff) {
        if (g.fused) {
            gruResetAfterFused(g, batch, gx, gxOff, gh, ghOff, hPrev, hPrevOff, hOut, hOutOff);
            return;
        }
        final int u = g.units;
        final boolean clipGates = g.gateClip != Float.POSITIVE_INFINITY;
        for (int b = 0; b < batch; b++) {
            final int xo = gxOff + b * 3 * u;
            final int ho = ghOff + b * 3 * u;
            addInto(gx, xo, gh, ho, 2 * u);
            if (clipGates) {
                clampLoop(gx, xo, 2 * u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gx, xo, gx, xo, 2 * u);
            fmaInto(gx, xo + 2 * u, gx, xo + u, gh, ho + 2 * u, u);
            candidateAndBlend(g, gx, xo, hPrev, hPrevOff + b * u, hOut, hOutOff + b * u);
        }
    }

    /** From the activated {@code z} at {@code go} and the candidate pre-activation at {@code go+2u}. */
    private void candidateAndBlend(GruGates g, float[] gates, int go, float[] hPrev, int po, float[] hOut, int oo) {
        final int u = g.units;
        final int no = go + 2 * u;
        if (g.gateClip != Float.POSITIVE_INFINITY) {
            clampLoop(gates, no, u, -g.gateClip, g.gateClip);
        }
        activate(g.candidate, gates, no, gates, no, u);
        gruBlend(gates, go, no, hPrev, po, hOut, oo, u);
    }

    @Override
    public void gruResetHidden(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff,
                               float[] rh, int rhOff) {
        final int u = g.units;
        if (g.fused) {
            gruResetHiddenFused(u, batch, gates, gOff, hPrev, hPrevOff, rh, rhOff);
            return;
        }
        for (int b = 0; b < batch; b++) {
            final int ro = gOff + b * 3 * u + u;
            if (g.gateClip != Float.POSITIVE_INFINITY) {
                clampLoop(gates, ro, u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gates, ro, rh, rhOff + b * u, u);
            mulInto(rh, rhOff + b * u, hPrev, hPrevOff + b * u, u);
        }
    }

    @Override
    public void gruUpdateResetBefore(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff,
                                     float[] hOut, int hOutOff) {
        final int u = g.units;
        if (g.fused) {
            gruResetBeforeFused(u, batch, gates, gOff, hPrev, hPrevOff, hOut, hOutOff);
            return;
        }
        for (int b = 0; b < batch; b++) {
            final int go = gOff + b * 3 * u;
            if (g.gateClip != Float.POSITIVE_INFINITY) {
                clampLoop(gates, go, u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gates, go, gates, go, u);
            candidateAndBlend(g, gates, go, hPrev, hPrevOff + b * u, hOut, hOutOff + b * u);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The loops, math inline (see the class comment).

    /** {@code tanh(x)}. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void tanhLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector tx2 = x.mul(x);
            FloatVector tp = tx2.fma(TA13, TA11).fma(tx2, FloatVector.broadcast(S, TA9)).fma(tx2, FloatVector.broadcast(S, TA7)).fma(tx2, FloatVector.broadcast(S, TA5))
                    .fma(tx2, FloatVector.broadcast(S, TA3)).fma(tx2, FloatVector.broadcast(S, TA1)).mul(x);
            FloatVector tq = tx2.fma(TB6, TB4).fma(tx2, FloatVector.broadcast(S, TB2)).fma(tx2, FloatVector.broadcast(S, TB0));
            FloatVector ta = x.abs();
            FloatVector r = tp.div(tq).blend(x, ta.compare(LT, TANH_TINY))
                    .blend(x.reinterpretAsInts().and(SIGN_BIT).or(ONE_BITS).reinterpretAsFloats(), ta.compare(GE, TANH_SATURATE));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code alpha * tanh(beta * x)}. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void scaledTanhLoop(float[] s, int so, float[] d, int dof, int n, float alpha, float beta) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector bx = x.mul(beta);
            FloatVector tx2 = bx.mul(bx);
            FloatVector tp = tx2.fma(TA13, TA11).fma(tx2, FloatVector.broadcast(S, TA9)).fma(tx2, FloatVector.broadcast(S, TA7)).fma(tx2, FloatVector.broadcast(S, TA5))
                    .fma(tx2, FloatVector.broadcast(S, TA3)).fma(tx2, FloatVector.broadcast(S, TA1)).mul(bx);
            FloatVector tq = tx2.fma(TB6, TB4).fma(tx2, FloatVector.broadcast(S, TB2)).fma(tx2, FloatVector.broadcast(S, TB0));
            FloatVector ta = bx.abs();
            FloatVector t0 = tp.div(tq).blend(bx, ta.compare(LT, TANH_TINY))
                    .blend(bx.reinterpretAsInts().and(SIGN_BIT).or(ONE_BITS).reinterpretAsFloats(), ta.compare(GE, TANH_SATURATE));
            FloatVector r = t0.mul(alpha);
            r.intoArray(d, dof + i);
        }
    }

    /** {@code 1 / (1 + exp(-x))}. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void sigmoidLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector sm = x.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats();
            FloatVector sc = sm.blend(SIG_CLAMP, sm.compare(LT, SIG_CLAMP));
            FloatVector st = sc.fma(LOG2E, ROUND_MAGIC);
            FloatVector sn = st.sub(ROUND_MAGIC);
            FloatVector sr = sn.fma(FloatVector.broadcast(S, -LN2_HI), sc);
            sr = sn.fma(FloatVector.broadcast(S, -LN2_LO), sr);
            FloatVector se = sr.fma(EP0, EP1).fma(sr, FloatVector.broadcast(S, EP2)).fma(sr, FloatVector.broadcast(S, EP3)).fma(sr, FloatVector.broadcast(S, EP4)).fma(sr, FloatVector.broadcast(S, EP5))
                    .fma(sr.mul(sr), sr).add(1f)
                    .mul(st.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector r = FloatVector.broadcast(S, 1f).blend(se, x.compare(LT, 0f)).div(se.add(1f));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code x * sigmoid(x)}, 0 at -Inf. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void swishLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector sec = x.abs().neg().blend(EXP_HI, x.abs().neg().compare(GT, EXP_HI)).blend(EXP_LO, x.abs().neg().compare(LT, EXP_LO));
            FloatVector set = sec.fma(LOG2E, ROUND_MAGIC);
            FloatVector sen = set.sub(ROUND_MAGIC);
            FloatVector ser = sen.fma(FloatVector.broadcast(S, -LN2_HI), sec);
            ser = sen.fma(FloatVector.broadcast(S, -LN2_LO), ser);
            FloatVector seq = ser.fma(EP0, EP1).fma(ser, FloatVector.broadcast(S, EP2)).fma(ser, FloatVector.broadcast(S, EP3)).fma(ser, FloatVector.broadcast(S, EP4)).fma(ser, FloatVector.broadcast(S, EP5))
                    .fma(ser.mul(ser), ser);
            IntVector sei = set.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            IntVector seh = sei.lanewise(ASHR, 1);
            FloatVector se = seq.add(1f).mul(seh.add(127).lanewise(LSHL, 23).reinterpretAsFloats())
                    .mul(sei.sub(seh).add(127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector sg = FloatVector.broadcast(S, 1f).blend(se, x.compare(LT, 0f)).div(se.add(1f));
            FloatVector r = x.mul(sg).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code exp(x)}. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void exponentialLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector ec = x.blend(EXP_HI, x.compare(GT, EXP_HI)).blend(EXP_LO, x.compare(LT, EXP_LO));
            FloatVector et = ec.fma(LOG2E, ROUND_MAGIC);
            FloatVector en = et.sub(ROUND_MAGIC);
            FloatVector er = en.fma(FloatVector.broadcast(S, -LN2_HI), ec);
            er = en.fma(FloatVector.broadcast(S, -LN2_LO), er);
            FloatVector eq = er.fma(EP0, EP1).fma(er, FloatVector.broadcast(S, EP2)).fma(er, FloatVector.broadcast(S, EP3)).fma(er, FloatVector.broadcast(S, EP4)).fma(er, FloatVector.broadcast(S, EP5))
                    .fma(er.mul(er), er);
            IntVector ei = et.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            IntVector eh = ei.lanewise(ASHR, 1);
            FloatVector r = eq.add(1f).mul(eh.add(127).lanewise(LSHL, 23).reinterpretAsFloats())
                    .mul(ei.sub(eh).add(127).lanewise(LSHL, 23).reinterpretAsFloats());
            r.intoArray(d, dof + i);
        }
    }

    /** {@code scale * (x > 0 ? x : alpha * expm1(x))}: ELU with scale 1, SELU with its constants. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void eluLoop(float[] s, int so, float[] d, int dof, int n, float alpha, float scale) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector mc = x.blend(EXPM1_HI, x.compare(GT, EXPM1_HI)).blend(EXPM1_LO, x.compare(LT, EXPM1_LO));
            FloatVector mt = mc.fma(LOG2E, ROUND_MAGIC);
            FloatVector mn = mt.sub(ROUND_MAGIC);
            FloatVector mr = mn.fma(FloatVector.broadcast(S, -LN2_HI), mc);
            mr = mn.fma(FloatVector.broadcast(S, -LN2_LO), mr);
            FloatVector mq = mr.fma(EP0, EP1).fma(mr, FloatVector.broadcast(S, EP2)).fma(mr, FloatVector.broadcast(S, EP3)).fma(mr, FloatVector.broadcast(S, EP4)).fma(mr, FloatVector.broadcast(S, EP5))
                    .fma(mr.mul(mr), mr);
            IntVector mi = mt.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            FloatVector ms = mi.add(127).lanewise(LSHL, 23).reinterpretAsFloats();
            FloatVector em = ms.fma(mq, ms.sub(1f));
            FloatVector r = x.blend(em.mul(alpha), x.compare(LE, 0f)).mul(scale);
            r.intoArray(d, dof + i);
        }
    }

    /** {@code max(x, 0) + log1p(exp(-|x|))}: no overflow, no cancellation. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void softplusLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector ec = x.abs().neg().blend(EXP_HI, x.abs().neg().compare(GT, EXP_HI)).blend(EXP_LO, x.abs().neg().compare(LT, EXP_LO));
            FloatVector et = ec.fma(LOG2E, ROUND_MAGIC);
            FloatVector en = et.sub(ROUND_MAGIC);
            FloatVector er = en.fma(FloatVector.broadcast(S, -LN2_HI), ec);
            er = en.fma(FloatVector.broadcast(S, -LN2_LO), er);
            FloatVector eq = er.fma(EP0, EP1).fma(er, FloatVector.broadcast(S, EP2)).fma(er, FloatVector.broadcast(S, EP3)).fma(er, FloatVector.broadcast(S, EP4)).fma(er, FloatVector.broadcast(S, EP5))
                    .fma(er.mul(er), er);
            IntVector ei = et.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            IntVector eh = ei.lanewise(ASHR, 1);
            FloatVector ex = eq.add(1f).mul(eh.add(127).lanewise(LSHL, 23).reinterpretAsFloats())
                    .mul(ei.sub(eh).add(127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector lgu = ex.add(1f);
            VectorMask<Float> lgbig = lgu.compare(GT, SQRT2);
            FloatVector lgf = lgu.blend(lgu.mul(0.5f), lgbig).sub(1f);
            FloatVector lge = FloatVector.broadcast(S, 0f).blend(1f, lgbig);
            FloatVector lgz = lgf.mul(lgf);
            FloatVector lgp = lgf.fma(LP0, LP1).fma(lgf, FloatVector.broadcast(S, LP2)).fma(lgf, FloatVector.broadcast(S, LP3)).fma(lgf, FloatVector.broadcast(S, LP4)).fma(lgf, FloatVector.broadcast(S, LP5))
                    .fma(lgf, FloatVector.broadcast(S, LP6)).fma(lgf, FloatVector.broadcast(S, LP7)).fma(lgf, FloatVector.broadcast(S, LP8)).mul(lgf).mul(lgz);
            lgp = lgp.add(lge.mul(LN2_LO)).add(lgz.mul(-0.5f));
            FloatVector lp = lgf.add(lgp).add(lge.mul(LN2_HI)).add(ex.sub(lgu.sub(1f)).div(lgu));
            FloatVector r = x.blend(0f, x.compare(LT, 0f)).add(lp);
            r.intoArray(d, dof + i);
        }
    }

    /** {@code x * Phi(x)}, Phi from erfc of {@code |x|/sqrt(2)}: no cancellation in either tail. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void geluLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector za = x.abs().mul(INV_SQRT2);
            FloatVector z = za.blend(ERFC_ZMAX, za.compare(GT, ERFC_ZMAX));
            FloatVector ct = FloatVector.broadcast(S, 1f).div(z.fma(0.5f, 1f));
            FloatVector cp = ct.fma(ERFC9, ERFC8).fma(ct, FloatVector.broadcast(S, ERFC7)).fma(ct, FloatVector.broadcast(S, ERFC6)).fma(ct, FloatVector.broadcast(S, ERFC5))
                    .fma(ct, FloatVector.broadcast(S, ERFC4)).fma(ct, FloatVector.broadcast(S, ERFC3)).fma(ct, FloatVector.broadcast(S, ERFC2)).fma(ct, FloatVector.broadcast(S, ERFC1)).fma(ct, FloatVector.broadcast(S, ERFC0));
            FloatVector chi = z.mul(z);
            FloatVector clo = z.fma(z, chi.neg());
            FloatVector cac = chi.neg().blend(EXP_HI, chi.neg().compare(GT, EXP_HI)).blend(EXP_LO, chi.neg().compare(LT, EXP_LO));
            FloatVector cat = cac.fma(LOG2E, ROUND_MAGIC);
            FloatVector can = cat.sub(ROUND_MAGIC);
            FloatVector car = can.fma(FloatVector.broadcast(S, -LN2_HI), cac);
            car = can.fma(FloatVector.broadcast(S, -LN2_LO), car);
            FloatVector caq = car.fma(EP0, EP1).fma(car, FloatVector.broadcast(S, EP2)).fma(car, FloatVector.broadcast(S, EP3)).fma(car, FloatVector.broadcast(S, EP4)).fma(car, FloatVector.broadcast(S, EP5))
                    .fma(car.mul(car), car);
            IntVector cai = cat.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            IntVector cah = cai.lanewise(ASHR, 1);
            FloatVector ce1 = caq.add(1f).mul(cah.add(127).lanewise(LSHL, 23).reinterpretAsFloats())
                    .mul(cai.sub(cah).add(127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector cbc = cp.sub(clo).blend(EXP_HI, cp.sub(clo).compare(GT, EXP_HI)).blend(EXP_LO, cp.sub(clo).compare(LT, EXP_LO));
            FloatVector cbt = cbc.fma(LOG2E, ROUND_MAGIC);
            FloatVector cbn = cbt.sub(ROUND_MAGIC);
            FloatVector cbr = cbn.fma(FloatVector.broadcast(S, -LN2_HI), cbc);
            cbr = cbn.fma(FloatVector.broadcast(S, -LN2_LO), cbr);
            FloatVector cbq = cbr.fma(EP0, EP1).fma(cbr, FloatVector.broadcast(S, EP2)).fma(cbr, FloatVector.broadcast(S, EP3)).fma(cbr, FloatVector.broadcast(S, EP4)).fma(cbr, FloatVector.broadcast(S, EP5))
                    .fma(cbr.mul(cbr), cbr);
            IntVector cbi = cbt.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            IntVector cbh = cbi.lanewise(ASHR, 1);
            FloatVector ce2 = cbq.add(1f).mul(cbh.add(127).lanewise(LSHL, 23).reinterpretAsFloats())
                    .mul(cbi.sub(cbh).add(127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector ec = ct.mul(ce1).mul(ce2);
            FloatVector half = ec.mul(0.5f);
            FloatVector phi = half.neg().add(1f).blend(half, x.compare(LT, 0f));
            FloatVector r = x.mul(phi).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code x * tanh(softplus(x))} as {@code x * n/(n+2)}, {@code n = e(e+2)}, {@code e = exp(min(x, 20))}: no cancellation; 0 at -Inf. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void mishLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector mc = x.blend(20f, x.compare(GT, 20f));
            FloatVector ec = mc.blend(EXP_HI, mc.compare(GT, EXP_HI)).blend(EXP_LO, mc.compare(LT, EXP_LO));
            FloatVector et = ec.fma(LOG2E, ROUND_MAGIC);
            FloatVector en = et.sub(ROUND_MAGIC);
            FloatVector er = en.fma(FloatVector.broadcast(S, -LN2_HI), ec);
            er = en.fma(FloatVector.broadcast(S, -LN2_LO), er);
            FloatVector eq = er.fma(EP0, EP1).fma(er, FloatVector.broadcast(S, EP2)).fma(er, FloatVector.broadcast(S, EP3)).fma(er, FloatVector.broadcast(S, EP4)).fma(er, FloatVector.broadcast(S, EP5))
                    .fma(er.mul(er), er);
            IntVector ei = et.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            IntVector eh = ei.lanewise(ASHR, 1);
            FloatVector me = eq.add(1f).mul(eh.add(127).lanewise(LSHL, 23).reinterpretAsFloats())
                    .mul(ei.sub(eh).add(127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector mn = me.mul(me.add(2f));
            FloatVector r = x.mul(mn.div(mn.add(2f))).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))} as {@code x * sigmoid(x(C1 + C3 x^2))}: no cancellation; 0 at -Inf. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void geluTanhLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector gz = x.mul(x).fma(GELU_C3, GELU_C1).mul(x);
            FloatVector sec = gz.abs().neg().blend(EXP_HI, gz.abs().neg().compare(GT, EXP_HI)).blend(EXP_LO, gz.abs().neg().compare(LT, EXP_LO));
            FloatVector set = sec.fma(LOG2E, ROUND_MAGIC);
            FloatVector sen = set.sub(ROUND_MAGIC);
            FloatVector ser = sen.fma(FloatVector.broadcast(S, -LN2_HI), sec);
            ser = sen.fma(FloatVector.broadcast(S, -LN2_LO), ser);
            FloatVector seq = ser.fma(EP0, EP1).fma(ser, FloatVector.broadcast(S, EP2)).fma(ser, FloatVector.broadcast(S, EP3)).fma(ser, FloatVector.broadcast(S, EP4)).fma(ser, FloatVector.broadcast(S, EP5))
                    .fma(ser.mul(ser), ser);
            IntVector sei = set.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            IntVector seh = sei.lanewise(ASHR, 1);
            FloatVector se = seq.add(1f).mul(seh.add(127).lanewise(LSHL, 23).reinterpretAsFloats())
                    .mul(sei.sub(seh).add(127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector sg = FloatVector.broadcast(S, 1f).blend(se, gz.compare(LT, 0f)).div(se.add(1f));
            FloatVector r = x.mul(sg).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code -softplus(-x) = min(x, 0) - log1p(exp(-|x|))}. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void logSigmoidLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector ec = x.abs().neg().blend(EXP_HI, x.abs().neg().compare(GT, EXP_HI)).blend(EXP_LO, x.abs().neg().compare(LT, EXP_LO));
            FloatVector et = ec.fma(LOG2E, ROUND_MAGIC);
            FloatVector en = et.sub(ROUND_MAGIC);
            FloatVector er = en.fma(FloatVector.broadcast(S, -LN2_HI), ec);
            er = en.fma(FloatVector.broadcast(S, -LN2_LO), er);
            FloatVector eq = er.fma(EP0, EP1).fma(er, FloatVector.broadcast(S, EP2)).fma(er, FloatVector.broadcast(S, EP3)).fma(er, FloatVector.broadcast(S, EP4)).fma(er, FloatVector.broadcast(S, EP5))
                    .fma(er.mul(er), er);
            IntVector ei = et.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            IntVector eh = ei.lanewise(ASHR, 1);
            FloatVector ex = eq.add(1f).mul(eh.add(127).lanewise(LSHL, 23).reinterpretAsFloats())
                    .mul(ei.sub(eh).add(127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector lgu = ex.add(1f);
            VectorMask<Float> lgbig = lgu.compare(GT, SQRT2);
            FloatVector lgf = lgu.blend(lgu.mul(0.5f), lgbig).sub(1f);
            FloatVector lge = FloatVector.broadcast(S, 0f).blend(1f, lgbig);
            FloatVector lgz = lgf.mul(lgf);
            FloatVector lgp = lgf.fma(LP0, LP1).fma(lgf, FloatVector.broadcast(S, LP2)).fma(lgf, FloatVector.broadcast(S, LP3)).fma(lgf, FloatVector.broadcast(S, LP4)).fma(lgf, FloatVector.broadcast(S, LP5))
                    .fma(lgf, FloatVector.broadcast(S, LP6)).fma(lgf, FloatVector.broadcast(S, LP7)).fma(lgf, FloatVector.broadcast(S, LP8)).mul(lgf).mul(lgz);
            lgp = lgp.add(lge.mul(LN2_LO)).add(lgz.mul(-0.5f));
            FloatVector lp = lgf.add(lgp).add(lge.mul(LN2_HI)).add(ex.sub(lgu.sub(1f)).div(lgu));
            FloatVector r = x.blend(0f, x.compare(GT, 0f)).sub(lp);
            r.intoArray(d, dof + i);
        }
    }

    /** {@code x * clip(alpha*x + beta, 0, 1)}; 0 at -Inf. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void hardSiluLoop(float[] s, int so, float[] d, int dof, int n, float alpha, float beta) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector v = x.fma(alpha, beta);
            v = v.blend(0f, v.compare(LT, 0f)).blend(1f, v.compare(GT, 1f));
            FloatVector r = x.mul(v).blend(0f, x.compare(EQ, Float.NEGATIVE_INFINITY));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code x - t} above {@code t}, {@code x + t} below {@code -t}, else 0; NaN stays NaN. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void softShrinkLoop(float[] s, int so, float[] d, int dof, int n, float t) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector r = x.blend(x.sub(t), x.compare(GT, t)).blend(x.add(t), x.compare(LT, -t)).blend(0f, x.abs().compare(LE, t));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code |x| > t ? x : 0}; NaN stays NaN. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void hardShrinkLoop(float[] s, int so, float[] d, int dof, int n, float t) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector r = x.blend(0f, x.abs().compare(LE, t));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code x / (1 + |x|)}, +-1 at +-Inf. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void softsignLoop(float[] s, int so, float[] d, int dof, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector ax = x.abs();
            FloatVector r = x.div(ax.add(1f)).blend(x.reinterpretAsInts().and(SIGN_BIT).or(ONE_BITS).reinterpretAsFloats(), ax.compare(EQ, Float.POSITIVE_INFINITY));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code min(max(alpha*x + beta, lo), hi)} (hard sigmoid with [0, 1]); NaN stays NaN. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void affineLoop(float[] s, int so, float[] d, int dof, int n, float alpha, float beta, float lo, float hi) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector v = x.fma(alpha, beta);
            FloatVector r = v.blend(lo, v.compare(LT, lo)).blend(hi, v.compare(GT, hi));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code x < 0 ? slope*x : x} (relu when {@code slope == 0}). Whole vectors: {@code n} is a multiple of the lane count. */
    private static void leakyReluLoop(float[] s, int so, float[] d, int dof, int n, float slope) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector r = x.blend(x.mul(slope), x.compare(LT, 0f));
            r.intoArray(d, dof + i);
        }
    }

    /** {@code x > alpha ? x : 0}; NaN stays NaN. Whole vectors: {@code n} is a multiple of the lane count. */
    private static void thresholdedReluLoop(float[] s, int so, float[] d, int dof, int n, float alpha) {
        for (int i = 0; i < n; i += L) {
            FloatVector x = FloatVector.fromArray(S, s, so + i);
            FloatVector r = x.blend(0f, x.compare(LE, alpha));
            r.intoArray(d, dof + i);
        }
    }

    /**
     * The LSTM update (canonical gates [i | f | g | o]) as three passes over a row, each with its
     * activations inline and all data in L1: {@code i*g} into the g block, then {@code c'} in
     * place, then {@code h}. Peepholes are zeros when the cell has none; a cell clip of +Inf
     * changes nothing.
     */
    private static void lstmFused(LstmGates g, int batch, float[] gates, int gOff, float[] c, int cOff, float[] h, int hOff) {
        final int u = g.units;
        for (int b = 0; b < batch; b++) {
            final int gi = gOff + b * 4 * u;
            final int co = cOff + b * u;
            lstmInputPass(u, gates, gi, g.peepholes, c, co);
            lstmCellPass(u, gates, gi, g.peepholes, g.forgetBias, g.cellClip, c, co);
            lstmOutputPass(u, gates, gi + 3 * u, g.peepholes, c, co, h, hOff + b * u);
        }
    }

    /** {@code sigmoid(zi + pi*c) * tanh(zg)} into the g block. */
    private static void lstmInputPass(int u, float[] gates, int gi, float[] p, float[] c, int co) {
        int j = 0;
        for (int upper = S.loopBound(u); j < upper; j += L) {
            FloatVector zi = FloatVector.fromArray(S, p, 0 + j).fma(FloatVector.fromArray(S, c, co + j), FloatVector.fromArray(S, gates, gi + j));
            FloatVector zg = FloatVector.fromArray(S, gates, gi + 2 * u + j);
            FloatVector sim = zi.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats();
            FloatVector sic = sim.blend(SIG_CLAMP, sim.compare(LT, SIG_CLAMP));
            FloatVector sit = sic.fma(LOG2E, ROUND_MAGIC);
            FloatVector sin = sit.sub(ROUND_MAGIC);
            FloatVector sir = sin.fma(FloatVector.broadcast(S, -LN2_HI), sic);
            sir = sin.fma(FloatVector.broadcast(S, -LN2_LO), sir);
            FloatVector sie = sir.fma(EP0, EP1).fma(sir, FloatVector.broadcast(S, EP2)).fma(sir, FloatVector.broadcast(S, EP3)).fma(sir, FloatVector.broadcast(S, EP4)).fma(sir, FloatVector.broadcast(S, EP5))
                    .fma(sir.mul(sir), sir).add(1f)
                    .mul(sit.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector ig = FloatVector.broadcast(S, 1f).blend(sie, zi.compare(LT, 0f)).div(sie.add(1f));
            FloatVector tgx2 = zg.mul(zg);
            FloatVector tgp = tgx2.fma(TA13, TA11).fma(tgx2, FloatVector.broadcast(S, TA9)).fma(tgx2, FloatVector.broadcast(S, TA7)).fma(tgx2, FloatVector.broadcast(S, TA5))
                    .fma(tgx2, FloatVector.broadcast(S, TA3)).fma(tgx2, FloatVector.broadcast(S, TA1)).mul(zg);
            FloatVector tgq = tgx2.fma(TB6, TB4).fma(tgx2, FloatVector.broadcast(S, TB2)).fma(tgx2, FloatVector.broadcast(S, TB0));
            FloatVector tga = zg.abs();
            FloatVector gg = tgp.div(tgq).blend(zg, tga.compare(LT, TANH_TINY))
                    .blend(zg.reinterpretAsInts().and(SIGN_BIT).or(ONE_BITS).reinterpretAsFloats(), tga.compare(GE, TANH_SATURATE));
            FloatVector v = ig.mul(gg);
            v.intoArray(gates, gi + 2 * u + j);
        }
        for (; j < u; j++) {
            gates[gi + 2 * u + j] = ScalarApprox.sigmoid(Math.fma(p[j], c[co + j], gates[gi + j])) * ScalarApprox.tanh(gates[gi + 2 * u + j]);
        }
    }

    /** {@code c' = clip(sigmoid(zf + fb + pf*c) * c + i*g)}, in place. */
    private static void lstmCellPass(int u, float[] gates, int gi, float[] p, float fb, float clip, float[] c, int co) {
        int j = 0;
        for (int upper = S.loopBound(u); j < upper; j += L) {
            FloatVector cp = FloatVector.fromArray(S, c, co + j);
            FloatVector zf = FloatVector.fromArray(S, p, u + j).fma(cp, FloatVector.fromArray(S, gates, gi + u + j)).add(fb);
            FloatVector sfm = zf.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats();
            FloatVector sfc = sfm.blend(SIG_CLAMP, sfm.compare(LT, SIG_CLAMP));
            FloatVector sft = sfc.fma(LOG2E, ROUND_MAGIC);
            FloatVector sfn = sft.sub(ROUND_MAGIC);
            FloatVector sfr = sfn.fma(FloatVector.broadcast(S, -LN2_HI), sfc);
            sfr = sfn.fma(FloatVector.broadcast(S, -LN2_LO), sfr);
            FloatVector sfe = sfr.fma(EP0, EP1).fma(sfr, FloatVector.broadcast(S, EP2)).fma(sfr, FloatVector.broadcast(S, EP3)).fma(sfr, FloatVector.broadcast(S, EP4)).fma(sfr, FloatVector.broadcast(S, EP5))
                    .fma(sfr.mul(sfr), sfr).add(1f)
                    .mul(sft.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector fg = FloatVector.broadcast(S, 1f).blend(sfe, zf.compare(LT, 0f)).div(sfe.add(1f));
            FloatVector cn = fg.fma(cp, FloatVector.fromArray(S, gates, gi + 2 * u + j));
            cn = cn.blend(clip, cn.compare(GT, clip)).blend(-clip, cn.compare(LT, -clip));
            cn.intoArray(c, co + j);
        }
        for (; j < u; j++) {
            float cp = c[co + j];
            float cn = Math.fma(ScalarApprox.sigmoid(Math.fma(p[u + j], cp, gates[gi + u + j]) + fb), cp, gates[gi + 2 * u + j]);
            c[co + j] = cn > clip ? clip : cn < -clip ? -clip : cn;
        }
    }

    /** {@code h = sigmoid(zo + po*c') * tanh(c')}. */
    private static void lstmOutputPass(int u, float[] gates, int go, float[] p, float[] c, int co, float[] h, int ho) {
        int j = 0;
        for (int upper = S.loopBound(u); j < upper; j += L) {
            FloatVector cn = FloatVector.fromArray(S, c, co + j);
            FloatVector zo = FloatVector.fromArray(S, p, 2 * u + j).fma(cn, FloatVector.fromArray(S, gates, go + j));
            FloatVector som = zo.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats();
            FloatVector soc = som.blend(SIG_CLAMP, som.compare(LT, SIG_CLAMP));
            FloatVector sot = soc.fma(LOG2E, ROUND_MAGIC);
            FloatVector son = sot.sub(ROUND_MAGIC);
            FloatVector sor = son.fma(FloatVector.broadcast(S, -LN2_HI), soc);
            sor = son.fma(FloatVector.broadcast(S, -LN2_LO), sor);
            FloatVector soe = sor.fma(EP0, EP1).fma(sor, FloatVector.broadcast(S, EP2)).fma(sor, FloatVector.broadcast(S, EP3)).fma(sor, FloatVector.broadcast(S, EP4)).fma(sor, FloatVector.broadcast(S, EP5))
                    .fma(sor.mul(sor), sor).add(1f)
                    .mul(sot.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector og = FloatVector.broadcast(S, 1f).blend(soe, zo.compare(LT, 0f)).div(soe.add(1f));
            FloatVector tcx2 = cn.mul(cn);
            FloatVector tcp = tcx2.fma(TA13, TA11).fma(tcx2, FloatVector.broadcast(S, TA9)).fma(tcx2, FloatVector.broadcast(S, TA7)).fma(tcx2, FloatVector.broadcast(S, TA5))
                    .fma(tcx2, FloatVector.broadcast(S, TA3)).fma(tcx2, FloatVector.broadcast(S, TA1)).mul(cn);
            FloatVector tcq = tcx2.fma(TB6, TB4).fma(tcx2, FloatVector.broadcast(S, TB2)).fma(tcx2, FloatVector.broadcast(S, TB0));
            FloatVector tca = cn.abs();
            FloatVector tc = tcp.div(tcq).blend(cn, tca.compare(LT, TANH_TINY))
                    .blend(cn.reinterpretAsInts().and(SIGN_BIT).or(ONE_BITS).reinterpretAsFloats(), tca.compare(GE, TANH_SATURATE));
            FloatVector hn = og.mul(tc);
            hn.intoArray(h, ho + j);
        }
        for (; j < u; j++) {
            float cn = c[co + j];
            h[ho + j] = ScalarApprox.sigmoid(Math.fma(p[2 * u + j], cn, gates[go + j])) * ScalarApprox.tanh(cn);
        }
    }

    /**
     * Reset-after GRU as three passes over a row (at most one sigmoid and one tanh each): {@code z}
     * into {@code gx}'s z block, the candidate pre-activation {@code xn + r*hn} into its n block,
     * then {@code h' = n + z*(h - n)} with {@code n = tanh(...)}. {@code gx} is scratch.
     */
    private static void gruResetAfterFused(GruGates g, int batch, float[] gx, int gxOff, float[] gh, int ghOff,
                                           float[] hPrev, int hPrevOff, float[] hOut, int hOutOff) {
        final int u = g.units;
        for (int b = 0; b < batch; b++) {
            final int xo = gxOff + b * 3 * u;
            final int ho = ghOff + b * 3 * u;
            sigmoidSumPass(u, gx, xo, gh, ho);
            gruResetPass(u, gx, xo, gh, ho);
            gruTanhBlendPass(u, gx, xo, hPrev, hPrevOff + b * u, hOut, hOutOff + b * u);
        }
    }

    /** {@code gx[xo+j] = sigmoid(gx[xo+j] + gh[ho+j])}. */
    private static void sigmoidSumPass(int u, float[] gx, int xo, float[] gh, int ho) {
        int j = 0;
        for (int upper = S.loopBound(u); j < upper; j += L) {
            FloatVector zz = FloatVector.fromArray(S, gx, xo + j).add(FloatVector.fromArray(S, gh, ho + j));
            FloatVector szm = zz.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats();
            FloatVector szc = szm.blend(SIG_CLAMP, szm.compare(LT, SIG_CLAMP));
            FloatVector szt = szc.fma(LOG2E, ROUND_MAGIC);
            FloatVector szn = szt.sub(ROUND_MAGIC);
            FloatVector szr = szn.fma(FloatVector.broadcast(S, -LN2_HI), szc);
            szr = szn.fma(FloatVector.broadcast(S, -LN2_LO), szr);
            FloatVector sze = szr.fma(EP0, EP1).fma(szr, FloatVector.broadcast(S, EP2)).fma(szr, FloatVector.broadcast(S, EP3)).fma(szr, FloatVector.broadcast(S, EP4)).fma(szr, FloatVector.broadcast(S, EP5))
                    .fma(szr.mul(szr), szr).add(1f)
                    .mul(szt.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector z = FloatVector.broadcast(S, 1f).blend(sze, zz.compare(LT, 0f)).div(sze.add(1f));
            z.intoArray(gx, xo + j);
        }
        for (; j < u; j++) {
            gx[xo + j] = ScalarApprox.sigmoid(gx[xo + j] + gh[ho + j]);
        }
    }

    /** {@code xn + sigmoid(xr + hr) * hn} into the n block of {@code gx}. */
    private static void gruResetPass(int u, float[] gx, int xo, float[] gh, int ho) {
        int j = 0;
        for (int upper = S.loopBound(u); j < upper; j += L) {
            FloatVector zr = FloatVector.fromArray(S, gx, xo + u + j).add(FloatVector.fromArray(S, gh, ho + u + j));
            FloatVector srm = zr.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats();
            FloatVector src = srm.blend(SIG_CLAMP, srm.compare(LT, SIG_CLAMP));
            FloatVector srt = src.fma(LOG2E, ROUND_MAGIC);
            FloatVector srn = srt.sub(ROUND_MAGIC);
            FloatVector srr = srn.fma(FloatVector.broadcast(S, -LN2_HI), src);
            srr = srn.fma(FloatVector.broadcast(S, -LN2_LO), srr);
            FloatVector sre = srr.fma(EP0, EP1).fma(srr, FloatVector.broadcast(S, EP2)).fma(srr, FloatVector.broadcast(S, EP3)).fma(srr, FloatVector.broadcast(S, EP4)).fma(srr, FloatVector.broadcast(S, EP5))
                    .fma(srr.mul(srr), srr).add(1f)
                    .mul(srt.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(LSHL, 23).reinterpretAsFloats());
            FloatVector r = FloatVector.broadcast(S, 1f).blend(sre, zr.compare(LT, 0f)).div(sre.add(1f));
            FloatVector zn = r.fma(FloatVector.fromArray(S, gh, ho + 2 * u + j), FloatVector.fromArray(S, gx, xo + 2 * u + j));
            zn.intoArray(gx, xo + 2 * u + j);
        }
        for (; j < u; j++) {
            float r = ScalarApprox.sigmoid(gx[xo + u + j] + gh[ho + u + j]);
            gx[xo + 2 * u + j] = Math.fma(r, gh[ho + 2 * u + j], gx[xo + 2 * u + j]);
        }
    }

    /** {@code h' = n + z*(h - n)}, {@code z} activated at {@code go}, {@code n = tanh(gates[go+2u..])}. */
    private static void gruTanhBlendPass(int u, float[] gates, int go, float[] hPrev, int po, float[] hOut, int oo) {
        int j = 0;
        for (int upper = S.loopBound(u); j < upper; j += L) {
            FloatVector zn = FloatVector.fromArray(S, gates, go + 2 * u + j);
            FloatVector tnx2 = zn.mul(zn);
            FloatVector tnp = tnx2.fma(TA13, TA11).fma(tnx2, FloatVector.broadcast(S, TA9)).fma(tnx2, FloatVector.broadcast(S, TA7)).fma(tnx2, FloatVector.broadcast(S, TA5))
                    .fma(tnx2, FloatVector.broadcast(S, TA3)).fma(tnx2, FloatVector.broadcast(S, TA1)).mul(zn);
            FloatVector tnq = tnx2.fma(TB6, TB4).fma(tnx2, FloatVector.broadcast(S, TB2)).fma(tnx2, FloatVector.broadcast(S, TB0));
            FloatVector tna = zn.abs();
            FloatVector nn = tnp.div(tnq).blend(zn, tna.compare(LT, TANH_TINY))
                    .blend(zn.reinterpretAsInts().and(SIGN_BIT).or(ONE_BITS).reinterpretAsFloats(), tna.compare(GE, TANH_SATURATE));
            FloatVector hp = FloatVector.fromArray(S, hPrev, po + j);
            FloatVector hn = FloatVector.fromArray(S, gates, go + j).fma(hp.sub(nn), nn);
            hn.intoArray(hOut, oo + j);
        }
        for (; j < u; j++) {
            float nn = ScalarApprox.tanh(gates[go + 2 * u + j]);
            hOut[oo + j] = Math.fma(gates[go + j], hPrev[po + j] - nn, nn);
        }
    }

    /** Reset-before GRU, first half: {@code rh = sigmoid(zr) * h}. */
    private static void gruResetHiddenFused(int u, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff, float[] rh, int rhOff) {
        for (int b = 0; b < batch; b++) {
            final int ro = gOff + b * 3 * u + u;
            final int po = hPrevOff + b * u;
            final int oo = rhOff + b * u;
            int j = 0;
        for (int upper = S.loopBound(u); j < upper; j += L) {
                FloatVector zr = FloatVector.fromArray(S, gates, ro + j);
                FloatVector srm = zr.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats();
                FloatVector src = srm.blend(SIG_CLAMP, srm.compare(LT, SIG_CLAMP));
                FloatVector srt = src.fma(LOG2E, ROUND_MAGIC);
                FloatVector srn = srt.sub(ROUND_MAGIC);
                FloatVector srr = srn.fma(FloatVector.broadcast(S, -LN2_HI), src);
                srr = srn.fma(FloatVector.broadcast(S, -LN2_LO), srr);
                FloatVector sre = srr.fma(EP0, EP1).fma(srr, FloatVector.broadcast(S, EP2)).fma(srr, FloatVector.broadcast(S, EP3)).fma(srr, FloatVector.broadcast(S, EP4)).fma(srr, FloatVector.broadcast(S, EP5))
                        .fma(srr.mul(srr), srr).add(1f)
                        .mul(srt.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(LSHL, 23).reinterpretAsFloats());
                FloatVector r = FloatVector.broadcast(S, 1f).blend(sre, zr.compare(LT, 0f)).div(sre.add(1f));
                FloatVector v = r.mul(FloatVector.fromArray(S, hPrev, po + j));
                v.intoArray(rh, oo + j);
            }
            for (; j < u; j++) {
                rh[oo + j] = ScalarApprox.sigmoid(gates[ro + j]) * hPrev[po + j];
            }
        }
    }

    /** Reset-before GRU, second half: {@code h' = n + z*(h - n)} with {@code z = sigmoid(zz)}, {@code n = tanh(zn)}. */
    private static void gruResetBeforeFused(int u, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff, float[] hOut, int hOutOff) {
        for (int b = 0; b < batch; b++) {
            final int go = gOff + b * 3 * u;
            final int po = hPrevOff + b * u;
            final int oo = hOutOff + b * u;
            int j = 0;
        for (int upper = S.loopBound(u); j < upper; j += L) {
                FloatVector zz = FloatVector.fromArray(S, gates, go + j);
                FloatVector zn = FloatVector.fromArray(S, gates, go + 2 * u + j);
                FloatVector szm = zz.reinterpretAsInts().or(SIGN_BIT).reinterpretAsFloats();
                FloatVector szc = szm.blend(SIG_CLAMP, szm.compare(LT, SIG_CLAMP));
                FloatVector szt = szc.fma(LOG2E, ROUND_MAGIC);
                FloatVector szn = szt.sub(ROUND_MAGIC);
                FloatVector szr = szn.fma(FloatVector.broadcast(S, -LN2_HI), szc);
                szr = szn.fma(FloatVector.broadcast(S, -LN2_LO), szr);
                FloatVector sze = szr.fma(EP0, EP1).fma(szr, FloatVector.broadcast(S, EP2)).fma(szr, FloatVector.broadcast(S, EP3)).fma(szr, FloatVector.broadcast(S, EP4)).fma(szr, FloatVector.broadcast(S, EP5))
                        .fma(szr.mul(szr), szr).add(1f)
                        .mul(szt.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(LSHL, 23).reinterpretAsFloats());
                FloatVector z = FloatVector.broadcast(S, 1f).blend(sze, zz.compare(LT, 0f)).div(sze.add(1f));
                FloatVector tnx2 = zn.mul(zn);
                FloatVector tnp = tnx2.fma(TA13, TA11).fma(tnx2, FloatVector.broadcast(S, TA9)).fma(tnx2, FloatVector.broadcast(S, TA7)).fma(tnx2, FloatVector.broadcast(S, TA5))
                        .fma(tnx2, FloatVector.broadcast(S, TA3)).fma(tnx2, FloatVector.broadcast(S, TA1)).mul(zn);
                FloatVector tnq = tnx2.fma(TB6, TB4).fma(tnx2, FloatVector.broadcast(S, TB2)).fma(tnx2, FloatVector.broadcast(S, TB0));
                FloatVector tna = zn.abs();
                FloatVector nn = tnp.div(tnq).blend(zn, tna.compare(LT, TANH_TINY))
                        .blend(zn.reinterpretAsInts().and(SIGN_BIT).or(ONE_BITS).reinterpretAsFloats(), tna.compare(GE, TANH_SATURATE));
                FloatVector hp = FloatVector.fromArray(S, hPrev, po + j);
                FloatVector hn = z.fma(hp.sub(nn), nn);
                hn.intoArray(hOut, oo + j);
            }
            for (; j < u; j++) {
                float nn = ScalarApprox.tanh(gates[go + 2 * u + j]);
                hOut[oo + j] = Math.fma(ScalarApprox.sigmoid(gates[go + j]), hPrev[po + j] - nn, nn);
            }
        }
    }

    /** {@code d[dOff+i] += a[aOff+i] * b[bOff+i]}. */
    private static void fmaInto(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), FloatVector.fromArray(S, d, dOff + i));
            v.intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = Math.fma(a[aOff + i], b[bOff + i], d[dOff + i]);
        }
    }

    /** {@code d[dOff+i] *= a[aOff+i]}. */
    private static void mulInto(float[] d, int dOff, float[] a, int aOff, int n) {
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(S, d, dOff + i).mul(FloatVector.fromArray(S, a, aOff + i));
            v.intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = d[dOff + i] * a[aOff + i];
        }
    }

    /** {@code d[dOff+i] += a[aOff+i]}. */
    private static void addInto(float[] d, int dOff, float[] a, int aOff, int n) {
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(S, d, dOff + i).add(FloatVector.fromArray(S, a, aOff + i));
            v.intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = d[dOff + i] + a[aOff + i];
        }
    }

    /** {@code d[off+i] += s}. */
    private static void addScalar(float[] d, int off, int n, float s) {
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(S, d, off + i).add(s);
            v.intoArray(d, off + i);
        }
        for (; i < n; i++) {
            d[off + i] = d[off + i] + s;
        }
    }

    /** {@code d[dOff+i] = 1 - a[aOff+i]}. */
    private static void oneMinus(float[] a, int aOff, float[] d, int dOff, int n) {
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, aOff + i).neg().add(1f);
            v.intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = -a[aOff + i] + 1f;
        }
    }

    /** {@code c = clip(f*c + i*g)} from activated gates at {@code gi} (i), {@code gi+u} (f), {@code gi+2u} (g). */
    private static void lstmCombine(float[] gates, int gi, float[] c, int co, int n, float clip) {
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(S, gates, gi + n + i).fma(FloatVector.fromArray(S, c, co + i), FloatVector.fromArray(S, gates, gi + i).mul(FloatVector.fromArray(S, gates, gi + 2 * n + i)));
            v = v.blend(clip, v.compare(GT, clip)).blend(-clip, v.compare(LT, -clip));
            v.intoArray(c, co + i);
        }
        for (; i < n; i++) {
            float v = Math.fma(gates[gi + n + i], c[co + i], gates[gi + i] * gates[gi + 2 * n + i]);
            c[co + i] = v > clip ? clip : v < -clip ? -clip : v;
        }
    }

    /** {@code hOut = n + z*(h - n)} from activated {@code z} at {@code zo} and {@code n} at {@code no}. */
    private static void gruBlend(float[] gates, int zo, int no, float[] hPrev, int po, float[] hOut, int oo, int n) {
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector nn = FloatVector.fromArray(S, gates, no + i);
            FloatVector v = FloatVector.fromArray(S, gates, zo + i).fma(FloatVector.fromArray(S, hPrev, po + i).sub(nn), nn);
            v.intoArray(hOut, oo + i);
        }
        for (; i < n; i++) {
            float nn = gates[no + i];
            hOut[oo + i] = Math.fma(gates[zo + i], hPrev[po + i] - nn, nn);
        }
    }

    /** {@code a[off+i] = min(max(a[off+i], lo), hi)}; NaN stays NaN. */
    private static void clampLoop(float[] a, int off, int n, float lo, float hi) {
        int i = 0;
        for (int upper = S.loopBound(n); i < upper; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, off + i);
            v = v.blend(lo, v.compare(LT, lo)).blend(hi, v.compare(GT, hi));
            v.intoArray(a, off + i);
        }
        for (; i < n; i++) {
            float v = a[off + i];
            v = v < lo ? lo : v;
            a[off + i] = v > hi ? hi : v;
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
