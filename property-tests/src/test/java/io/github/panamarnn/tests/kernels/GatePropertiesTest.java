package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.GruGates;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.LstmGates;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The fused LSTM and GRU updates (and their multi-pass forms for other activations, clip and
 * input-forget) against the scalar specification, element by element, with a tolerance derived
 * from the activations' stated bounds: a unit or lane off, or a wrong gate, is an error of order 0.1.
 */
@net.jqwik.api.lifecycle.AddLifecycleHook(ForcedWidth.class)
class GatePropertiesTest {
    private static final Kernels VECTOR = KernelProvider.get();
    private static final Kernels SCALAR = KernelProvider.scalar();
    /** The largest stated absolute bound of the gate activations used here (tanh). */
    private static final double E = 4e-7;

    /** Activations with Lipschitz constant <= 2, so a bounded input error stays bounded. */
    private static final List<Activation> GATE_ACTS = List.of(Activation.SIGMOID, Activation.HARD_SIGMOID,
            Activation.HARD_SIGMOID_KERAS3, Activation.onnx("HardSigmoid", 0.3f, 0.4f));
    private static final List<Activation> CELL_ACTS = List.of(Activation.TANH, Activation.RELU, Activation.SOFTSIGN,
            Activation.ELU, Activation.SIGMOID, Activation.onnx("ScaledTanh", 1.2f, 0.9f), Activation.onnx("LeakyRelu", 0.1f, Float.NaN));

    @Provide
    Arbitrary<Integer> units() {
        return Arbitraries.oneOf(Arbitraries.of(Arrays.stream(TestData.AWKWARD_SIZES).boxed().toList()),
                Arbitraries.integers().between(1, 70));
    }

    @Property(tries = 400)
    void lstmMatchesSpecification(@ForAll("units") int units, @ForAll @IntRange(min = 1, max = 5) int batch,
                                  @ForAll boolean peepholes, @ForAll boolean cellClip, @ForAll boolean general,
                                  @ForAll @IntRange(max = 3) int off, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LstmGates.Builder b = LstmGates.builder(units).forgetBias(r.nextInt(3) * 0.5f);
        if (peepholes) {
            b.peepholes(TestData.uniform(r, 3 * units, -1, 1));
        }
        if (cellClip) {
            b.cellClip(0.5f + 3 * r.nextFloat());
        }
        if (general) {
            b.activations(GATE_ACTS.get(r.nextInt(GATE_ACTS.size())), CELL_ACTS.get(r.nextInt(CELL_ACTS.size())),
                    CELL_ACTS.get(r.nextInt(CELL_ACTS.size())));
            if (r.nextBoolean()) {
                b.gateClip(0.5f + 4 * r.nextFloat());
            }
            b.inputForget(r.nextInt(4) == 0);
        }
        LstmGates g = b.build();
        assertTrue(general || g.isFused(), "sigmoid/tanh without gate clip must take the fused path");
        float[] gates = TestData.floats(r, off + batch * 4 * units, 2.5);
        float[] c = TestData.floats(r, off + batch * units, 1.5);
        float[] gv = gates.clone();
        float[] gs = gates.clone();
        float[] cv = c.clone();
        float[] cs = c.clone();
        float[] hv = new float[off + batch * units + 2];
        float[] hs = new float[off + batch * units + 2];
        VECTOR.lstmUpdate(g, batch, gv, off, cv, off, hv, off);
        SCALAR.lstmUpdate(g, batch, gs, off, cs, off, hs, off);
        for (int i = off; i < off + batch * units; i++) {
            int b0 = (i - off) / units;
            int j0 = (i - off) % units;
            // Unbounded cell-input activations (relu, elu) scale the gate errors by |g|.
            double zg = Math.abs(gates[off + b0 * 4 * units + 2 * units + j0]);
            double tolC = E * (Math.abs(c[i]) * 2 + 4 + 2 * zg) + 4 * TestData.ulp(cs[i]);
            double tolH = E * 4 + 2 * tolC + 4 * TestData.ulp(hs[i]);
            if (!(Math.abs(cv[i] - cs[i]) <= tolC) || !(Math.abs(hv[i] - hs[i]) <= tolH)) {
                fail(g + " batch " + batch + " element " + (i - off) + ": c " + cv[i] + " vs spec " + cs[i] + " (tol " + tolC + "), h "
                        + hv[i] + " vs spec " + hs[i] + " (tol " + tolH + ")");
            }
        }
        assertTrue(hv[off + batch * units] == 0 && hv[off + batch * units + 1] == 0, "wrote past h");
    }

    @Property(tries = 400)
    void gruMatchesSpecification(@ForAll("units") int units, @ForAll @IntRange(min = 1, max = 5) int batch,
                                 @ForAll boolean resetAfter, @ForAll boolean general, @ForAll boolean inPlace, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        GruGates g = general
                ? GruGates.of(units, GATE_ACTS.get(r.nextInt(GATE_ACTS.size())), CELL_ACTS.get(r.nextInt(CELL_ACTS.size())),
                        r.nextBoolean() ? Float.POSITIVE_INFINITY : 0.5f + 4 * r.nextFloat())
                : GruGates.standard(units);
        int n = batch * 3 * units;
        float[] gx = TestData.floats(r, n, 2.5);
        float[] gh = TestData.floats(r, n, 2.5);
        float[] h = TestData.floats(r, batch * units, 1);
        float[] outV;
        float[] outS;
        if (resetAfter) {
            outV = inPlace ? h.clone() : new float[h.length];
            outS = inPlace ? h.clone() : new float[h.length];
            VECTOR.gruUpdateResetAfter(g, batch, gx.clone(), 0, gh, 0, inPlace ? outV : h, 0, outV, 0);
            SCALAR.gruUpdateResetAfter(g, batch, gx.clone(), 0, gh, 0, inPlace ? outS : h, 0, outS, 0);
        } else {
            float[] rhV = new float[h.length];
            float[] rhS = new float[h.length];
            float[] gV = gx.clone();
            float[] gS = gx.clone();
            VECTOR.gruResetHidden(g, batch, gV, 0, h, 0, rhV, 0);
            SCALAR.gruResetHidden(g, batch, gS, 0, h, 0, rhS, 0);
            for (int i = 0; i < h.length; i++) {
                double tol = E * 2 * (1 + Math.abs(h[i])) + 2 * TestData.ulp(rhS[i]);
                if (!(Math.abs(rhV[i] - rhS[i]) <= tol)) {
                    fail(g + " r*h element " + i + ": " + rhV[i] + " vs spec " + rhS[i]);
                }
            }
            outV = inPlace ? h.clone() : new float[h.length];
            outS = inPlace ? h.clone() : new float[h.length];
            VECTOR.gruUpdateResetBefore(g, batch, gV, 0, inPlace ? outV : h, 0, outV, 0);
            SCALAR.gruUpdateResetBefore(g, batch, gS, 0, inPlace ? outS : h, 0, outS, 0);
        }
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < units; j++) {
                int i = b * units + j;
                double hn = resetAfter ? Math.abs(gh[b * 3 * units + 2 * units + j]) : 0;
                // |n| bounds the candidate for unbounded activations (relu): z's error scales with |h - n|.
                double cand = Math.abs(gx[b * 3 * units + 2 * units + j]) + hn;
                double tol = E * (4 + 2 * Math.abs(h[i]) + 4 * hn + 2 * cand) + 4 * TestData.ulp(outS[i]) + 4 * TestData.ulp(h[i]);
                if (!(Math.abs(outV[i] - outS[i]) <= tol)) {
                    fail(g + (resetAfter ? " reset-after" : " reset-before") + " batch " + b + " unit " + j + ": " + outV[i]
                            + " vs spec " + outS[i] + " (tol " + tol + ")");
                }
            }
        }
    }

    @Property(tries = 100)
    void clampMatches(@ForAll @IntRange(min = 1, max = 100) int n, @ForAll long seed) {
        float[] a = TestData.floats(new SplittableRandom(seed), n, 3);
        float[] v = a.clone();
        float[] s = a.clone();
        VECTOR.clamp(v, 0, n, -1.5f, 2f);
        SCALAR.clamp(s, 0, n, -1.5f, 2f);
        assertTrue(Arrays.equals(v, s), "clamp differs");
    }
}
