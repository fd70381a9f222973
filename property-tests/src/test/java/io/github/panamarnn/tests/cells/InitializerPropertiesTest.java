package io.github.panamarnn.tests.cells;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.kernels.KernelProvider;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Initializers follow their definitions and are reproducible; a cell on the scalar kernels computes the same step. */
class InitializerPropertiesTest {

    @Property(tries = 50)
    void orthogonalHasOrthonormalRowsOrColumns(@ForAll @IntRange(min = 1, max = 40) int rows, @ForAll @IntRange(min = 1, max = 40) int cols,
                                               @ForAll long seed) {
        float[] q = Initializers.orthogonal(1f, seed).make(rows, cols);
        boolean byColumns = rows >= cols;
        int n = Math.min(rows, cols);
        int len = Math.max(rows, cols);
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double dot = 0;
                for (int i = 0; i < len; i++) {
                    dot += byColumns ? (double) q[i * cols + a] * q[i * cols + b] : (double) q[a * cols + i] * q[b * cols + i];
                }
                assertEquals(a == b ? 1 : 0, dot, 1e-5, "Q^T Q at " + a + "," + b);
            }
        }
        assertArrayEquals(q, Initializers.orthogonal(1f, seed).make(rows, cols), "seeded: reproducible");
    }

    @Property(tries = 30)
    void glorotAndUniformStayInRange(@ForAll @IntRange(min = 1, max = 50) int rows, @ForAll @IntRange(min = 1, max = 50) int cols, @ForAll long seed) {
        float limit = (float) Math.sqrt(6.0 / (rows + cols));
        for (float v : Initializers.glorotUniform(seed).make(rows, cols)) {
            assertTrue(Math.abs(v) <= limit, v + " outside +-" + limit);
        }
        for (float v : Initializers.uniform(-0.05f, 0.05f, seed).make(rows, cols)) {
            assertTrue(v >= -0.05f && v < 0.05f);
        }
    }

    @Example
    void constantsAndDefaults() {
        assertArrayEquals(new float[6], Initializers.zeros().make(2, 3));
        assertArrayEquals(new float[] {1, 1, 1, 1}, Initializers.ones().make(2, 2));
        float[] n = Initializers.normal(2f, 0.5f, 9).make(100, 100);
        double mean = 0;
        for (float v : n) {
            mean += v / n.length;
        }
        assertEquals(2.0, mean, 0.02);
    }

    @Property(tries = 40)
    void aCellOnTheScalarKernelsComputesTheSameStep(@ForAll @IntRange(min = 0, max = 2) int family, @ForAll @IntRange(min = 1, max = 40) int units,
                                                    @ForAll @IntRange(min = 1, max = 5) int batch, @ForAll long seed) {
        RnnCell v = switch (family) {
            case 0 -> Initializers.kerasLstm(units, units, seed);
            case 1 -> Initializers.tf1Gru(units, units, seed);
            default -> Initializers.kerasSimpleRnn(units, units, seed);
        };
        RnnCell s = switch (family) {
            case 0 -> ((LstmCell) v).using(KernelProvider.scalar());
            case 1 -> ((GruCell) v).using(KernelProvider.scalar());
            default -> ((SimpleRnnCell) v).using(KernelProvider.scalar());
        };
        float[] x = CellPropertiesTest.rand(new SplittableRandom(seed), batch * units, 1.5);
        CellState sv = v.zeroState(batch);
        CellState ss = s.zeroState(batch);
        float[] yv = new float[batch * units];
        float[] ys = new float[batch * units];
        for (int t = 0; t < 3; t++) {
            v.step(x, 0, sv, yv, 0);
            s.step(x, 0, ss, ys, 0);
            for (int i = 0; i < yv.length; i++) {
                assertEquals(ys[i], yv[i], 2e-6 + 1e-5 * Math.abs(ys[i]), "step " + t + " element " + i);
            }
        }
    }
}
