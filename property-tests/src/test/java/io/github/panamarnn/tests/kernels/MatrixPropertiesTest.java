package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;
import io.github.panamarnn.kernels.Precision;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Matrix products, vector and scalar, each against the exact (double) product: the float error of
 * a length-K sum is at most {@code (K+2) * 2^-24 * sum |terms|}, so a wrong lane, unit or row (an
 * error of the size of a term) fails, while any summation order passes. Also: nothing outside the
 * documented ranges of {@code y} is written.
 */
@net.jqwik.api.lifecycle.AddLifecycleHook(ForcedWidth.class)
class MatrixPropertiesTest {
    private static final Kernels VECTOR = KernelProvider.get();
    private static final Kernels SCALAR = KernelProvider.scalar();
    private static final float CANARY = -123456.75f;

    /** The register blocks these runs exercise are the ones asked for: the 256-bit run forces the AVX2 configuration's 6 rows. */
    @net.jqwik.api.Example
    void theBlockRowsAreTheConfiguredOnes() {
        String forced = System.getProperty(KernelProvider.BLOCK_ROWS_PROPERTY);
        String want = forced != null ? forced : jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? "12" : "6";
        assertTrue(VECTOR.name().contains("batches in blocks of up to " + want + " rows"), VECTOR.name());
    }

    @Provide
    Arbitrary<Integer> sizes() {
        return Arbitraries.oneOf(Arbitraries.of(Arrays.stream(TestData.AWKWARD_SIZES).boxed().toList()),
                Arbitraries.integers().between(1, 160), Arbitraries.of(512, 702, 1024));
    }

    @Property(tries = 300)
    void matVecMatchesExactProduct(@ForAll("sizes") int rows, @ForAll("sizes") int cols, @ForAll boolean accumulate,
                                   @ForAll boolean withBias, @ForAll @IntRange(max = 5) int xOff, @ForAll @IntRange(max = 5) int yOff,
                                   @ForAll long seed) {
        check(Precision.FP32, rows, cols, 1, accumulate, withBias, xOff, yOff, rows + xOff, cols + yOff, seed);
    }

    /** bfloat16 and int8 weights: each kernel against the exact product of the weights it stores (decoded). */
    @Property(tries = 300)
    void quantizedMatVecMatchesExactProduct(@ForAll("quantized") Precision precision, @ForAll("sizes") int rows, @ForAll("sizes") int cols,
                                            @ForAll boolean accumulate, @ForAll boolean withBias, @ForAll @IntRange(max = 5) int xOff,
                                            @ForAll @IntRange(max = 5) int yOff, @ForAll long seed) {
        check(precision, rows, cols, 1, accumulate, withBias, xOff, yOff, rows + xOff, cols + yOff, seed);
    }

    @Property(tries = 250)
    void quantizedMatMulMatchesExactProduct(@ForAll("quantized") Precision precision, @ForAll("sizes") int rows, @ForAll("sizes") int cols,
                                            @ForAll @IntRange(min = 1, max = 65) int batch, @ForAll boolean accumulate,
                                            @ForAll boolean withBias, @ForAll @IntRange(max = 3) int xOff, @ForAll @IntRange(max = 3) int yOff,
                                            @ForAll @IntRange(max = 7) int xPad, @ForAll @IntRange(max = 7) int yPad, @ForAll long seed) {
        if ((long) rows * cols * batch > 4_000_000) {
            rows = Math.min(rows, 64);
        }
        check(precision, rows, cols, batch, accumulate, withBias, xOff, yOff, rows + xPad, cols + yPad, seed);
    }

    @Provide
    Arbitrary<Precision> quantized() {
        return Arbitraries.of(Precision.BF16, Precision.INT8);
    }

    /**
     * What each precision stores: bfloat16 is the float32 rounded to nearest even (relative error at most 2^-8);
     * int8 is {@code q * scale} with {@code scale = max |column| / 127}, {@code |q| <= 127}, error at most half a
     * step; both survive a repack to another panel width unchanged.
     */
    @Property(tries = 100)
    void quantizedWeightsAreWhatThePrecisionPromises(@ForAll("quantized") Precision precision, @ForAll("sizes") int rows,
                                                     @ForAll @IntRange(min = 1, max = 100) int cols, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = TestData.uniform(r, rows * cols, -3, 3);
        PackedMatrix m = PackedMatrix.pack(rows, cols, 16, precision, (i, j) -> w[i * cols + j], null);
        PackedMatrix other = m.repack(8);
        for (int j = 0; j < cols; j++) {
            double max = 0;
            for (int i = 0; i < rows; i++) {
                max = Math.max(max, Math.abs(w[i * cols + j]));
            }
            for (int i = 0; i < rows; i++) {
                float orig = w[i * cols + j];
                float got = m.get(i, j);
                assertEquals(got, other.get(i, j), "repack changed W[" + i + ", " + j + "]");
                if (precision == Precision.BF16) {
                    assertEquals(Precision.fromBf16(Precision.toBf16(orig)), got);
                    assertTrue(Math.abs(got - orig) <= 0x1p-8 * Math.abs(orig), orig + " -> " + got);
                } else {
                    float scale = m.scale(j);
                    assertEquals((float) (max / 127), scale, 1e-6 * max, "scale of column " + j);
                    double q = got / scale;
                    assertTrue(Math.abs(q) <= 127.0001 && Math.abs(q - Math.rint(q)) < 1e-3, "q = " + q);
                    assertTrue(Math.abs(got - orig) <= scale * 0.5001, orig + " -> " + got + ", scale " + scale);
                }
            }
        }
        long panels = (cols + 15) / 16;
        long expected = precision == Precision.BF16 ? 4 * panels * 16 * ((rows + 1) / 2) // two weights per int
                : panels * 16 * rows + 4 * panels * 16; // a byte per weight, plus the scales
        assertEquals(expected, m.weightBytes(), "bytes streamed by a " + precision + " product");
    }

    /**
     * The accuracy each precision promises, against the exact product of the original float32 weights: bfloat16
     * within {@code 2^-8 * sum_k |x[k] W[k, n]|} (each weight's rounding), int8 within {@code scale[n] / 2 * sum_k |x[k]|}
     * (half a step per weight), plus the float32 sum's own bound.
     */
    @Property(tries = 150)
    void quantizedProductIsWithinThePrecisionsBound(@ForAll("quantized") Precision precision, @ForAll("sizes") int rows,
                                                    @ForAll("sizes") int cols, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = TestData.uniform(r, rows * cols, -1, 1);
        float[] x = TestData.uniform(r, rows, -2, 2);
        Kernels k = VECTOR.withPrecision(precision);
        PackedMatrix m = k.pack(rows, cols, (i, j) -> w[i * cols + j], null);
        float[] y = new float[cols];
        k.matVec(m, x, 0, y, 0, false);
        for (int n = 0; n < cols; n++) {
            double exact = 0;
            double magnitude = 0;
            double sumX = 0;
            for (int i = 0; i < rows; i++) {
                exact += (double) x[i] * w[i * cols + n];
                magnitude += Math.abs((double) x[i] * w[i * cols + n]);
                sumX += Math.abs(x[i]);
            }
            double rounding = precision == Precision.BF16 ? 0x1p-8 * magnitude : m.scale(n) / 2.0 * sumX;
            double bound = rounding * (1 + 1e-6) + (rows + 4) * 0x1p-24 * (magnitude + rounding) + Float.MIN_NORMAL;
            assertTrue(Math.abs(y[n] - exact) <= bound, precision + " [" + rows + "x" + cols + "] col " + n + ": got " + y[n] + ", exact " + exact
                    + ", bound " + bound);
        }
    }

    @Property(tries = 20)
    void int8RefusesNonFiniteAndBf16RefusesOverflow(@ForAll @IntRange(min = 1, max = 40) int rows, @ForAll @IntRange(min = 1, max = 40) int cols) {
        float[] w = new float[rows * cols];
        w[w.length - 1] = Float.NaN;
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PackedMatrix.pack(rows, cols, 16, Precision.INT8, (i, j) -> w[i * cols + j], null));
        assertTrue(e.getMessage().contains("W[" + (rows - 1) + ", " + (cols - 1) + "]"), e.getMessage());
        w[w.length - 1] = Float.MAX_VALUE;
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PackedMatrix.pack(rows, cols, 16, Precision.BF16, (i, j) -> w[i * cols + j], null));
        assertTrue(e.getMessage().contains("overflows bfloat16"), e.getMessage());
    }

    @Property(tries = 250)
    void matMulMatchesExactProduct(@ForAll("sizes") int rows, @ForAll("sizes") int cols, @ForAll @IntRange(min = 1, max = 65) int batch,
                                   @ForAll boolean accumulate, @ForAll boolean withBias, @ForAll @IntRange(max = 3) int xOff,
                                   @ForAll @IntRange(max = 3) int yOff, @ForAll @IntRange(max = 7) int xPad, @ForAll @IntRange(max = 7) int yPad,
                                   @ForAll long seed) {
        if ((long) rows * cols * batch > 4_000_000) {
            rows = Math.min(rows, 64);
        }
        check(Precision.FP32, rows, cols, batch, accumulate, withBias, xOff, yOff, rows + xPad, cols + yPad, seed);
    }

    /**
     * {@link Kernels#rowBlock()}: in any batch that is a multiple of it, a row's product is bit for bit the same whatever
     * its position, the batch size and the other rows (the promise a multi-key service pads its batches on), for every
     * precision and for products narrower than, as wide as and wider than one panel.
     */
    @Property(tries = 200)
    void aRowsProductIsTheSameInEveryBatchOfWholeRowBlocks(@ForAll("precisions") Precision precision, @ForAll("sizes") int rows,
                                                           @ForAll("sizes") int cols, @ForAll @IntRange(min = 1, max = 20) int blocks,
                                                           @ForAll @IntRange(min = 0, max = 1000) int position,
                                                           @ForAll boolean accumulate, @ForAll long seed) {
        rows = Math.min(rows, 256);
        for (Kernels k : new Kernels[] {VECTOR.withPrecision(precision), SCALAR.withPrecision(precision)}) {
            int block = k.rowBlock();
            assertTrue(block >= 1, k.name() + ": row block " + block);
            SplittableRandom r = new SplittableRandom(seed);
            float[] w = TestData.uniform(r, rows * cols, -1, 1);
            PackedMatrix m = k.pack(rows, cols, (i, j) -> w[i * cols + j], TestData.uniform(r, cols, -1, 1));
            float[] row = TestData.uniform(r, rows, -2, 2);
            float[] yRow = TestData.uniform(r, cols, -1, 1);
            // The row alone at the front of one block.
            float[] x1 = TestData.uniform(r, block * rows, -2, 2);
            float[] y1 = TestData.uniform(r, block * cols, -1, 1);
            System.arraycopy(row, 0, x1, 0, rows);
            System.arraycopy(yRow, 0, y1, 0, cols);
            if (block == 1) {
                k.matVec(m, x1, 0, y1, 0, accumulate);
            } else {
                k.matMul(m, x1, 0, rows, block, y1, 0, cols, accumulate);
            }
            // The same row at another position of a bigger batch of other rows.
            int batch = blocks * block;
            int at = position % batch;
            float[] x2 = TestData.uniform(r, batch * rows, -2, 2);
            float[] y2 = TestData.uniform(r, batch * cols, -1, 1);
            System.arraycopy(row, 0, x2, at * rows, rows);
            System.arraycopy(yRow, 0, y2, at * cols, cols);
            if (batch == 1) {
                k.matVec(m, x2, 0, y2, 0, accumulate);
            } else {
                k.matMul(m, x2, 0, rows, batch, y2, 0, cols, accumulate);
            }
            for (int j = 0; j < cols; j++) {
                if (Float.floatToRawIntBits(y1[j]) != Float.floatToRawIntBits(y2[at * cols + j])) {
                    fail(k.name() + " " + precision + " " + rows + "x" + cols + ": column " + j + " of a row is " + y1[j]
                            + " in a batch of " + block + " and " + y2[at * cols + j] + " at row " + at + " of a batch of " + batch);
                }
            }
        }
    }

    @Provide
    Arbitrary<Precision> precisions() {
        return Arbitraries.of(Precision.values());
    }

    private static void check(Precision precision, int rows, int cols, int batch, boolean accumulate, boolean withBias, int xOff, int yOff,
                              int xStride, int yStride, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = TestData.uniform(r, rows * cols, -1, 1);
        float[] bias = withBias ? TestData.uniform(r, cols, -1, 1) : null;
        float[] x = TestData.uniform(r, xOff + batch * xStride, -2, 2);
        float[] y0 = TestData.uniform(r, yOff + batch * yStride + 3, -1, 1);
        // Canaries everywhere the product must not write.
        for (int i = 0; i < y0.length; i++) {
            int rel = i - yOff;
            if (rel < 0 || rel >= batch * yStride || rel % yStride >= cols) {
                y0[i] = CANARY;
            }
        }
        for (Kernels k : new Kernels[] {VECTOR.withPrecision(precision), SCALAR.withPrecision(precision)}) {
            PackedMatrix m = k.pack(rows, cols, (i, j) -> w[i * cols + j], bias);
            assertEquals(precision, m.precision());
            float[] y = y0.clone();
            if (batch == 1) {
                k.matVec(m, x, xOff, y, yOff, accumulate);
            } else {
                k.matMul(m, x, xOff, xStride, batch, y, yOff, yStride, accumulate);
            }
            for (int i = 0; i < y.length; i++) {
                int rel = i - yOff;
                if (rel < 0 || rel >= batch * yStride || rel % yStride >= cols) {
                    assertEquals(CANARY, y[i], k.name() + " wrote outside the output rows at index " + i);
                    continue;
                }
                int b = rel / yStride;
                int n = rel % yStride;
                double yPrev = accumulate ? y0[i] : 0;
                double b0 = bias == null ? 0 : bias[n];
                double exact = yPrev + b0;
                double magnitude = Math.abs(yPrev) + Math.abs(b0);
                for (int kk = 0; kk < rows; kk++) {
                    // The weight the matrix stores (int8: q * scale, rounded once more than the kernel's sum, hence + 2 below).
                    double t = (double) x[xOff + b * xStride + kk] * m.get(kk, n);
                    exact += t;
                    magnitude += Math.abs(t);
                }
                double bound = (rows + (precision == Precision.INT8 ? 4 : 2)) * 0x1p-24 * magnitude + Float.MIN_NORMAL;
                if (!(Math.abs(y[i] - exact) <= bound)) {
                    fail(k.name() + " " + precision + " [" + rows + "x" + cols + "] batch " + batch + " row " + b + " col " + n + ": got " + y[i]
                            + ", exact " + exact + ", error " + Math.abs(y[i] - exact) + " > bound " + bound);
                }
            }
        }
    }

    @Property(tries = 50)
    void packingRoundTrips(@ForAll("sizes") int rows, @ForAll("sizes") int cols, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = TestData.uniform(r, rows * cols, -1, 1);
        float[] wt = new float[w.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                wt[j * rows + i] = w[i * cols + j];
            }
        }
        PackedMatrix a = PackedMatrix.fromRowMajor(w, rows, cols, null, 32);
        PackedMatrix b = PackedMatrix.fromTransposed(wt, rows, cols, null, 16);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                assertEquals(w[i * cols + j], a.get(i, j));
                assertEquals(w[i * cols + j], b.get(i, j));
            }
        }
        assertTrue(a.weightBytes() >= 4L * rows * cols);
    }
}
