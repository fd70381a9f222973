package io.github.panamarnn.kernels;

import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShuffle;
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
 * work panel by panel in methods that exchange only arrays and ints. The elementwise loops and the
 * fused gate updates are in {@link PanamaLoops}, generated from one definition of each approximation
 * by {@code kernels/tools/generate_loops.py} (edit the math there; {@code ./panama test} fails when
 * the file differs from what the generator writes), and {@code ActivationErrorBoundsTest} and
 * {@code GatePropertiesTest} pin every copy to the specification.
 */
final class PanamaKernels implements Kernels {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = PanamaSpecies.LANES;
    private static final int P = PanamaSpecies.PANEL;
    private static final VectorSpecies<Integer> I = PanamaSpecies.INT;
    private static final VectorSpecies<Byte> B = PanamaSpecies.BYTE;
    /** The high half of an int: the odd row of a bfloat16 pair, already a float's bits. */
    private static final int HI = 0xFFFF0000;

    private final Precision precision;

    /** Lane {@code i} to lane {@code i + n/2} (mod L): the steps of {@link #columns}' fixed reduction tree. */
    private static final VectorShuffle<Float> HALF_16 = VectorShuffle.iota(S, 8 % L, 1, true);
    private static final VectorShuffle<Float> HALF_8 = VectorShuffle.iota(S, 4 % L, 1, true);
    private static final VectorShuffle<Float> HALF_4 = VectorShuffle.iota(S, 2 % L, 1, true);
    private static final VectorShuffle<Float> HALF_2 = VectorShuffle.iota(S, 1, 1, true);

    /** Float32 weights: the instance {@link KernelProvider} creates (reflectively, after checking the Vector API). */
    PanamaKernels() {
        this(Precision.FP32);
    }

    private PanamaKernels(Precision precision) {
        this.precision = precision;
    }

    @Override
    public String name() {
        return "panama (FloatVector " + S.vectorBitSize() + " bits, " + L + " lanes, panels of " + P + ", batches in blocks of up to "
                + (precision == Precision.FP32 ? MAX_BLOCK_ROWS + " rows" + tilesName() : ROW_BLOCK + " rows")
                + ")" + (precision == Precision.FP32 ? "" : ", " + precision.label() + " weights");
    }

    /** What {@link #name()} says of the tiles: the steps that run in them. */
    private static String tilesName() {
        return switch (STEP_TILES) {
            case "whole" -> ", whole recurrent steps in tiles of " + 2 * L + " units";
            case "all" -> ", recurrent steps and their halves in tiles of " + 2 * L + " units";
            default -> "";
        };
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public Kernels withPrecision(Precision p) {
        return Precision.check(p) == precision ? this : new PanamaKernels(p);
    }

    @Override
    public PackedMatrix repack(PackedMatrix m) {
        return m.repack(panelWidth(m.cols, precision), precision);
    }

    /**
     * The panels a product of {@code cols} columns is packed in: four vectors; one vector when narrower than that (see
     * {@link #pack}); one column when narrower than a vector, in every precision (column-major: {@link #columns} sums
     * each output along the rows in lanes).
     */
    private static int panelWidth(int cols, Precision precision) {
        if (cols < L) {
            return 1;
        }
        return cols < P ? L : P;
    }

    /** Rows of the narrow and quantized register blocks ({@code matMulNarrow6}, the bf16 and int8 blocks); float32 panels use {@link #MAX_BLOCK_ROWS}. */
    static final int ROW_BLOCK = 6;

    /**
     * 1: rows in whole blocks and rows outside them (batch 1 among them) sum every output over the rows of the weights
     * in the same order, from the bias, each in its own chain ({@link PanamaBlocks} and {@code matVecPanelPair},
     * {@code matMulNarrow6} and {@code matVecNarrow}, their bf16 and int8 forms), so every row of every batch is
     * computed alike.
     */
    @Override
    public int rowBlock() {
        return 1;
    }

    @Override
    public boolean isVectorized() {
        return true;
    }

    @Override
    public PackedMatrix pack(int rows, int cols, PackedMatrix.Source w, float[] bias) {
        // Narrower than one panel but at least one vector wide: panels of one vector, so the product still runs in
        // vector lanes; narrower still, one column per panel, summed along the rows in lanes (panelWidth).
        return PackedMatrix.pack(rows, cols, panelWidth(cols, precision), precision, w, bias);
    }

    private static void checkPanel(PackedMatrix w) {
        if (w.panelWidth != P && !(w.panelWidth == L && w.cols < P) && !(w.panelWidth == 1 && w.cols < L)) {
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
        if (w.panelWidth == 1) {
            columns(w, x, xOff, y, yOff, accumulate);
            return;
        }
        if (w.panelWidth == L) {
            narrow(w, x, xOff, y, yOff, accumulate);
            return;
        }
        if (w.cols < P) {
            ScalarKernels.INSTANCE.matVec(w, x, xOff, y, yOff, accumulate);
            return;
        }
        panels(w, x, xOff, 0, 1, y, yOff, 0, accumulate, 0, w.panels);
    }

    /** Panel {@code p} of {@code w}, one batch row, in the kernel of {@code w}'s precision. */
    private static void panel(PackedMatrix w, int p, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        final int base = p * w.depth * P;
        final int yo = yOff + panelStart(w, p);
        switch (w.precision) {
            case FP32 -> matVecPanel(w.data, base, w.rows, x, xOff, w.bias, p * P, y, yo, accumulate);
            case BF16 -> QuantizedProducts.bf16Panel(w.packed, base, w.rows, x, xOff, w.bias, p * P, y, yo, accumulate);
            case INT8 -> QuantizedProducts.int8Panel(w.bytes, base, w.rows, x, xOff, w.scale, w.bias, p * P, y, yo, accumulate);
        }
    }

    /**
     * Panels {@code p} and {@code p2} of {@code w}, one batch row, together (eight fma chains); {@code p} is written
     * first, so a right-aligned last panel passed as {@code p} is completed by the panel before it as in {@link #panels}.
     */
    private static void panelPair(PackedMatrix w, int p, int p2, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        final int base = p * w.depth * P;
        final int base2 = p2 * w.depth * P;
        final int yo = yOff + panelStart(w, p);
        final int yo2 = yOff + panelStart(w, p2);
        switch (w.precision) {
            case FP32 -> matVecPanelPair(w.data, base, base2, w.rows, x, xOff, w.bias, p * P, p2 * P, y, yo, yo2, accumulate);
            case BF16 -> QuantizedProducts.bf16PanelPair(w.packed, base, base2, w.rows, x, xOff, w.bias, p * P, p2 * P, y, yo, yo2, accumulate);
            case INT8 -> QuantizedProducts.int8PanelPair(w.bytes, base, base2, w.rows, x, xOff, w.scale, w.bias, p * P, p2 * P, y, yo, yo2,
                    accumulate);
        }
    }

    /** A matrix packed in panels of one vector, one batch row, in the kernel of its precision. */
    private static void narrow(PackedMatrix w, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        switch (w.precision) {
            case FP32 -> matVecNarrow(w, x, xOff, y, yOff, accumulate);
            case BF16 -> QuantizedProducts.bf16Narrow(w, x, xOff, y, yOff, accumulate);
            case INT8 -> QuantizedProducts.int8Narrow(w, x, xOff, y, yOff, accumulate);
        }
    }

    /**
     * A product narrower than one vector ({@code cols < L}: a dense head of a few outputs), packed one column per panel
     * (column-major), one batch row: each output is a dot product along the rows in lanes (four accumulators, one
     * reduction, the leftover rows in order), then the bias (int8: the scale, then the bias, as {@link ScalarKernels}),
     * then the output added when accumulating. Every row of a batch runs it alike. bfloat16: each int holds two rows of a
     * column, widened into an even-row and an odd-row vector, so the row is first split into its even and odd elements
     * ({@link #evenOdd}, once per call for every column). int8: bytes widened into float lanes.
     */
    private static void columns(PackedMatrix w, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        final int rows = w.rows;
        final int depth = w.depth;
        final float[] xd = w.precision == Precision.BF16 ? evenOdd(x, xOff, rows, depth) : null;
        for (int j = 0; j < w.cols; j++) {
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            int k = 0;
            switch (w.precision) {
                case FP32 -> {
                    final float[] a = w.data;
                    final int base = j * rows;
                    for (; k + 4 * L <= rows; k += 4 * L) {
                        s0 = FloatVector.fromArray(S, a, base + k).fma(FloatVector.fromArray(S, x, xOff + k), s0);
                        s1 = FloatVector.fromArray(S, a, base + k + L).fma(FloatVector.fromArray(S, x, xOff + k + L), s1);
                        s2 = FloatVector.fromArray(S, a, base + k + 2 * L).fma(FloatVector.fromArray(S, x, xOff + k + 2 * L), s2);
                        s3 = FloatVector.fromArray(S, a, base + k + 3 * L).fma(FloatVector.fromArray(S, x, xOff + k + 3 * L), s3);
                    }
                    for (; k + L <= rows; k += L) {
                        s0 = FloatVector.fromArray(S, a, base + k).fma(FloatVector.fromArray(S, x, xOff + k), s0);
                    }
                }
                case BF16 -> {
                    // Ints m of the column hold rows 2m (low half) and 2m + 1; xd holds x's even rows, then its odd rows.
                    final int[] a = w.packed;
                    final int base = j * depth;
                    int m = 0;
                    for (; m + 2 * L <= depth; m += 2 * L) {
                        final IntVector v0 = IntVector.fromArray(I, a, base + m);
                        final IntVector v1 = IntVector.fromArray(I, a, base + m + L);
                        s0 = v0.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(S, xd, m), s0);
                        s1 = v0.and(HI).reinterpretAsFloats().fma(FloatVector.fromArray(S, xd, depth + m), s1);
                        s2 = v1.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(S, xd, m + L), s2);
                        s3 = v1.and(HI).reinterpretAsFloats().fma(FloatVector.fromArray(S, xd, depth + m + L), s3);
                    }
                    for (; m + L <= depth; m += L) {
                        final IntVector v0 = IntVector.fromArray(I, a, base + m);
                        s0 = v0.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(S, xd, m), s0);
                        s1 = v0.and(HI).reinterpretAsFloats().fma(FloatVector.fromArray(S, xd, depth + m), s1);
                    }
                    k = Math.min(2 * m, rows); // an odd last row's pair holds a zero weight and a zero x: it added 0
                }
                case INT8 -> {
                    final byte[] a = w.bytes;
                    final int base = j * rows;
                    for (; k + 4 * L <= rows; k += 4 * L) {
                        s0 = ((FloatVector) ByteVector.fromArray(B, a, base + k).convertShape(B2F, S, 0)).fma(FloatVector.fromArray(S, x, xOff + k), s0);
                        s1 = ((FloatVector) ByteVector.fromArray(B, a, base + k + L).convertShape(B2F, S, 0)).fma(FloatVector.fromArray(S, x, xOff + k + L), s1);
                        s2 = ((FloatVector) ByteVector.fromArray(B, a, base + k + 2 * L).convertShape(B2F, S, 0)).fma(FloatVector.fromArray(S, x, xOff + k + 2 * L), s2);
                        s3 = ((FloatVector) ByteVector.fromArray(B, a, base + k + 3 * L).convertShape(B2F, S, 0)).fma(FloatVector.fromArray(S, x, xOff + k + 3 * L), s3);
                    }
                    for (; k + L <= rows; k += L) {
                        s0 = ((FloatVector) ByteVector.fromArray(B, a, base + k).convertShape(B2F, S, 0)).fma(FloatVector.fromArray(S, x, xOff + k), s0);
                    }
                }
            }
            // A fixed tree of lanewise additions (lane i plus lane i + L/2, then + L/4, ...): the same additions in every
            // JIT tier, which reduceLanes(ADD) does not promise (its order differs between the interpreter and C2).
            FloatVector v = s0.add(s1).add(s2.add(s3));
            if (L >= 16) {
                v = v.add(v.rearrange(HALF_16));
            }
            if (L >= 8) {
                v = v.add(v.rearrange(HALF_8));
            }
            v = v.add(v.rearrange(HALF_4));
            v = v.add(v.rearrange(HALF_2));
            float s = v.lane(0);
            switch (w.precision) {
                case FP32 -> {
                    for (; k < rows; k++) {
                        s = Math.fma(x[xOff + k], w.data[j * rows + k], s);
                    }
                    s += w.bias[j];
                }
                case BF16 -> {
                    for (; k < rows; k++) {
                        s = Math.fma(x[xOff + k], Precision.fromBf16(w.packed[j * depth + (k >> 1)] >>> ((k & 1) * 16)), s);
                    }
                    s += w.bias[j];
                }
                case INT8 -> {
                    for (; k < rows; k++) {
                        s = Math.fma(x[xOff + k], w.bytes[j * rows + k], s);
                    }
                    s = Math.fma(s, w.scale[j], w.bias[j]);
                }
            }
            if (accumulate) {
                s += y[yOff + j];
            }
            y[yOff + j] = s;
        }
    }

    /** Per thread, a bfloat16 column product's row split into its even and odd elements ({@link #evenOdd}). */
    private static final ThreadLocal<float[][]> EVEN_ODD = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * {@code x[xOff ..]}'s {@code rows} elements split into this thread's buffer: the even rows at {@code 0 .. depth},
     * the odd rows at {@code depth .. 2 depth} ({@code depth = ceil(rows / 2)}; the odd row past an odd {@code rows} is 0).
     */
    private static float[] evenOdd(float[] x, int xOff, int rows, int depth) {
        float[][] holder = EVEN_ODD.get();
        float[] xd = holder[0];
        if (xd.length < 2 * depth) {
            xd = new float[2 * depth];
            holder[0] = xd;
        }
        for (int m = 0; m < depth; m++) {
            xd[m] = x[xOff + 2 * m];
            xd[depth + m] = 2 * m + 1 < rows ? x[xOff + 2 * m + 1] : 0f;
        }
        return xd;
    }

    /**
     * A product narrower than one panel ({@code L <= cols < P}), packed in panels of one vector, one batch row: up to
     * four panels at a time, one fma chain each over the rows in order (the order of {@link #matMulNarrow6}, so a row's
     * result is the same in any batch), the right-aligned last panel first as in {@link #matVec}.
     */
    private static void matVecNarrow(PackedMatrix w, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        final float[] a = w.data;
        final int rows = w.rows;
        final int n = w.panels;
        for (int q = 0; q < n; q += 4) {
            // Panels in writing order: the last one first, then 0, 1, ...; a group of four is written in that order.
            final int p0 = q == 0 ? n - 1 : q - 1;
            final int g = Math.min(4, n - q);
            final int p1 = g > 1 ? q : p0;
            final int p2 = g > 2 ? q + 1 : p0;
            final int p3 = g > 3 ? q + 2 : p0;
            final int b0 = p0 * rows * L;
            final int b1 = p1 * rows * L;
            final int b2 = p2 * rows * L;
            final int b3 = p3 * rows * L;
            FloatVector s0 = FloatVector.fromArray(S, w.bias, p0 * L);
            FloatVector s1 = FloatVector.fromArray(S, w.bias, p1 * L);
            FloatVector s2 = FloatVector.fromArray(S, w.bias, p2 * L);
            FloatVector s3 = FloatVector.fromArray(S, w.bias, p3 * L);
            for (int k = 0, o = 0; k < rows; k++, o += L) {
                final FloatVector v = FloatVector.broadcast(S, x[xOff + k]);
                s0 = FloatVector.fromArray(S, a, b0 + o).fma(v, s0);
                s1 = FloatVector.fromArray(S, a, b1 + o).fma(v, s1);
                s2 = FloatVector.fromArray(S, a, b2 + o).fma(v, s2);
                s3 = FloatVector.fromArray(S, a, b3 + o).fma(v, s3);
            }
            // Written in order (p0 may be the right-aligned last panel that p1.. complete); vectors stay in this method.
            final int y0 = yOff + (p0 == n - 1 ? w.lastStart : p0 * L);
            if (accumulate) {
                s0 = s0.add(FloatVector.fromArray(S, y, y0));
            }
            s0.intoArray(y, y0);
            if (g > 1) {
                final int y1 = yOff + (p1 == n - 1 ? w.lastStart : p1 * L);
                if (accumulate) {
                    s1 = s1.add(FloatVector.fromArray(S, y, y1));
                }
                s1.intoArray(y, y1);
            }
            if (g > 2) {
                final int y2 = yOff + (p2 == n - 1 ? w.lastStart : p2 * L);
                if (accumulate) {
                    s2 = s2.add(FloatVector.fromArray(S, y, y2));
                }
                s2.intoArray(y, y2);
            }
            if (g > 3) {
                final int y3 = yOff + (p3 == n - 1 ? w.lastStart : p3 * L);
                if (accumulate) {
                    s3 = s3.add(FloatVector.fromArray(S, y, y3));
                }
                s3.intoArray(y, y3);
            }
        }
    }

    /**
     * One panel, one batch row: four fma chains (the panel's four column vectors), each over the rows in order, the
     * order of the {@link PanamaBlocks} (a row's result is the same in any batch). {@link #matVecPanelPair} does two
     * panels at once for eight chains.
     */
    private static void matVecPanel(float[] a, int base, int rows, float[] x, int xOff, float[] bias, int biasAt,
                                    float[] y, int yo, boolean accumulate) {
        FloatVector s0 = FloatVector.fromArray(S, bias, biasAt);
        FloatVector s1 = FloatVector.fromArray(S, bias, biasAt + L);
        FloatVector s2 = FloatVector.fromArray(S, bias, biasAt + 2 * L);
        FloatVector s3 = FloatVector.fromArray(S, bias, biasAt + 3 * L);
        for (int k = 0, o = base; k < rows; k++, o += P) {
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            s0 = FloatVector.fromArray(S, a, o).fma(x0, s0);
            s1 = FloatVector.fromArray(S, a, o + L).fma(x0, s1);
            s2 = FloatVector.fromArray(S, a, o + 2 * L).fma(x0, s2);
            s3 = FloatVector.fromArray(S, a, o + 3 * L).fma(x0, s3);
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

    /**
     * Two panels, one batch row: eight fma chains (four column vectors of each), every chain over the rows in order
     * (the order of the {@link PanamaBlocks}); bandwidth-bound at batch 1, it streams the two panels side by side. The
     * first panel is written first.
     */
    private static void matVecPanelPair(float[] a, int base, int base2, int rows, float[] x, int xOff, float[] bias, int biasAt, int biasAt2,
                                        float[] y, int yo, int yo2, boolean accumulate) {
        FloatVector s0 = FloatVector.fromArray(S, bias, biasAt);
        FloatVector s1 = FloatVector.fromArray(S, bias, biasAt + L);
        FloatVector s2 = FloatVector.fromArray(S, bias, biasAt + 2 * L);
        FloatVector s3 = FloatVector.fromArray(S, bias, biasAt + 3 * L);
        FloatVector t0 = FloatVector.fromArray(S, bias, biasAt2);
        FloatVector t1 = FloatVector.fromArray(S, bias, biasAt2 + L);
        FloatVector t2 = FloatVector.fromArray(S, bias, biasAt2 + 2 * L);
        FloatVector t3 = FloatVector.fromArray(S, bias, biasAt2 + 3 * L);
        for (int k = 0, o = base, o2 = base2; k < rows; k++, o += P, o2 += P) {
            final FloatVector x0 = FloatVector.broadcast(S, x[xOff + k]);
            s0 = FloatVector.fromArray(S, a, o).fma(x0, s0);
            s1 = FloatVector.fromArray(S, a, o + L).fma(x0, s1);
            s2 = FloatVector.fromArray(S, a, o + 2 * L).fma(x0, s2);
            s3 = FloatVector.fromArray(S, a, o + 3 * L).fma(x0, s3);
            t0 = FloatVector.fromArray(S, a, o2).fma(x0, t0);
            t1 = FloatVector.fromArray(S, a, o2 + L).fma(x0, t1);
            t2 = FloatVector.fromArray(S, a, o2 + 2 * L).fma(x0, t2);
            t3 = FloatVector.fromArray(S, a, o2 + 3 * L).fma(x0, t3);
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

    /**
     * Batch 2 and up, float32 in whole panels: register blocks of up to {@link #MAX_BLOCK_ROWS} rows x 2 vectors
     * ({@link #fp32Blocks}, rows copied k-major; every row in a block, none left to a batch-1 kernel). bf16 and int8:
     * 6-row blocks, leftover rows on the batch-1 panel kernel. Products narrower than a panel: 6-row blocks of one vector.
     */
    @Override
    public void matMul(PackedMatrix w, float[] x, int xOff, int xStride, int batch,
                       float[] y, int yOff, int yStride, boolean accumulate) {
        if (batch == 1) {
            matVec(w, x, xOff, y, yOff, accumulate);
            return;
        }
        checkPanel(w);
        if (w.panelWidth == 1) {
            for (int b = 0; b < batch; b++) {
                columns(w, x, xOff + b * xStride, y, yOff + b * yStride, accumulate);
            }
            return;
        }
        if (w.panelWidth == L) {
            int b = 0;
            if (w.precision == Precision.FP32) {
                // Six rows at a time share each weight vector (six fma chains), panel by panel, the right-aligned last first.
                final int blocked = batch - batch % ROW_BLOCK;
                for (int q = 0; q < w.panels && blocked > 0; q++) {
                    final int p = q == 0 ? w.panels - 1 : q - 1;
                    final int col = p == w.panels - 1 ? w.lastStart : p * L;
                    for (int r = 0; r < blocked; r += 6) {
                        matMulNarrow6(w.data, p * w.rows * L, w.rows, x, xOff + r * xStride, xStride, w.bias, p * L,
                                y, yOff + r * yStride + col, yStride, accumulate);
                    }
                }
                b = blocked;
            }
            for (; b < batch; b++) {
                narrow(w, x, xOff + b * xStride, y, yOff + b * yStride, accumulate);
            }
            return;
        }
        if (w.cols < P) {
            ScalarKernels.INSTANCE.matMul(w, x, xOff, xStride, batch, y, yOff, yStride, accumulate);
            return;
        }
        panels(w, x, xOff, xStride, batch, y, yOff, yStride, accumulate, 0, w.panels);
    }

    /** Whether {@link #panels} can run {@code w} (packed in whole panels of {@code P}, at least one panel wide). */
    static boolean panelled(PackedMatrix w) {
        return w.panelWidth == P && w.cols >= P;
    }

    /**
     * The product restricted to panels {@code [lo, hi)} of {@code w} (which {@link #panelled}), every batch row. When
     * {@code hi} is the last panel, it runs first: the columns it shares with the previous panel are zero in it, and the
     * previous panel then writes (or completes) them, so a range ending at the last panel must also hold the one before
     * it when they overlap ({@link ParallelKernels} splits products this way, bit for bit equal to one call).
     */
    static void panels(PackedMatrix w, float[] x, int xOff, int xStride, int batch,
                       float[] y, int yOff, int yStride, boolean accumulate, int lo, int hi) {
        if (w.precision == Precision.FP32 && batch > 1) {
            fp32Blocks(w, x, xOff, xStride, batch, y, yOff, yStride, accumulate, lo, hi);
            return;
        }
        final int blocked = batch == 1 ? 0 : batch - batch % ROW_BLOCK;
        for (int q = lo; q < hi; q++) {
            final int p = hi == w.panels ? (q == lo ? w.panels - 1 : q - 1) : q;
            final int start = panelStart(w, p);
            for (int half = 0; blocked > 0 && half < P; half += 2 * L) {
                final int base = p * w.depth * P + half;
                final int biasAt = p * P + half;
                final int col = start + half;
                for (int b = 0; b < blocked; b += 6) {
                    final int xb = xOff + b * xStride;
                    final int yb = yOff + b * yStride + col;
                    switch (w.precision) {
                        case FP32 -> throw new AssertionError("float32 batches run in fp32Blocks");
                        case BF16 -> QuantizedProducts.bf16Block6(w.packed, base, w.rows, x, xb, xStride, w.bias, biasAt,
                                y, yb, yStride, accumulate);
                        case INT8 -> QuantizedProducts.int8Block6(w.bytes, base, w.rows, x, xb, xStride, w.scale, w.bias, biasAt,
                                y, yb, yStride, accumulate);
                    }
                }
            }
        }
        // Rows outside whole blocks (batch 1 among them): two panels at a time, every output over the rows in the
        // blocks' order, so a row's result does not depend on the batch it is in.
        for (int q = lo; blocked < batch && q < hi; q += 2) {
            final int p = hi == w.panels ? (q == lo ? w.panels - 1 : q - 1) : q;
            if (q + 1 < hi) {
                final int p2 = hi == w.panels ? q : q + 1;
                for (int b = blocked; b < batch; b++) {
                    panelPair(w, p, p2, x, xOff + b * xStride, y, yOff + b * yStride, accumulate);
                }
            } else {
                for (int b = blocked; b < batch; b++) {
                    panel(w, p, x, xOff + b * xStride, y, yOff + b * yStride, accumulate);
                }
            }
        }
    }

    /**
     * The most rows of one float32 register block ({@link PanamaBlocks}): twelve on a CPU with 32 vector registers
     * (AVX-512, whatever width the species is forced to: 24 accumulators, 2 weight vectors, a broadcast), six on one
     * with 16 (AVX2: 12 + 2 + 1). More rows per block load each weight vector for more rows, and on Zen 4 a 12-row block
     * ran the product about 10% faster than a 6-row one (issue 17's measurements in jmh-results). The tests force 6 in their
     * 256-bit run ({@link KernelProvider#BLOCK_ROWS_PROPERTY}), the AVX2 configuration.
     */
    static final int MAX_BLOCK_ROWS = blockRows();

    /** {@link #MAX_BLOCK_ROWS}: by the register file, or {@link KernelProvider#BLOCK_ROWS_PROPERTY} when set. */
    private static int blockRows() {
        int rows = Integer.getInteger(KernelProvider.BLOCK_ROWS_PROPERTY,
                FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? PanamaBlocks.MAX_ROWS : 6);
        if (rows < 2 || rows > PanamaBlocks.MAX_ROWS) {
            throw new IllegalArgumentException(KernelProvider.BLOCK_ROWS_PROPERTY + " must be 2 to " + PanamaBlocks.MAX_ROWS + ", got " + rows);
        }
        return rows;
    }

    /**
     * Per thread, the k-major copies of X the products read (each grown when a product needs more; never shrunk): slot
     * {@link #STATE} for {@link #fp32Blocks} and a step's state rows, slot {@link #INPUT} for a whole step's input rows.
     */
    private static final ThreadLocal<float[][]> ROWS_K_MAJOR = ThreadLocal.withInitial(() -> new float[2][0]);
    private static final int STATE = 0;
    private static final int INPUT = 1;

    /**
     * A float32 product of {@code batch >= 2} rows, panels {@code [lo, hi)} as {@link #panels}: the rows are split into
     * as few blocks of at most {@link #MAX_BLOCK_ROWS} as possible, of sizes that differ by at most one (32 rows on
     * AVX-512: 11, 11, 10), each copied k-major once per call ({@code B x K} floats, against {@code 2 B K N} flops);
     * then panel by panel, half panel by half panel, every block runs on the half panel's weights while they are in
     * cache. Each output is one chain from its bias over the rows of W, as in the batch-1 kernels.
     */
    private static void fp32Blocks(PackedMatrix w, float[] x, int xOff, int xStride, int batch,
                                   float[] y, int yOff, int yStride, boolean accumulate, int lo, int hi) {
        final float[] xp = kMajor(STATE, x, xOff, xStride, batch, w.rows);
        for (int q = lo; q < hi; q++) {
            final int p = hi == w.panels ? (q == lo ? w.panels - 1 : q - 1) : q;
            final int start = panelStart(w, p);
            for (int half = 0; half < P; half += 2 * L) {
                halfPanel(w, p, half, start + half, xp, batch, y, yOff, yStride, accumulate);
            }
        }
    }

    /**
     * Copies {@code batch} rows of {@code k} floats ({@code x[xOff + b*xStride ..]}) k-major block by block (the blocks of
     * {@link #fp32Blocks}: block {@code i} of {@code n} rows at {@code at_i}, element {@code (r, k)} at
     * {@code at_i + k*n + r}) into this thread's buffer, and returns it. Once copied, the rows of {@code x} may be
     * overwritten: the products read only the copy. {@code slot}: {@link #STATE} or {@link #INPUT}.
     */
    private static float[] kMajor(int slot, float[] x, int xOff, int xStride, int batch, int k) {
        final int blocks = (batch + MAX_BLOCK_ROWS - 1) / MAX_BLOCK_ROWS;
        final int small = batch / blocks;
        final int big = batch % blocks; // the first `big` blocks have one row more
        float[][] holder = ROWS_K_MAJOR.get();
        float[] xp = holder[slot];
        if (xp.length < batch * k) {
            xp = new float[batch * k];
            holder[slot] = xp;
        }
        int row = 0;
        int at = 0;
        for (int bl = 0; bl < blocks; bl++) {
            final int n = bl < big ? small + 1 : small;
            for (int r = 0; r < n; r++) {
                final int src = xOff + (row + r) * xStride;
                for (int i = 0; i < k; i++) {
                    xp[at + i * n + r] = x[src + i];
                }
            }
            row += n;
            at += n * k;
        }
        return xp;
    }

    /**
     * Half panel {@code half} of panel {@code p} of {@code w} (its 2 vectors of columns start at {@code col} of the
     * product) for every block of the batch, the rows read from {@link #kMajor}'s copy.
     */
    private static void halfPanel(PackedMatrix w, int p, int half, int col, float[] xp, int batch,
                                  float[] y, int yOff, int yStride, boolean accumulate) {
        final int k = w.rows; // the rows of W a block sums over (w.depth, the panel stride, may be padded beyond them)
        final int blocks = (batch + MAX_BLOCK_ROWS - 1) / MAX_BLOCK_ROWS;
        final int small = batch / blocks;
        final int big = batch % blocks;
        final int base = p * w.depth * P + half;
        final int biasAt = p * P + half;
        int row = 0;
        int at = 0;
        for (int bl = 0; bl < blocks; bl++) {
            final int n = bl < big ? small + 1 : small;
            PanamaBlocks.block(n, w.data, base, k, xp, at, w.bias, biasAt, y, yOff + row * yStride + col, yStride, accumulate);
            row += n;
            at += n * k;
        }
    }

    /**
     * Columns {@code [col, col + 2L)} of the product ({@code col} and {@code w.cols} multiples of {@code 2L}): the half
     * panel that holds them, the last (right-aligned) panel only for columns past the one before it, so every output is
     * the one chain {@link #fp32Blocks} computes for it.
     */
    private static void columnsAt(PackedMatrix w, int col, float[] xp, int batch, float[] y, int yOff, int yStride, boolean accumulate) {
        final int p = Math.min(col / P, w.panels - 1);
        halfPanel(w, p, col - panelStart(w, p), col, xp, batch, y, yOff, yStride, accumulate);
    }

    // ---------------------------------------------------------------------------------------------
    // Recurrent steps, tile by tile: for each 2L units, the products' columns of every gate for the whole batch (a
    // [batch, gates x 2L] tile, 16 KB for an LSTM at batch 32 and 512 bits: the input's product, then the state's added
    // to it), then the update of those units while the tile is in L1. The rows are copied k-major first (kMajor), so
    // the update may write the state in place. Every output is the same chain as the separate product's, every update
    // the same lane-wise math: bit for bit the defaults. A null wx: the gates already hold the input's projection.

    /** Which steps run tile by tile ({@link KernelProvider#STEP_TILES_PROPERTY}): {@code whole}, {@code all} or {@code off}. */
    static final String STEP_TILES = stepTiles();
    /** Whole steps (both products) in tiles: on unless {@code off}. */
    private static final boolean TILE_STEPS = !STEP_TILES.equals("off");
    /** Recurrent halves (the input's projection hoisted) in tiles: only with {@code all}. */
    private static final boolean TILE_HALVES = STEP_TILES.equals("all");

    private static String stepTiles() {
        String v = System.getProperty(KernelProvider.STEP_TILES_PROPERTY, "whole");
        if (!v.equals("whole") && !v.equals("all") && !v.equals("off")) {
            throw new IllegalArgumentException(KernelProvider.STEP_TILES_PROPERTY + " must be whole, all or off, got " + v);
        }
        return v;
    }

    /**
     * Whether a step's product over {@code w} can run tile by tile: float32 in whole panels, a batch of register blocks,
     * and gate blocks that start on a half panel ({@code units} a multiple of {@code 2L}).
     */
    private static boolean tiled(PackedMatrix w, int units, int batch) {
        return batch > 1 && w.precision == Precision.FP32 && panelled(w) && units % (2 * L) == 0;
    }

    @Override
    public void lstmStep(LstmGates g, PackedMatrix wh, float[] h, int hOff, int batch, float[] gates, int gOff,
                         float[] c, int cOff, float[] hOut, int hOutOff) {
        if (TILE_HALVES && g.fused && tiled(wh, g.units, batch)) {
            lstmTiles(g, null, null, 0, wh, h, hOff, batch, gates, gOff, c, cOff, hOut, hOutOff);
        } else {
            Kernels.super.lstmStep(g, wh, h, hOff, batch, gates, gOff, c, cOff, hOut, hOutOff);
        }
    }

    @Override
    public void lstmStep(LstmGates g, PackedMatrix wx, float[] x, int xOff, PackedMatrix wh, float[] h, int hOff, int batch,
                         float[] gates, int gOff, float[] c, int cOff, float[] hOut, int hOutOff) {
        if (TILE_STEPS && g.fused && tiled(wh, g.units, batch) && tiled(wx, g.units, batch)) {
            lstmTiles(g, wx, x, xOff, wh, h, hOff, batch, gates, gOff, c, cOff, hOut, hOutOff);
        } else {
            Kernels.super.lstmStep(g, wx, x, xOff, wh, h, hOff, batch, gates, gOff, c, cOff, hOut, hOutOff);
        }
    }

    private static void lstmTiles(LstmGates g, PackedMatrix wx, float[] x, int xOff, PackedMatrix wh, float[] h, int hOff,
                                  int batch, float[] gates, int gOff, float[] c, int cOff, float[] hOut, int hOutOff) {
        final int u = g.units;
        final float[] xs = wx == null ? null : kMajor(INPUT, x, xOff, wx.rows, batch, wx.rows);
        final float[] hs = kMajor(STATE, h, hOff, wh.rows, batch, wh.rows);
        final int gs = 4 * u;
        final int n = 2 * L;
        for (int u0 = 0; u0 < u; u0 += n) {
            for (int gate = 0; wx != null && gate < 4; gate++) {
                columnsAt(wx, gate * u + u0, xs, batch, gates, gOff, gs, false);
            }
            for (int gate = 0; gate < 4; gate++) {
                columnsAt(wh, gate * u + u0, hs, batch, gates, gOff, gs, true);
            }
            final int gi = gOff + u0;
            final int co = cOff + u0;
            PanamaLoops.lstmInputPass(u, n, batch, gates, gi, g.peepholes, u0, c, co);
            PanamaLoops.lstmCellPass(u, n, batch, gates, gi, g.peepholes, u0, g.forgetBias, g.cellClip, c, co);
            PanamaLoops.lstmOutputPass(u, n, batch, gates, gi + 3 * u, g.peepholes, u0, c, co, hOut, hOutOff + u0);
        }
    }

    @Override
    public void gruStepResetAfter(GruGates g, PackedMatrix wh, float[] h, int hOff, int batch, float[] gx, int gxOff,
                                  float[] gh, int ghOff, float[] hOut, int hOutOff) {
        if (TILE_HALVES && g.fused && tiled(wh, g.units, batch)) {
            gruAfterTiles(g, null, null, 0, wh, h, hOff, batch, gx, gxOff, gh, ghOff, hOut, hOutOff);
        } else {
            Kernels.super.gruStepResetAfter(g, wh, h, hOff, batch, gx, gxOff, gh, ghOff, hOut, hOutOff);
        }
    }

    @Override
    public void gruStepResetAfter(GruGates g, PackedMatrix wx, float[] x, int xOff, PackedMatrix wh, float[] h, int hOff,
                                  int batch, float[] gx, int gxOff, float[] gh, int ghOff, float[] hOut, int hOutOff) {
        if (TILE_STEPS && g.fused && tiled(wh, g.units, batch) && tiled(wx, g.units, batch)) {
            gruAfterTiles(g, wx, x, xOff, wh, h, hOff, batch, gx, gxOff, gh, ghOff, hOut, hOutOff);
        } else {
            Kernels.super.gruStepResetAfter(g, wx, x, xOff, wh, h, hOff, batch, gx, gxOff, gh, ghOff, hOut, hOutOff);
        }
    }

    private static void gruAfterTiles(GruGates g, PackedMatrix wx, float[] x, int xOff, PackedMatrix wh, float[] h, int hOff,
                                      int batch, float[] gx, int gxOff, float[] gh, int ghOff, float[] hOut, int hOutOff) {
        final int u = g.units;
        final float[] xs = wx == null ? null : kMajor(INPUT, x, xOff, wx.rows, batch, wx.rows);
        final float[] hs = kMajor(STATE, h, hOff, u, batch, u);
        final int gs = 3 * u;
        final int n = 2 * L;
        for (int u0 = 0; u0 < u; u0 += n) {
            for (int gate = 0; wx != null && gate < 3; gate++) {
                columnsAt(wx, gate * u + u0, xs, batch, gx, gxOff, gs, false);
            }
            for (int gate = 0; gate < 3; gate++) {
                columnsAt(wh, gate * u + u0, hs, batch, gh, ghOff, gs, false);
            }
            final int xo = gxOff + u0;
            final int ho = ghOff + u0;
            PanamaLoops.sigmoidSumPass(u, n, batch, gx, xo, gh, ho);
            PanamaLoops.gruResetPass(u, n, batch, gx, xo, gh, ho);
            PanamaLoops.gruTanhBlendPass(u, n, batch, gx, xo, h, hOff + u0, hOut, hOutOff + u0);
        }
    }

    @Override
    public void gruStepResetBefore(GruGates g, PackedMatrix wzr, PackedMatrix wn, float[] h, int hOff, int batch,
                                   float[] gates, int gOff, float[] rh, int rhOff, float[] hOut, int hOutOff) {
        if (TILE_HALVES && g.fused && tiled(wzr, g.units, batch) && tiled(wn, g.units, batch)) {
            gruBeforeTiles(g, null, null, 0, wzr, wn, h, hOff, batch, gates, gOff, rh, rhOff, hOut, hOutOff);
        } else {
            Kernels.super.gruStepResetBefore(g, wzr, wn, h, hOff, batch, gates, gOff, rh, rhOff, hOut, hOutOff);
        }
    }

    @Override
    public void gruStepResetBefore(GruGates g, PackedMatrix wx, float[] x, int xOff, PackedMatrix wzr, PackedMatrix wn,
                                   float[] h, int hOff, int batch, float[] gates, int gOff, float[] rh, int rhOff,
                                   float[] hOut, int hOutOff) {
        if (TILE_STEPS && g.fused && tiled(wzr, g.units, batch) && tiled(wn, g.units, batch) && tiled(wx, g.units, batch)) {
            gruBeforeTiles(g, wx, x, xOff, wzr, wn, h, hOff, batch, gates, gOff, rh, rhOff, hOut, hOutOff);
        } else {
            Kernels.super.gruStepResetBefore(g, wx, x, xOff, wzr, wn, h, hOff, batch, gates, gOff, rh, rhOff, hOut, hOutOff);
        }
    }

    /** Two sweeps: z and r with {@code r*h} (which the candidate's product needs whole), then the candidate and the blend. */
    private static void gruBeforeTiles(GruGates g, PackedMatrix wx, float[] x, int xOff, PackedMatrix wzr, PackedMatrix wn,
                                       float[] h, int hOff, int batch, float[] gates, int gOff, float[] rh, int rhOff,
                                       float[] hOut, int hOutOff) {
        final int u = g.units;
        final int gs = 3 * u;
        final int n = 2 * L;
        final float[] xs = wx == null ? null : kMajor(INPUT, x, xOff, wx.rows, batch, wx.rows);
        float[] hs = kMajor(STATE, h, hOff, u, batch, u);
        for (int u0 = 0; u0 < u; u0 += n) {
            for (int gate = 0; wx != null && gate < 2; gate++) {
                columnsAt(wx, gate * u + u0, xs, batch, gates, gOff, gs, false);
            }
            for (int gate = 0; gate < 2; gate++) {
                columnsAt(wzr, gate * u + u0, hs, batch, gates, gOff, gs, true);
            }
            PanamaLoops.gruResetHiddenPass(u, n, batch, gates, gOff + u + u0, h, hOff + u0, rh, rhOff + u0);
        }
        hs = kMajor(STATE, rh, rhOff, u, batch, u);
        for (int u0 = 0; u0 < u; u0 += n) {
            if (wx != null) {
                columnsAt(wx, 2 * u + u0, xs, batch, gates, gOff, gs, false);
            }
            columnsAt(wn, u0, hs, batch, gates, gOff + 2 * u, gs, true);
            PanamaLoops.gruResetBeforePass(u, n, batch, gates, gOff + u0, h, hOff + u0, hOut, hOutOff + u0);
        }
    }

    /** Six batch rows by one narrow panel (one vector of columns): six accumulators, one weight load per row of W. */
    private static void matMulNarrow6(float[] a, int base, int rows, float[] x, int x0, int xStride, float[] bias, int biasAt,
                                      float[] y, int y0, int yStride, boolean accumulate) {
        final int x1 = x0 + xStride;
        final int x2 = x1 + xStride;
        final int x3 = x2 + xStride;
        final int x4 = x3 + xStride;
        final int x5 = x4 + xStride;
        FloatVector a0 = FloatVector.fromArray(S, bias, biasAt);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        int o = base;
        for (int k = 0; k < rows; k++, o += L) {
            final FloatVector wv = FloatVector.fromArray(S, a, o);
            a0 = wv.fma(FloatVector.broadcast(S, x[x0 + k]), a0);
            a1 = wv.fma(FloatVector.broadcast(S, x[x1 + k]), a1);
            a2 = wv.fma(FloatVector.broadcast(S, x[x2 + k]), a2);
            a3 = wv.fma(FloatVector.broadcast(S, x[x3 + k]), a3);
            a4 = wv.fma(FloatVector.broadcast(S, x[x4 + k]), a4);
            a5 = wv.fma(FloatVector.broadcast(S, x[x5 + k]), a5);
        }
        final int y1 = y0 + yStride;
        final int y2 = y1 + yStride;
        final int y3 = y2 + yStride;
        final int y4 = y3 + yStride;
        final int y5 = y4 + yStride;
        if (accumulate) {
            a0 = a0.add(FloatVector.fromArray(S, y, y0));
            a1 = a1.add(FloatVector.fromArray(S, y, y1));
            a2 = a2.add(FloatVector.fromArray(S, y, y2));
            a3 = a3.add(FloatVector.fromArray(S, y, y3));
            a4 = a4.add(FloatVector.fromArray(S, y, y4));
            a5 = a5.add(FloatVector.fromArray(S, y, y5));
        }
        a0.intoArray(y, y0);
        a1.intoArray(y, y1);
        a2.intoArray(y, y2);
        a3.intoArray(y, y3);
        a4.intoArray(y, y4);
        a5.intoArray(y, y5);
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
            case AFFINE -> PanamaLoops.affineLoop(src, srcOff, dst, dstOff, v, alpha, beta, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
            case HARD_SIGMOID -> PanamaLoops.affineLoop(src, srcOff, dst, dstOff, v, alpha, beta, 0f, 1f);
            case RELU -> PanamaLoops.thresholdedReluLoop(src, srcOff, dst, dstOff, v, 0f);
            case LEAKY_RELU -> PanamaLoops.leakyReluLoop(src, srcOff, dst, dstOff, v, alpha);
            case THRESHOLDED_RELU -> PanamaLoops.thresholdedReluLoop(src, srcOff, dst, dstOff, v, alpha);
            case TANH -> PanamaLoops.tanhLoop(src, srcOff, dst, dstOff, v);
            case SCALED_TANH -> PanamaLoops.scaledTanhLoop(src, srcOff, dst, dstOff, v, alpha, beta);
            case SIGMOID -> PanamaLoops.sigmoidLoop(src, srcOff, dst, dstOff, v);
            case ELU -> PanamaLoops.eluLoop(src, srcOff, dst, dstOff, v, alpha, 1f);
            case SELU -> PanamaLoops.eluLoop(src, srcOff, dst, dstOff, v, (float) Activation.SELU_ALPHA, (float) Activation.SELU_SCALE);
            case SOFTSIGN -> PanamaLoops.softsignLoop(src, srcOff, dst, dstOff, v);
            case SOFTPLUS -> PanamaLoops.softplusLoop(src, srcOff, dst, dstOff, v);
            case SWISH -> PanamaLoops.swishLoop(src, srcOff, dst, dstOff, v);
            case GELU -> PanamaLoops.geluLoop(src, srcOff, dst, dstOff, v);
            case EXPONENTIAL -> PanamaLoops.exponentialLoop(src, srcOff, dst, dstOff, v);
            case CLIP -> PanamaLoops.affineLoop(src, srcOff, dst, dstOff, v, 1f, 0f, alpha, beta);
            case HARD_SILU -> PanamaLoops.hardSiluLoop(src, srcOff, dst, dstOff, v, alpha, beta);
            case MISH -> PanamaLoops.mishLoop(src, srcOff, dst, dstOff, v);
            case GELU_TANH -> PanamaLoops.geluTanhLoop(src, srcOff, dst, dstOff, v);
            case LOG_SIGMOID -> PanamaLoops.logSigmoidLoop(src, srcOff, dst, dstOff, v);
            case SOFT_SHRINK -> PanamaLoops.softShrinkLoop(src, srcOff, dst, dstOff, v, alpha);
            case HARD_SHRINK -> PanamaLoops.hardShrinkLoop(src, srcOff, dst, dstOff, v, alpha);
        }
        if (act.kind() != Activation.Kind.LINEAR) {
            for (int i = v; i < n; i++) {
                dst[dstOff + i] = ScalarApprox.activate(act, src[srcOff + i]);
            }
        }
    }

    @Override
    public void clamp(float[] a, int off, int n, float lo, float hi) {
        PanamaLoops.clampLoop(a, off, n, lo, hi);
    }

    @Override
    public void lstmUpdate(LstmGates g, int batch, float[] gates, int gOff, float[] c, int cOff, float[] h, int hOff) {
        if (g.fused) {
            PanamaLoops.lstmFused(g, batch, gates, gOff, c, cOff, h, hOff);
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
                PanamaLoops.fmaInto(gates, gi, p, 0, c, co, u);
                PanamaLoops.fmaInto(gates, gf, p, u, c, co, u);
            }
            if (g.forgetBias != 0f) {
                PanamaLoops.addScalar(gates, gf, u, g.forgetBias);
            }
            if (clipGates) {
                PanamaLoops.clampLoop(gates, gi, 3 * u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gates, gi, gates, gi, u);
            if (g.inputForget) {
                PanamaLoops.oneMinus(gates, gi, gates, gf, u);
            } else {
                activate(g.recurrent, gates, gf, gates, gf, u);
            }
            activate(g.cellInput, gates, gg, gates, gg, u);
            PanamaLoops.lstmCombine(gates, gi, c, co, u, g.cellClip);
            if (g.hasPeepholes) {
                PanamaLoops.fmaInto(gates, go, p, 2 * u, c, co, u);
            }
            if (clipGates) {
                PanamaLoops.clampLoop(gates, go, u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gates, go, gates, go, u);
            activate(g.output, c, co, h, ho, u);
            PanamaLoops.mulInto(h, ho, gates, go, u);
        }
    }

    @Override
    public void gruUpdateResetAfter(GruGates g, int batch, float[] gx, int gxOff, float[] gh, int ghOff,
                                    float[] hPrev, int hPrevOff, float[] hOut, int hOutOff) {
        if (g.fused) {
            PanamaLoops.gruResetAfterFused(g, batch, gx, gxOff, gh, ghOff, hPrev, hPrevOff, hOut, hOutOff);
            return;
        }
        final int u = g.units;
        final boolean clipGates = g.gateClip != Float.POSITIVE_INFINITY;
        for (int b = 0; b < batch; b++) {
            final int xo = gxOff + b * 3 * u;
            final int ho = ghOff + b * 3 * u;
            PanamaLoops.addInto(gx, xo, gh, ho, 2 * u);
            if (clipGates) {
                PanamaLoops.clampLoop(gx, xo, 2 * u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gx, xo, gx, xo, 2 * u);
            PanamaLoops.fmaInto(gx, xo + 2 * u, gx, xo + u, gh, ho + 2 * u, u);
            candidateAndBlend(g, gx, xo, hPrev, hPrevOff + b * u, hOut, hOutOff + b * u);
        }
    }

    /** From the activated {@code z} at {@code go} and the candidate pre-activation at {@code go+2u}. */
    private void candidateAndBlend(GruGates g, float[] gates, int go, float[] hPrev, int po, float[] hOut, int oo) {
        final int u = g.units;
        final int no = go + 2 * u;
        if (g.gateClip != Float.POSITIVE_INFINITY) {
            PanamaLoops.clampLoop(gates, no, u, -g.gateClip, g.gateClip);
        }
        activate(g.candidate, gates, no, gates, no, u);
        PanamaLoops.gruBlend(gates, go, no, hPrev, po, hOut, oo, u);
    }

    @Override
    public void gruResetHidden(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff,
                               float[] rh, int rhOff) {
        final int u = g.units;
        if (g.fused) {
            PanamaLoops.gruResetHiddenFused(u, batch, gates, gOff, hPrev, hPrevOff, rh, rhOff);
            return;
        }
        for (int b = 0; b < batch; b++) {
            final int ro = gOff + b * 3 * u + u;
            if (g.gateClip != Float.POSITIVE_INFINITY) {
                PanamaLoops.clampLoop(gates, ro, u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gates, ro, rh, rhOff + b * u, u);
            PanamaLoops.mulInto(rh, rhOff + b * u, hPrev, hPrevOff + b * u, u);
        }
    }

    @Override
    public void gruUpdateResetBefore(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff,
                                     float[] hOut, int hOutOff) {
        final int u = g.units;
        if (g.fused) {
            PanamaLoops.gruResetBeforeFused(u, batch, gates, gOff, hPrev, hPrevOff, hOut, hOutOff);
            return;
        }
        for (int b = 0; b < batch; b++) {
            final int go = gOff + b * 3 * u;
            if (g.gateClip != Float.POSITIVE_INFINITY) {
                PanamaLoops.clampLoop(gates, go, u, -g.gateClip, g.gateClip);
            }
            activate(g.recurrent, gates, go, gates, go, u);
            candidateAndBlend(g, gates, go, hPrev, hPrevOff + b * u, hOut, hOutOff + b * u);
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Override
    public String toString() {
        return name();
    }
}
