package io.github.panamarnn.kernels;

import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix products of {@link PanamaKernels} for bfloat16 and int8 weights ({@link Precision}), the same
 * three shapes as the float32 ones (a panel at batch 1, a panel of one vector for narrow matrices, a block of
 * six rows by half a panel for batches) with the weights widened in registers: one vector of ints is loaded
 * and split into two vectors of float32 weights (bfloat16: {@code << 16} and {@code & 0xFFFF0000}, exact), or
 * a quarter-width vector of bytes is loaded and widened into one (int8: sign extension and conversion, exact).
 * Accumulation is float32 as in the float32 kernels; int8 sums {@code x * q} and applies the column scale
 * once, with the bias, at the end. Same rules as {@link PanamaKernels}: no vector crosses a method boundary,
 * the right-aligned last panel is written first by the callers.
 */
final class QuantizedProducts {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final VectorSpecies<Integer> I = PanamaSpecies.INT;
    /** Bytes for one vector of floats: a quarter of its width, at least 64 bits (at 128 bits only the first half is widened). */
    private static final VectorSpecies<Byte> B = PanamaSpecies.BYTE;
    private static final int L = PanamaSpecies.LANES;
    private static final int P = PanamaSpecies.PANEL;
    private static final int HI = 0xFFFF0000;

    private QuantizedProducts() {
    }

    // ---------------------------------------------------------------------------------------------
    // bfloat16: two rows per int, the even row in the low half

    /**
     * One panel of {@code P} columns, one batch row: four fma chains (the column vectors), each over the rows in order,
     * as {@link #bf16Block6} sums a row, so a row's result is the same in any batch.
     */
    static void bf16Panel(int[] a, int base, int rows, float[] x, int xOff, float[] bias, int biasAt,
                          float[] y, int yo, boolean accumulate) {
        FloatVector s0 = FloatVector.fromArray(S, bias, biasAt);
        FloatVector s1 = FloatVector.fromArray(S, bias, biasAt + L);
        FloatVector s2 = FloatVector.fromArray(S, bias, biasAt + 2 * L);
        FloatVector s3 = FloatVector.fromArray(S, bias, biasAt + 3 * L);
        int k = 0;
        int o = base;
        for (; k + 2 <= rows; k += 2, o += P) {
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            final FloatVector x1 = FloatVector.broadcast(S, x[xOff + k + 1]);
            IntVector ws0 = IntVector.fromArray(I, a, o);
            s0 = ws0.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s0);
            s0 = ws0.and(HI).reinterpretAsFloats().fma(x1, s0);
            IntVector ws1 = IntVector.fromArray(I, a, o + L);
            s1 = ws1.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s1);
            s1 = ws1.and(HI).reinterpretAsFloats().fma(x1, s1);
            IntVector ws2 = IntVector.fromArray(I, a, o + 2 * L);
            s2 = ws2.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s2);
            s2 = ws2.and(HI).reinterpretAsFloats().fma(x1, s2);
            IntVector ws3 = IntVector.fromArray(I, a, o + 3 * L);
            s3 = ws3.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s3);
            s3 = ws3.and(HI).reinterpretAsFloats().fma(x1, s3);
        }
        if (k < rows) { // odd rows: the last int holds one row (never multiply its zero half by x[rows], which may be Inf)
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            s0 = IntVector.fromArray(I, a, o).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s0);
            s1 = IntVector.fromArray(I, a, o + L).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s1);
            s2 = IntVector.fromArray(I, a, o + 2 * L).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s2);
            s3 = IntVector.fromArray(I, a, o + 3 * L).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s3);
        }
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

    /** Two panels, one batch row: eight fma chains, each over the rows in order; the first panel is written first. */
    static void bf16PanelPair(int[] a, int base, int base2, int rows, float[] x, int xOff, float[] bias, int biasAt, int biasAt2,
                              float[] y, int yo, int yo2, boolean accumulate) {
        FloatVector s0 = FloatVector.fromArray(S, bias, biasAt);
        FloatVector s1 = FloatVector.fromArray(S, bias, biasAt + L);
        FloatVector s2 = FloatVector.fromArray(S, bias, biasAt + 2 * L);
        FloatVector s3 = FloatVector.fromArray(S, bias, biasAt + 3 * L);
        FloatVector t0 = FloatVector.fromArray(S, bias, biasAt2);
        FloatVector t1 = FloatVector.fromArray(S, bias, biasAt2 + L);
        FloatVector t2 = FloatVector.fromArray(S, bias, biasAt2 + 2 * L);
        FloatVector t3 = FloatVector.fromArray(S, bias, biasAt2 + 3 * L);
        int k = 0;
        int o = base;
        int o2 = base2;
        for (; k + 2 <= rows; k += 2, o += P, o2 += P) {
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            final FloatVector x1 = FloatVector.broadcast(S, x[xOff + k + 1]);
            IntVector ws0 = IntVector.fromArray(I, a, o);
            s0 = ws0.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s0);
            s0 = ws0.and(HI).reinterpretAsFloats().fma(x1, s0);
            IntVector ws1 = IntVector.fromArray(I, a, o + L);
            s1 = ws1.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s1);
            s1 = ws1.and(HI).reinterpretAsFloats().fma(x1, s1);
            IntVector ws2 = IntVector.fromArray(I, a, o + 2 * L);
            s2 = ws2.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s2);
            s2 = ws2.and(HI).reinterpretAsFloats().fma(x1, s2);
            IntVector ws3 = IntVector.fromArray(I, a, o + 3 * L);
            s3 = ws3.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s3);
            s3 = ws3.and(HI).reinterpretAsFloats().fma(x1, s3);
            IntVector wt0 = IntVector.fromArray(I, a, o2);
            t0 = wt0.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, t0);
            t0 = wt0.and(HI).reinterpretAsFloats().fma(x1, t0);
            IntVector wt1 = IntVector.fromArray(I, a, o2 + L);
            t1 = wt1.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, t1);
            t1 = wt1.and(HI).reinterpretAsFloats().fma(x1, t1);
            IntVector wt2 = IntVector.fromArray(I, a, o2 + 2 * L);
            t2 = wt2.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, t2);
            t2 = wt2.and(HI).reinterpretAsFloats().fma(x1, t2);
            IntVector wt3 = IntVector.fromArray(I, a, o2 + 3 * L);
            t3 = wt3.lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, t3);
            t3 = wt3.and(HI).reinterpretAsFloats().fma(x1, t3);
        }
        if (k < rows) { // odd rows: the last int holds one row (never multiply its zero half by x[rows], which may be Inf)
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            s0 = IntVector.fromArray(I, a, o).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s0);
            s1 = IntVector.fromArray(I, a, o + L).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s1);
            s2 = IntVector.fromArray(I, a, o + 2 * L).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s2);
            s3 = IntVector.fromArray(I, a, o + 3 * L).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, s3);
            t0 = IntVector.fromArray(I, a, o2).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, t0);
            t1 = IntVector.fromArray(I, a, o2 + L).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, t1);
            t2 = IntVector.fromArray(I, a, o2 + 2 * L).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, t2);
            t3 = IntVector.fromArray(I, a, o2 + 3 * L).lanewise(LSHL, 16).reinterpretAsFloats().fma(x0, t3);
        }
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
        if (accumulate) {
            t0 = t0.add(FloatVector.fromArray(S, y, yo2));
            t1 = t1.add(FloatVector.fromArray(S, y, yo2 + L));
            t2 = t2.add(FloatVector.fromArray(S, y, yo2 + 2 * L));
            t3 = t3.add(FloatVector.fromArray(S, y, yo2 + 3 * L));
        }
        t0.intoArray(y, yo2);
        t1.intoArray(y, yo2 + L);
        t2.intoArray(y, yo2 + 2 * L);
        t3.intoArray(y, yo2 + 3 * L);
    }

    /** A matrix narrower than one panel ({@code L <= cols < P}), packed in panels of one vector; one row of a batch. */
    static void bf16Narrow(PackedMatrix w, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        final int[] a = w.packed;
        final int rows = w.rows;
        for (int q = 0; q < w.panels; q++) {
            final int p = q == 0 ? w.panels - 1 : q - 1;
            final int yo = yOff + (p == w.panels - 1 ? w.lastStart : p * L);
            FloatVector s0 = FloatVector.fromArray(S, w.bias, p * L);
            FloatVector s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S);
            FloatVector s3 = FloatVector.zero(S);
            int k = 0;
            int o = p * w.depth * L;
            for (; k + 4 <= rows; k += 4, o += 2 * L) {
                final IntVector w0 = IntVector.fromArray(I, a, o);
                final IntVector w1 = IntVector.fromArray(I, a, o + L);
                s0 = w0.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.broadcast(S, x[xOff + k]), s0);
                s1 = w0.and(HI).reinterpretAsFloats().fma(FloatVector.broadcast(S, x[xOff + k + 1]), s1);
                s2 = w1.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.broadcast(S, x[xOff + k + 2]), s2);
                s3 = w1.and(HI).reinterpretAsFloats().fma(FloatVector.broadcast(S, x[xOff + k + 3]), s3);
            }
            for (; k < rows; k++) {
                final int shift = (k & 1) == 0 ? 16 : 0;
                s0 = IntVector.fromArray(I, a, o).lanewise(LSHL, shift).and(HI).reinterpretAsFloats()
                        .fma(FloatVector.broadcast(S, x[xOff + k]), s0);
                if ((k & 1) == 1) {
                    o += L;
                }
            }
            FloatVector s = s0.add(s1).add(s2.add(s3));
            if (accumulate) {
                s = s.add(FloatVector.fromArray(S, y, yo));
            }
            s.intoArray(y, yo);
        }
    }

    /** Six batch rows by half a panel (two column vectors): twelve accumulators, weights widened once per row pair. */
    static void bf16Block6(int[] a, int base, int rows, float[] x, int x0, int xStride, float[] bias, int biasAt,
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
        for (int k = 0; k < rows; k++) {
            // Even row: the low halves; odd row: the high halves of the same ints, then the next pair.
            final int shift = (k & 1) == 0 ? 16 : 0;
            final FloatVector wa = IntVector.fromArray(I, a, o).lanewise(LSHL, shift).and(HI).reinterpretAsFloats();
            final FloatVector wb = IntVector.fromArray(I, a, o + L).lanewise(LSHL, shift).and(HI).reinterpretAsFloats();
            if ((k & 1) == 1) {
                o += P;
            }
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
    // int8: one byte per weight, laid out as float32; y = fma(sum x*q, scale, bias)

    /**
     * One panel of {@code P} columns, one batch row: four fma chains (the column vectors), each over the rows in order,
     * then the scale and the bias, as {@link #int8Block6} computes a row, so a row's result is the same in any batch.
     */
    static void int8Panel(byte[] a, int base, int rows, float[] x, int xOff, float[] scale, float[] bias, int biasAt,
                          float[] y, int yo, boolean accumulate) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S);
        for (int k = 0, o = base; k < rows; k++, o += P) {
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            s0 = ((FloatVector) ByteVector.fromArray(B, a, o).convertShape(B2F, S, 0)).fma(x0, s0);
            s1 = ((FloatVector) ByteVector.fromArray(B, a, o + L).convertShape(B2F, S, 0)).fma(x0, s1);
            s2 = ((FloatVector) ByteVector.fromArray(B, a, o + 2 * L).convertShape(B2F, S, 0)).fma(x0, s2);
            s3 = ((FloatVector) ByteVector.fromArray(B, a, o + 3 * L).convertShape(B2F, S, 0)).fma(x0, s3);
        }
        s0 = s0.fma(FloatVector.fromArray(S, scale, biasAt), FloatVector.fromArray(S, bias, biasAt));
        s1 = s1.fma(FloatVector.fromArray(S, scale, biasAt + L), FloatVector.fromArray(S, bias, biasAt + L));
        s2 = s2.fma(FloatVector.fromArray(S, scale, biasAt + 2 * L), FloatVector.fromArray(S, bias, biasAt + 2 * L));
        s3 = s3.fma(FloatVector.fromArray(S, scale, biasAt + 3 * L), FloatVector.fromArray(S, bias, biasAt + 3 * L));
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

    /** Two panels, one batch row: eight fma chains, each over the rows in order; the first panel is written first. */
    static void int8PanelPair(byte[] a, int base, int base2, int rows, float[] x, int xOff, float[] scale, float[] bias, int biasAt,
                              int biasAt2, float[] y, int yo, int yo2, boolean accumulate) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S);
        FloatVector t0 = FloatVector.zero(S);
        FloatVector t1 = FloatVector.zero(S);
        FloatVector t2 = FloatVector.zero(S);
        FloatVector t3 = FloatVector.zero(S);
        for (int k = 0, o = base, o2 = base2; k < rows; k++, o += P, o2 += P) {
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            s0 = ((FloatVector) ByteVector.fromArray(B, a, o).convertShape(B2F, S, 0)).fma(x0, s0);
            s1 = ((FloatVector) ByteVector.fromArray(B, a, o + L).convertShape(B2F, S, 0)).fma(x0, s1);
            s2 = ((FloatVector) ByteVector.fromArray(B, a, o + 2 * L).convertShape(B2F, S, 0)).fma(x0, s2);
            s3 = ((FloatVector) ByteVector.fromArray(B, a, o + 3 * L).convertShape(B2F, S, 0)).fma(x0, s3);
            t0 = ((FloatVector) ByteVector.fromArray(B, a, o2).convertShape(B2F, S, 0)).fma(x0, t0);
            t1 = ((FloatVector) ByteVector.fromArray(B, a, o2 + L).convertShape(B2F, S, 0)).fma(x0, t1);
            t2 = ((FloatVector) ByteVector.fromArray(B, a, o2 + 2 * L).convertShape(B2F, S, 0)).fma(x0, t2);
            t3 = ((FloatVector) ByteVector.fromArray(B, a, o2 + 3 * L).convertShape(B2F, S, 0)).fma(x0, t3);
        }
        s0 = s0.fma(FloatVector.fromArray(S, scale, biasAt), FloatVector.fromArray(S, bias, biasAt));
        s1 = s1.fma(FloatVector.fromArray(S, scale, biasAt + L), FloatVector.fromArray(S, bias, biasAt + L));
        s2 = s2.fma(FloatVector.fromArray(S, scale, biasAt + 2 * L), FloatVector.fromArray(S, bias, biasAt + 2 * L));
        s3 = s3.fma(FloatVector.fromArray(S, scale, biasAt + 3 * L), FloatVector.fromArray(S, bias, biasAt + 3 * L));
        t0 = t0.fma(FloatVector.fromArray(S, scale, biasAt2), FloatVector.fromArray(S, bias, biasAt2));
        t1 = t1.fma(FloatVector.fromArray(S, scale, biasAt2 + L), FloatVector.fromArray(S, bias, biasAt2 + L));
        t2 = t2.fma(FloatVector.fromArray(S, scale, biasAt2 + 2 * L), FloatVector.fromArray(S, bias, biasAt2 + 2 * L));
        t3 = t3.fma(FloatVector.fromArray(S, scale, biasAt2 + 3 * L), FloatVector.fromArray(S, bias, biasAt2 + 3 * L));
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
        if (accumulate) {
            t0 = t0.add(FloatVector.fromArray(S, y, yo2));
            t1 = t1.add(FloatVector.fromArray(S, y, yo2 + L));
            t2 = t2.add(FloatVector.fromArray(S, y, yo2 + 2 * L));
            t3 = t3.add(FloatVector.fromArray(S, y, yo2 + 3 * L));
        }
        t0.intoArray(y, yo2);
        t1.intoArray(y, yo2 + L);
        t2.intoArray(y, yo2 + 2 * L);
        t3.intoArray(y, yo2 + 3 * L);
    }

    /** A matrix narrower than one panel ({@code L <= cols < P}), packed in panels of one vector; one row of a batch. */
    static void int8Narrow(PackedMatrix w, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        final byte[] a = w.bytes;
        final int rows = w.rows;
        for (int q = 0; q < w.panels; q++) {
            final int p = q == 0 ? w.panels - 1 : q - 1;
            final int base = p * rows * L;
            final int yo = yOff + (p == w.panels - 1 ? w.lastStart : p * L);
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S);
            FloatVector s3 = FloatVector.zero(S);
            int k = 0;
            for (; k + 4 <= rows; k += 4) {
                final int o = base + k * L;
                s0 = ((FloatVector) ByteVector.fromArray(B, a, o).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xOff + k]), s0);
                s1 = ((FloatVector) ByteVector.fromArray(B, a, o + L).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xOff + k + 1]), s1);
                s2 = ((FloatVector) ByteVector.fromArray(B, a, o + 2 * L).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xOff + k + 2]), s2);
                s3 = ((FloatVector) ByteVector.fromArray(B, a, o + 3 * L).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xOff + k + 3]), s3);
            }
            for (; k < rows; k++) {
                s0 = ((FloatVector) ByteVector.fromArray(B, a, base + k * L).convertShape(B2F, S, 0)).fma(FloatVector.broadcast(S, x[xOff + k]), s0);
            }
            FloatVector s = s0.add(s1).add(s2.add(s3)).fma(FloatVector.fromArray(S, w.scale, p * L), FloatVector.fromArray(S, w.bias, p * L));
            if (accumulate) {
                s = s.add(FloatVector.fromArray(S, y, yo));
            }
            s.intoArray(y, yo);
        }
    }

    /** Six batch rows by half a panel (two column vectors): twelve accumulators, each weight widened once for six rows. */
    static void int8Block6(byte[] a, int base, int rows, float[] x, int x0, int xStride, float[] scale, float[] bias, int biasAt,
                           float[] y, int y0, int yStride, boolean accumulate) {
        final int x1 = x0 + xStride;
        final int x2 = x1 + xStride;
        final int x3 = x2 + xStride;
        final int x4 = x3 + xStride;
        final int x5 = x4 + xStride;
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a40 = a00;
        FloatVector a41 = a00;
        FloatVector a50 = a00;
        FloatVector a51 = a00;
        int o = base;
        for (int k = 0; k < rows; k++, o += P) {
            final FloatVector wa = (FloatVector) ByteVector.fromArray(B, a, o).convertShape(B2F, S, 0);
            final FloatVector wb = (FloatVector) ByteVector.fromArray(B, a, o + L).convertShape(B2F, S, 0);
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
        final FloatVector sa = FloatVector.fromArray(S, scale, biasAt);
        final FloatVector sb = FloatVector.fromArray(S, scale, biasAt + L);
        final FloatVector ba = FloatVector.fromArray(S, bias, biasAt);
        final FloatVector bb = FloatVector.fromArray(S, bias, biasAt + L);
        a00 = a00.fma(sa, ba);
        a01 = a01.fma(sb, bb);
        a10 = a10.fma(sa, ba);
        a11 = a11.fma(sb, bb);
        a20 = a20.fma(sa, ba);
        a21 = a21.fma(sb, bb);
        a30 = a30.fma(sa, ba);
        a31 = a31.fma(sb, bb);
        a40 = a40.fma(sa, ba);
        a41 = a41.fma(sb, bb);
        a50 = a50.fma(sa, ba);
        a51 = a51.fma(sb, bb);
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
}
