package io.github.panamarnn.tests.cells;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.DropoutWrapper;
import io.github.panamarnn.cells.EmbeddingWrapper;
import io.github.panamarnn.cells.LayerNormSimpleRnnCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.ProjectionWrapper;
import io.github.panamarnn.cells.ResidualWrapper;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.tests.AllocationMeter;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The wrappers and the layer-normalised cell against their definitions (SEMANTICS.md 2 and 4). */
class WrapperPropertiesTest {

    static LstmCell lstm(int in, int units, SplittableRandom r) {
        return LstmCell.tf1Basic(in, units, CellPropertiesTest.rand(r, (in + units) * 4 * units, 0.6), CellPropertiesTest.rand(r, 4 * units, 0.5),
                1f, Activation.TANH);
    }

    /** Runs one step of {@code cell} from a copy of {@code from}'s parts; returns the output. */
    static float[] stepFrom(RnnCell cell, CellState from, float[] x, CellState into) {
        for (int i = 0; i < from.partCount(); i++) {
            into.setPart(i, from.part(i).clone());
        }
        float[] y = new float[from.batch() * cell.outputSize()];
        cell.step(x, 0, into, y, 0);
        return y;
    }

    @Property(tries = 60)
    void residualAddsTheInputAndKeepsTheInnerState(@ForAll @IntRange(min = 1, max = 40) int units, @ForAll @IntRange(min = 1, max = 4) int batch,
                                                   @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LstmCell inner = lstm(units, units, r);
        ResidualWrapper res = new ResidualWrapper(inner);
        CellState s0 = inner.zeroState(batch);
        s0.setPart(0, CellPropertiesTest.rand(r, batch * units, 1));
        s0.setPart(1, CellPropertiesTest.rand(r, batch * units, 1));
        float[] x = CellPropertiesTest.rand(r, batch * units, 1);
        CellState a = res.zeroState(batch);
        CellState b = inner.zeroState(batch);
        float[] ya = stepFrom(res, s0, x, a);
        float[] yb = stepFrom(inner, s0, x, b);
        for (int i = 0; i < ya.length; i++) {
            assertEquals(yb[i] + x[i], ya[i]);
        }
        assertArrayEquals(b.part(1), a.part(1), "the state is the inner h, without the residual");
        assertThrows(IllegalArgumentException.class, () -> new ResidualWrapper(lstm(3, 4, r)));
    }

    @Property(tries = 60)
    void projectionsAreDenseLayersAroundTheCell(@ForAll @IntRange(min = 1, max = 30) int in, @ForAll @IntRange(min = 1, max = 30) int units,
                                                @ForAll @IntRange(min = 1, max = 40) int outSize, @ForAll @IntRange(min = 1, max = 4) int batch,
                                                @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LstmCell inner = lstm(in, units, r);
        float[] kernel = CellPropertiesTest.rand(r, units * outSize, 0.5);
        float[] bias = CellPropertiesTest.rand(r, outSize, 0.5);
        ProjectionWrapper outProj = ProjectionWrapper.output(inner, outSize, kernel, bias);
        float[] x = CellPropertiesTest.rand(r, batch * in, 1);
        float[] h = new float[batch * units];
        inner.step(x, 0, inner.zeroState(batch), h, 0);
        float[] y = new float[batch * outSize];
        outProj.step(x, 0, outProj.zeroState(batch), y, 0);
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < outSize; j++) {
                double e = bias[j];
                for (int k = 0; k < units; k++) {
                    e += (double) h[b * units + k] * kernel[k * outSize + j];
                }
                assertEquals(e, y[b * outSize + j], 1e-5 * (1 + Math.abs(e)));
            }
        }
        int raw = 1 + r.nextInt(20);
        float[] ik = CellPropertiesTest.rand(r, raw * in, 0.5);
        ProjectionWrapper inProj = ProjectionWrapper.input(inner, raw, ik, null);
        float[] xr = CellPropertiesTest.rand(r, batch * raw, 1);
        float[] projected = new float[batch * in];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < in; j++) {
                double e = 0;
                for (int k = 0; k < raw; k++) {
                    e += (double) xr[b * raw + k] * ik[k * in + j];
                }
                projected[b * in + j] = (float) e;
            }
        }
        float[] y1 = new float[batch * units];
        float[] y2 = new float[batch * units];
        inProj.step(xr, 0, inProj.zeroState(batch), y1, 0);
        inner.step(projected, 0, inner.zeroState(batch), y2, 0);
        for (int i = 0; i < y1.length; i++) {
            assertEquals(y2[i], y1[i], 2e-5);
        }
    }

    @Property(tries = 40)
    void dropoutIsTheIdentityAtInferenceAndNeverDropsC(@ForAll @IntRange(min = 1, max = 30) int units, @ForAll @IntRange(min = 1, max = 4) int batch,
                                                       @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LstmCell inner = lstm(units, units, r);
        float[] x = CellPropertiesTest.rand(r, batch * units, 1);
        CellState s0 = inner.zeroState(batch);
        s0.setPart(0, CellPropertiesTest.rand(r, batch * units, 1));
        s0.setPart(1, CellPropertiesTest.rand(r, batch * units, 1));
        DropoutWrapper id = DropoutWrapper.inference(inner);
        CellState b = inner.zeroState(batch);
        float[] yInner = stepFrom(inner, s0, x, b);
        assertArrayEquals(yInner, stepFrom(id, s0, x, id.zeroState(batch)));
        // Monte-Carlo on the state only: c untouched, h kept (scaled by 2) or zeroed; same seed, same masks.
        DropoutWrapper mc = DropoutWrapper.monteCarlo(inner, 1f, 1f, 0.5f, seed, false);
        CellState m = mc.zeroState(batch);
        stepFrom(mc, s0, x, m);
        assertArrayEquals(b.part(0), m.part(0), "dropout never touches the LSTM c state");
        for (int i = 0; i < batch * units; i++) {
            float hv = m.part(1)[i];
            assertTrue(hv == 0f || hv == 2 * b.part(1)[i], "h is dropped or scaled by 1/keep: " + hv + " vs " + b.part(1)[i]);
        }
        CellState m2 = mc.zeroState(batch);
        stepFrom(mc, s0, x, m2);
        assertArrayEquals(m.part(1), m2.part(1), "seeded: the same masks");
        assertThrows(IllegalArgumentException.class, () -> DropoutWrapper.monteCarlo(inner, 0f, 1f, 1f, 1, false));
    }

    @Example
    void embeddingLooksUpRowsAndRejectsUnknownIds() {
        SplittableRandom r = new SplittableRandom(3);
        LstmCell inner = lstm(5, 7, r);
        float[] table = CellPropertiesTest.rand(r, 11 * 5, 1);
        EmbeddingWrapper emb = new EmbeddingWrapper(inner, 11, 5, table);
        float[] rows = new float[2 * 5];
        System.arraycopy(table, 4 * 5, rows, 0, 5);
        System.arraycopy(table, 10 * 5, rows, 5, 5);
        float[] y1 = new float[14];
        float[] y2 = new float[14];
        emb.stepIds(new int[] {4, 10}, 0, emb.zeroState(2), y1, 0);
        inner.step(rows, 0, inner.zeroState(2), y2, 0);
        assertArrayEquals(y2, y1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> emb.stepIds(new int[] {4, 11}, 0, emb.zeroState(2), y1, 0));
        assertTrue(e.getMessage().contains("11") && e.getMessage().contains("row 1"), e.getMessage());
    }

    @Property(tries = 60)
    void layerNormCellMatchesItsDefinition(@ForAll @IntRange(min = 1, max = 30) int in, @ForAll @IntRange(min = 2, max = 40) int units,
                                           @ForAll @IntRange(min = 1, max = 4) int batch, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] k = CellPropertiesTest.rand(r, in * units, 0.7);
        float[] rk = CellPropertiesTest.rand(r, units * units, 0.7);
        float[] b = CellPropertiesTest.rand(r, units, 0.5);
        float[] g = CellPropertiesTest.rand(r, units, 1.5);
        float[] be = CellPropertiesTest.rand(r, units, 0.5);
        LayerNormSimpleRnnCell cell = LayerNormSimpleRnnCell.keras(in, units, k, rk, b, g, be, 1e-3f, Activation.TANH);
        CellState s = cell.zeroState(batch);
        double[] h = new double[batch * units];
        float[] y = new float[batch * units];
        for (int t = 0; t < 3; t++) {
            float[] x = CellPropertiesTest.rand(r, batch * in, 1.5);
            cell.step(x, 0, s, y, 0);
            double[] next = new double[h.length];
            for (int row = 0; row < batch; row++) {
                double[] z = new double[units];
                double mean = 0;
                for (int j = 0; j < units; j++) {
                    double v = b[j];
                    for (int i = 0; i < in; i++) {
                        v += (double) x[row * in + i] * k[i * units + j];
                    }
                    for (int i = 0; i < units; i++) {
                        v += h[row * units + i] * rk[i * units + j];
                    }
                    z[j] = v;
                    mean += v / units;
                }
                double var = 0;
                for (int j = 0; j < units; j++) {
                    var += (z[j] - mean) * (z[j] - mean) / units;
                }
                for (int j = 0; j < units; j++) {
                    next[row * units + j] = Math.tanh((z[j] - mean) / Math.sqrt(var + 1e-3) * g[j] + be[j]);
                }
            }
            h = next;
            for (int i = 0; i < y.length; i++) {
                assertEquals(h[i], y[i], 5e-5 + 1e-4 * Math.abs(h[i]), "step " + t + " element " + i);
            }
        }
    }

    @Example
    void wrappersAllocateNothingPerStep() {
        SplittableRandom r = new SplittableRandom(5);
        LstmCell inner = lstm(13, 13, r);
        RnnCell[] cells = {new ResidualWrapper(inner), ProjectionWrapper.output(inner, 9, CellPropertiesTest.rand(r, 13 * 9, 0.5), null),
            ProjectionWrapper.input(inner, 6, CellPropertiesTest.rand(r, 6 * 13, 0.5), null), DropoutWrapper.inference(inner),
            DropoutWrapper.monteCarlo(inner, 0.9f, 0.8f, 0.7f, 42, false),
            LayerNormSimpleRnnCell.keras(13, 13, CellPropertiesTest.rand(r, 169, 0.5), CellPropertiesTest.rand(r, 169, 0.5), null,
                    CellPropertiesTest.rand(r, 13, 1), CellPropertiesTest.rand(r, 13, 1), 1e-3f, Activation.TANH)};
        for (RnnCell c : cells) {
            CellState s = c.zeroState(3);
            float[] x = CellPropertiesTest.rand(r, 3 * c.inputSize(), 1);
            float[] y = new float[3 * c.outputSize()];
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> c.step(x, 0, s, y, 0)), c + " allocated");
        }
    }
}
