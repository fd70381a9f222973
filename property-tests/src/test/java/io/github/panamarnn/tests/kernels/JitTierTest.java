package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;
import io.github.panamarnn.kernels.Precision;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The vector kernels give the same bits before and after the JIT compiles them: every product (batch 1 and 7; wide,
 * narrow and narrower than a vector; each precision) in a fresh JVM, first on its first (interpreted) call, then after
 * 20,000 calls with {@code -Xbatch} (C2 has compiled it). A reduction whose order differs between the interpreter and
 * C2 ({@code reduceLanes(ADD)} did) would give a stream other numbers after its warm-up than before, and a replay other
 * numbers than the original. Run in a child JVM at the preferred width and at each narrower one.
 */
class JitTierTest {

    @Test
    void productsGiveTheSameBitsInterpretedAndCompiled() throws Exception {
        int preferred = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        for (int bits : new int[] {128, 256, 512}) {
            if (bits > preferred) {
                System.out.println("JitTierTest: " + bits + "-bit vectors skipped: this CPU's preferred species is " + preferred + " bits");
                continue;
            }
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules=jdk.incubator.vector", "-Xbatch", "-Dpanamarnn.vectorBits=" + bits, "-Dpanamarnn.requireVector=true",
                    "-cp", System.getProperty("java.class.path"), JitTierTest.class.getName()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the child JVM did not end");
            assertEquals(0, p.exitValue(), bits + "-bit vectors:\n" + out);
            assertTrue(out.contains("products compared:"), out);
        }
    }

    /** The child: compares each product's first call with its result after 20,000 calls; exit 1 on any difference. */
    public static void main(String[] args) {
        Kernels vector = KernelProvider.get();
        SplittableRandom r = new SplittableRandom(11);
        int compared = 0;
        int differing = 0;
        for (Precision precision : Precision.values()) {
            Kernels k = vector.withPrecision(precision);
            for (int[] shape : new int[][] {{37, 3}, {256, 15}, {41, 37}, {100, 100}, {64, 700}}) {
                int rows = shape[0];
                int cols = shape[1];
                float[] w = TestData.uniform(r, rows * cols, -1, 1);
                PackedMatrix m = k.pack(rows, cols, (i, j) -> w[i * cols + j], TestData.uniform(r, cols, -1, 1));
                for (int batch : new int[] {1, 7}) {
                    float[] x = TestData.uniform(r, batch * rows, -2, 2);
                    float[] first = new float[batch * cols];
                    call(k, m, x, batch, first);
                    float[] y = new float[batch * cols];
                    for (int i = 0; i < 20_000; i++) {
                        call(k, m, x, batch, y);
                    }
                    compared++;
                    for (int i = 0; i < y.length; i++) {
                        if (Float.floatToRawIntBits(first[i]) != Float.floatToRawIntBits(y[i])) {
                            differing++;
                            System.out.println("DIFF " + k.name() + " " + precision + " " + rows + "x" + cols + " batch " + batch + " value " + i
                                    + ": first call " + first[i] + ", compiled " + y[i]);
                            break;
                        }
                    }
                }
            }
        }
        System.out.println(vector.name() + ": products compared: " + compared + ", differing: " + differing);
        System.exit(differing == 0 ? 0 : 1);
    }

    /** Overwrites {@code y} with the product (not accumulating, so every call computes the same thing). */
    private static void call(Kernels k, PackedMatrix m, float[] x, int batch, float[] y) {
        if (batch == 1) {
            k.matVec(m, x, 0, y, 0, false);
        } else {
            k.matMul(m, x, 0, m.rows(), batch, y, 0, m.cols(), false);
        }
    }
}
