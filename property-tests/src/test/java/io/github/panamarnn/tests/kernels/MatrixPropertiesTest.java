package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;
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

    @Provide
    Arbitrary<Integer> sizes() {
        return Arbitraries.oneOf(Arbitraries.of(Arrays.stream(TestData.AWKWARD_SIZES).boxed().toList()),
                Arbitraries.integers().between(1, 160), Arbitraries.of(512, 702, 1024));
    }

    @Property(tries = 300)
    void matVecMatchesExactProduct(@ForAll("sizes") int rows, @ForAll("sizes") int cols, @ForAll boolean accumulate,
                                   @ForAll boolean withBias, @ForAll @IntRange(max = 5) int xOff, @ForAll @IntRange(max = 5) int yOff,
                                   @ForAll long seed) {
        check(rows, cols, 1, accumulate, withBias, xOff, yOff, rows + xOff, cols + yOff, seed);
    }

    @Property(tries = 250)
    void matMulMatchesExactProduct(@ForAll("sizes") int rows, @ForAll("sizes") int cols, @ForAll @IntRange(min = 1, max = 64) int batch,
                                   @ForAll boolean accumulate, @ForAll boolean withBias, @ForAll @IntRange(max = 3) int xOff,
                                   @ForAll @IntRange(max = 3) int yOff, @ForAll @IntRange(max = 7) int xPad, @ForAll @IntRange(max = 7) int yPad,
                                   @ForAll long seed) {
        if ((long) rows * cols * batch > 4_000_000) {
            rows = Math.min(rows, 64);
        }
        check(rows, cols, batch, accumulate, withBias, xOff, yOff, rows + xPad, cols + yPad, seed);
    }

    private static void check(int rows, int cols, int batch, boolean accumulate, boolean withBias, int xOff, int yOff,
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
        for (Kernels k : new Kernels[] {VECTOR, SCALAR}) {
            PackedMatrix m = k.pack(rows, cols, (i, j) -> w[i * cols + j], bias);
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
                    double t = (double) x[xOff + b * xStride + kk] * w[kk * cols + n];
                    exact += t;
                    magnitude += Math.abs(t);
                }
                double bound = (rows + 2) * 0x1p-24 * magnitude + Float.MIN_NORMAL;
                if (!(Math.abs(y[i] - exact) <= bound)) {
                    fail(k.name() + " [" + rows + "x" + cols + "] batch " + batch + " row " + b + " col " + n + ": got " + y[i]
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
