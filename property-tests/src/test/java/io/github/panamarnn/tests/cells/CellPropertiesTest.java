package io.github.panamarnn.tests.cells;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.kernels.Activation;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Every cell family and option against the double-precision reference written from SEMANTICS.md
 * in the framework's own layout ({@link ReferenceCells}), over random sizes (1 and non-multiples of
 * 8 included), batches, weights and initial states, for a few steps; plus: a batch row does not
 * depend on the other rows, flat and tuple states agree, wrong shapes are rejected with both numbers.
 */
class CellPropertiesTest {
    /** Per step, against a double reference: the cases README's tolerance for short sequences. */
    private static final double ATOL = 2e-5;
    private static final double RTOL = 1e-4;

    interface Reference {
        double[] step(double[] x);
    }

    record Pair(RnnCell cell, Reference ref, CellState state, double[][] refState, int[] partOrder) {
    }

    @Provide
    Arbitrary<Integer> sizes() {
        return Arbitraries.of(1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 24, 31, 32, 33, 40, 64); // 32, 64: whole step tiles at every width
    }

    @Provide
    Arbitrary<String> families() {
        return Arbitraries.of("tf1-lstm", "keras-lstm", "onnx-lstm", "torch-lstm", "tf1-gru", "keras-gru-after", "keras-gru-before",
                "onnx-gru-lbr0", "onnx-gru-lbr1", "torch-gru", "tf1-rnn", "keras-rnn", "onnx-rnn", "torch-rnn");
    }

    static float[] rand(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** Builds a cell of {@code family} and its reference over the same random weights and initial state. */
    static Pair build(String family, int in, int u, int batch, SplittableRandom r) {
        double s = 1.5 / Math.sqrt(in + u);
        String[] gateActs = {"sigmoid", "hard_sigmoid"};
        String[] cellActs = {"tanh", "relu"};
        switch (family) {
            case "tf1-lstm": {
                boolean peep = r.nextBoolean();
                int proj = r.nextBoolean() ? 1 + r.nextInt(u + 3) : 0;
                int hd = proj > 0 ? proj : u;
                float fb = r.nextInt(3) * 0.5f;
                double cellClip = r.nextBoolean() ? 0.3 + r.nextDouble() : Double.POSITIVE_INFINITY;
                double projClip = proj > 0 && r.nextBoolean() ? 0.2 + r.nextDouble() : Double.POSITIVE_INFINITY;
                float[] k = rand(r, (in + hd) * 4 * u, s);
                float[] b = rand(r, 4 * u, 0.5);
                float[] wi = peep ? rand(r, u, 0.5) : null;
                float[] wf = peep ? rand(r, u, 0.5) : null;
                float[] wo = peep ? rand(r, u, 0.5) : null;
                float[] p = proj > 0 ? rand(r, u * proj, 1 / Math.sqrt(u)) : null;
                LstmCell.Tf1Options o = new LstmCell.Tf1Options(in, u).forgetBias(fb).usePeepholes(peep);
                if (cellClip != Double.POSITIVE_INFINITY) {
                    o.cellClip((float) cellClip);
                }
                if (proj > 0) {
                    o.numProj(proj);
                    if (projClip != Double.POSITIVE_INFINITY) {
                        o.projClip((float) projClip);
                    }
                }
                double cc = cellClip == Double.POSITIVE_INFINITY ? cellClip : (float) cellClip;
                double pc = projClip == Double.POSITIVE_INFINITY ? projClip : (float) projClip;
                LstmCell cell = LstmCell.tf1(o, k, b, wf, wi, wo, p);
                double[] c = new double[batch * u];
                double[] h = new double[batch * hd];
                return new Pair(cell, x -> ReferenceCells.tf1Lstm(in, u, proj, k, b, fb, wi, wf, wo, cc, p, pc, x, c, h, batch),
                        cell.zeroState(batch), new double[][] {c, h}, new int[] {0, 1});
            }
            case "keras-lstm": {
                String a = cellActs[r.nextInt(2)];
                String ra = gateActs[r.nextInt(2)];
                float[] k = rand(r, in * 4 * u, s);
                float[] rk = rand(r, u * 4 * u, s);
                float[] b = r.nextInt(4) == 0 ? null : rand(r, 4 * u, 0.5);
                LstmCell cell = LstmCell.keras(in, u, k, rk, b, Activation.named(a), ra.equals("hard_sigmoid") ? Activation.HARD_SIGMOID
                        : Activation.SIGMOID);
                double[] c = new double[batch * u];
                double[] h = new double[batch * u];
                return new Pair(cell, x -> ReferenceCells.kerasLstm(in, u, k, rk, b, a, ra, x, c, h, batch), cell.zeroState(batch),
                        new double[][] {c, h}, new int[] {0, 1});
            }
            case "onnx-lstm": {
                float[] w = rand(r, 4 * u * in, s);
                float[] rr = rand(r, 4 * u * u, s);
                float[] b = r.nextInt(4) == 0 ? null : rand(r, 8 * u, 0.5);
                float[] p = r.nextBoolean() ? rand(r, 3 * u, 0.5) : null;
                double clip = r.nextBoolean() ? 0.5 + 2 * r.nextDouble() : Double.POSITIVE_INFINITY;
                boolean inf = r.nextInt(4) == 0;
                String f = gateActs[r.nextInt(2)];
                String g = cellActs[r.nextInt(2)];
                String ha = cellActs[r.nextInt(2)];
                LstmCell cell = LstmCell.onnx(in, u, w, rr, b, p, clip == Double.POSITIVE_INFINITY ? Float.POSITIVE_INFINITY : (float) clip, inf,
                        Activation.named(f.equals("hard_sigmoid") ? "HardSigmoid" : f), Activation.named(g), Activation.named(ha));
                double cl = clip == Double.POSITIVE_INFINITY ? clip : (float) clip;
                double[] c = new double[batch * u];
                double[] h = new double[batch * u];
                return new Pair(cell, x -> ReferenceCells.onnxLstm(in, u, w, rr, b, p, cl, inf, f, g, ha, x, c, h, batch), cell.zeroState(batch),
                        new double[][] {c, h}, new int[] {0, 1});
            }
            case "torch-lstm": {
                int proj = r.nextBoolean() && u > 1 ? 1 + r.nextInt(u - 1) : 0;
                int hd = proj > 0 ? proj : u;
                float[] wih = rand(r, 4 * u * in, s);
                float[] whh = rand(r, 4 * u * hd, s);
                float[] bih = rand(r, 4 * u, 0.3);
                float[] bhh = rand(r, 4 * u, 0.3);
                float[] whr = proj > 0 ? rand(r, proj * u, 1 / Math.sqrt(u)) : null;
                LstmCell cell = LstmCell.torch(in, u, proj, wih, whh, bih, bhh, whr);
                double[] c = new double[batch * u];
                double[] h = new double[batch * hd];
                return new Pair(cell, x -> ReferenceCells.torchLstm(in, u, proj, wih, whh, bih, bhh, whr, x, c, h, batch), cell.zeroState(batch),
                        new double[][] {c, h}, new int[] {0, 1});
            }
            case "tf1-gru": {
                String a = cellActs[r.nextInt(2)];
                float[] gk = rand(r, (in + u) * 2 * u, s);
                float[] gb = rand(r, 2 * u, 1);
                float[] ck = rand(r, (in + u) * u, s);
                float[] cb = rand(r, u, 0.5);
                GruCell cell = GruCell.tf1(in, u, gk, gb, ck, cb, Activation.named(a));
                double[] h = new double[batch * u];
                return new Pair(cell, x -> ReferenceCells.tf1Gru(in, u, gk, gb, ck, cb, a, x, h, batch), cell.zeroState(batch), new double[][] {h},
                        new int[] {0});
            }
            case "keras-gru-after", "keras-gru-before": {
                boolean after = family.endsWith("after");
                String a = cellActs[r.nextInt(2)];
                String ra = gateActs[r.nextInt(2)];
                float[] k = rand(r, in * 3 * u, s);
                float[] rk = rand(r, u * 3 * u, s);
                float[] b = r.nextInt(4) == 0 ? null : rand(r, (after ? 6 : 3) * u, 0.5);
                GruCell cell = GruCell.keras(in, u, after, k, rk, b, Activation.named(a), ra.equals("hard_sigmoid") ? Activation.HARD_SIGMOID
                        : Activation.SIGMOID);
                double[] h = new double[batch * u];
                return new Pair(cell, x -> ReferenceCells.kerasGru(in, u, after, k, rk, b, a, ra, x, h, batch), cell.zeroState(batch),
                        new double[][] {h}, new int[] {0});
            }
            case "onnx-gru-lbr0", "onnx-gru-lbr1": {
                boolean lbr = family.endsWith("1");
                float[] w = rand(r, 3 * u * in, s);
                float[] rr = rand(r, 3 * u * u, s);
                float[] b = r.nextInt(4) == 0 ? null : rand(r, 6 * u, 0.5);
                double clip = r.nextBoolean() ? 0.5 + 2 * r.nextDouble() : Double.POSITIVE_INFINITY;
                String f = gateActs[r.nextInt(2)];
                String g = cellActs[r.nextInt(2)];
                GruCell cell = GruCell.onnx(in, u, w, rr, b, lbr, clip == Double.POSITIVE_INFINITY ? Float.POSITIVE_INFINITY : (float) clip,
                        Activation.named(f.equals("hard_sigmoid") ? "HardSigmoid" : f), Activation.named(g));
                double cl = clip == Double.POSITIVE_INFINITY ? clip : (float) clip;
                double[] h = new double[batch * u];
                return new Pair(cell, x -> ReferenceCells.onnxGru(in, u, w, rr, b, lbr, cl, f, g, x, h, batch), cell.zeroState(batch),
                        new double[][] {h}, new int[] {0});
            }
            case "torch-gru": {
                float[] wih = rand(r, 3 * u * in, s);
                float[] whh = rand(r, 3 * u * u, s);
                float[] bih = rand(r, 3 * u, 0.3);
                float[] bhh = rand(r, 3 * u, 0.3);
                GruCell cell = GruCell.torch(in, u, wih, whh, bih, bhh);
                double[] h = new double[batch * u];
                return new Pair(cell, x -> ReferenceCells.torchGru(in, u, wih, whh, bih, bhh, x, h, batch), cell.zeroState(batch), new double[][] {h},
                        new int[] {0});
            }
            default: {
                // The simple RNN in all four layouts, checked against the TF1-layout reference of the same weights.
                String a = cellActs[r.nextInt(2)];
                float[] k = rand(r, (in + u) * u, s);
                float[] b = rand(r, u, 0.5);
                float[] wx = new float[u * in];
                float[] wh = new float[u * u];
                for (int j = 0; j < u; j++) {
                    for (int i = 0; i < in; i++) {
                        wx[j * in + i] = k[i * u + j];
                    }
                    for (int i = 0; i < u; i++) {
                        wh[j * u + i] = k[(in + i) * u + j];
                    }
                }
                float[] kx = new float[in * u];
                float[] kh = new float[u * u];
                System.arraycopy(k, 0, kx, 0, kx.length);
                System.arraycopy(k, in * u, kh, 0, kh.length);
                Activation act = Activation.named(a);
                float[] half = new float[2 * u];
                System.arraycopy(b, 0, half, 0, u);
                RnnCell cell = switch (family) {
                    case "tf1-rnn" -> SimpleRnnCell.tf1(in, u, k, b, act);
                    case "keras-rnn" -> SimpleRnnCell.keras(in, u, kx, kh, b, act);
                    case "onnx-rnn" -> SimpleRnnCell.onnx(in, u, wx, wh, half, act);
                    default -> SimpleRnnCell.torch(in, u, wx, wh, b, new float[u], act);
                };
                double[] h = new double[batch * u];
                return new Pair(cell, x -> ReferenceCells.tf1Rnn(in, u, k, b, a, x, h, batch), cell.zeroState(batch), new double[][] {h},
                        new int[] {0});
            }
        }
    }

    @Property(tries = 300)
    void everyCellMatchesItsReference(@ForAll("families") String family, @ForAll("sizes") int in, @ForAll("sizes") int units,
                                      @ForAll @IntRange(min = 1, max = 25) int batch, @ForAll @IntRange(min = 1, max = 4) int steps,
                                      @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Pair p = build(family, in, units, batch, r);
        // A random initial state, in both.
        for (int i = 0; i < p.refState.length; i++) {
            float[] init = rand(r, p.refState[i].length, 0.8);
            p.state.setPart(p.partOrder[i], init);
            System.arraycopy(toDouble(init), 0, p.refState[i], 0, init.length);
        }
        int o = p.cell.outputSize();
        float[] out = new float[batch * o];
        for (int t = 0; t < steps; t++) {
            float[] x = rand(r, batch * in, 1.5);
            p.cell.step(x, 0, p.state, out, 0);
            double[] ref = p.ref.step(toDouble(x));
            assertEquals(ref.length, out.length, family + " output size");
            for (int i = 0; i < out.length; i++) {
                if (!(Math.abs(out[i] - ref[i]) <= ATOL + RTOL * Math.abs(ref[i]))) {
                    fail(family + " " + p.cell + " step " + t + " output " + i + ": " + out[i] + " vs reference " + ref[i]);
                }
            }
            for (int part = 0; part < p.refState.length; part++) {
                float[] got = p.state.part(p.partOrder[part]);
                for (int i = 0; i < got.length; i++) {
                    double want = p.refState[part][i];
                    if (!(Math.abs(got[i] - want) <= ATOL + RTOL * Math.abs(want))) {
                        fail(family + " " + p.cell + " step " + t + " state part " + part + " element " + i + ": " + got[i] + " vs " + want);
                    }
                }
            }
        }
    }

    @Property(tries = 60)
    void aRowDoesNotDependOnTheOtherRows(@ForAll("families") String family, @ForAll("sizes") int in, @ForAll("sizes") int units,
                                         @ForAll @IntRange(min = 2, max = 25) int batch, @ForAll long seed) {
        Pair p = build(family, in, units, batch, new SplittableRandom(seed));
        CellState other = p.cell.zeroState(batch);
        SplittableRandom r = new SplittableRandom(seed + 1);
        float[] x = rand(r, batch * in, 1.5);
        float[] x2 = x.clone();
        int row = r.nextInt(batch);
        for (int i = 0; i < x2.length; i++) {
            if (i / in != row) {
                x2[i] = (float) r.nextGaussian();
            }
        }
        int o = p.cell.outputSize();
        float[] y1 = new float[batch * o];
        float[] y2 = new float[batch * o];
        CellState s1 = p.cell.zeroState(batch);
        p.cell.step(x, 0, s1, y1, 0);
        p.cell.step(x2, 0, other, y2, 0);
        for (int j = 0; j < o; j++) {
            assertEquals(Float.floatToIntBits(y1[row * o + j]), Float.floatToIntBits(y2[row * o + j]), family + " row " + row + " unit " + j);
        }
    }

    @Property(tries = 40)
    void flatAndTupleStatesAgree(@ForAll @IntRange(min = 1, max = 20) int in, @ForAll @IntRange(min = 1, max = 20) int units,
                                 @ForAll @IntRange(min = 1, max = 4) int batch, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LstmCell lstm = LstmCell.tf1Basic(in, units, rand(r, (in + units) * 4 * units, 0.5), rand(r, 4 * units, 0.5), 1f, Activation.TANH);
        GruCell gru = GruCell.tf1(units, units, rand(r, 2 * units * 2 * units, 0.5), rand(r, 2 * units, 1), rand(r, 2 * units * units, 0.5),
                rand(r, units, 0.5), Activation.TANH);
        MultiRnnCell stack = new MultiRnnCell(List.of(lstm, gru));
        CellState tuple = stack.zeroState(batch);
        float[] c0 = rand(r, batch * units, 1);
        float[] h0 = rand(r, batch * units, 1);
        float[] h1 = rand(r, batch * units, 1);
        tuple.setPart(0, c0);
        tuple.setPart(1, h0);
        tuple.setPart(2, h1);
        float[] flat = new float[batch * 3 * units];
        tuple.readFlat(flat, 0);
        // [c_0 | h_0 | h_1] per row, as TF1's state_is_tuple=False lays it out.
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < units; j++) {
                assertEquals(c0[b * units + j], flat[b * 3 * units + j]);
                assertEquals(h0[b * units + j], flat[b * 3 * units + units + j]);
                assertEquals(h1[b * units + j], flat[b * 3 * units + 2 * units + j]);
            }
        }
        CellState fromFlat = stack.zeroState(batch);
        fromFlat.writeFlat(flat, 0);
        float[] x = rand(r, batch * in, 1);
        float[] y1 = new float[batch * units];
        float[] y2 = new float[batch * units];
        stack.step(x, 0, tuple, y1, 0);
        stack.step(x, 0, fromFlat, y2, 0);
        assertArrayEquals(y1, y2);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(tuple.part(i), fromFlat.part(i));
        }
    }

    @Example
    void wrongShapesAreRejectedWithBothNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LstmCell.keras(3, 4, new float[3 * 15], new float[4 * 16], new float[16], Activation.TANH, Activation.SIGMOID));
        assertTrue(e.getMessage().contains("kernel") && e.getMessage().contains("48") && e.getMessage().contains("45"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LstmCell.tf1(new LstmCell.Tf1Options(3, 4).numProj(2), new float[5 * 16],
                new float[16], null, null, null, null));
        assertTrue(e.getMessage().contains("projection") && e.getMessage().contains("missing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LstmCell.Tf1Options(3, 4).cellClip(-1f));
        assertTrue(e.getMessage().contains("cell_clip") && e.getMessage().contains("-1"), e.getMessage());
        LstmCell cell = LstmCell.tf1Basic(3, 4, new float[7 * 16], new float[16], 1f, Activation.TANH);
        e = assertThrows(IllegalArgumentException.class, () -> cell.initialState(2, new float[8], new float[12]));
        assertTrue(e.getMessage().contains("3") && e.getMessage().contains("2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MultiRnnCell(List.of()));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Activation.named("swishy"));
    }
}
