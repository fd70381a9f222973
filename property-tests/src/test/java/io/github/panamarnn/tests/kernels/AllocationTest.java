package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.GruGates;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.LstmGates;
import io.github.panamarnn.kernels.PackedMatrix;
import io.github.panamarnn.kernels.Precision;
import io.github.panamarnn.tests.AllocationMeter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import java.util.ArrayList;
import java.util.List;

/** After warm-up no kernel call allocates a byte (exact, by the thread's allocation counter). */
class AllocationTest {
    private static final Kernels K = KernelProvider.get();

    @TestFactory
    List<DynamicTest> kernelsAllocateNothing() {
        SplittableRandom r = new SplittableRandom(7);
        int u = 37; // not a multiple of the lane count: tails run too
        PackedMatrix w = K.pack(2 * u + 3, 4 * u, (i, j) -> (float) Math.sin(i * 31 + j), TestData.uniform(r, 4 * u, -1, 1));
        float[] x = TestData.uniform(r, 8 * (2 * u + 3), -1, 1);
        float[] y = new float[8 * 4 * u];
        float[] gates = TestData.floats(r, 8 * 4 * u, 2);
        float[] c = new float[8 * u];
        float[] h = new float[8 * u];
        float[] gx = TestData.floats(r, 8 * 3 * u, 2);
        float[] gh = TestData.floats(r, 8 * 3 * u, 2);
        LstmGates fused = LstmGates.builder(u).forgetBias(1f).peepholes(TestData.uniform(r, 3 * u, -1, 1)).cellClip(3f).build();
        LstmGates general = LstmGates.builder(u).activations(Activation.HARD_SIGMOID, Activation.TANH, Activation.RELU).gateClip(2f).build();
        GruGates gru = GruGates.standard(u);
        GruGates gruGeneral = GruGates.of(u, Activation.HARD_SIGMOID, Activation.SOFTSIGN, 3f);
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(test("matVec", () -> K.matVec(w, x, 1, y, 2, true)));
        tests.add(test("matVec again", () -> K.matVec(w, x, 1, y, 2, false)));
        tests.add(test("matMul batch 7", () -> K.matMul(w, x, 0, 2 * u + 3, 7, y, 0, 4 * u, false)));
        // Narrower than one panel: at 256 and 512 bits 37 columns are panels of one vector (the narrow kernel).
        PackedMatrix narrow = K.pack(2 * u + 3, u, (i, j) -> (float) Math.cos(i * 7 + j), TestData.uniform(r, u, -1, 1));
        tests.add(test("matVec narrow", () -> K.matVec(narrow, x, 1, y, 2, true)));
        tests.add(test("matMul narrow batch 7", () -> K.matMul(narrow, x, 0, 2 * u + 3, 7, y, 0, u, false)));
        // Narrower than one vector (a dense head of 3 outputs): float32 column panels, dot products in lanes.
        PackedMatrix head = K.pack(2 * u + 3, 3, (i, j) -> (float) Math.cos(i * 5 + j), TestData.uniform(r, 3, -1, 1));
        tests.add(test("matVec head of 3", () -> K.matVec(head, x, 1, y, 2, true)));
        tests.add(test("matMul head of 3, batch 7", () -> K.matMul(head, x, 0, 2 * u + 3, 7, y, 0, 3, false)));
        for (Precision p : new Precision[] {Precision.BF16, Precision.INT8}) {
            Kernels kp = K.withPrecision(p);
            PackedMatrix wp = kp.repack(w);
            PackedMatrix np = kp.repack(narrow);
            tests.add(test("matVec " + p, () -> kp.matVec(wp, x, 1, y, 2, true)));
            tests.add(test("matMul batch 7 " + p, () -> kp.matMul(wp, x, 0, 2 * u + 3, 7, y, 0, 4 * u, false)));
            tests.add(test("matVec narrow " + p, () -> kp.matVec(np, x, 1, y, 2, true)));
            tests.add(test("matMul narrow batch 7 " + p, () -> kp.matMul(np, x, 0, 2 * u + 3, 7, y, 0, u, false)));
            PackedMatrix hp = kp.repack(head);
            tests.add(test("matVec head of 3 " + p, () -> kp.matVec(hp, x, 1, y, 2, true)));
            tests.add(test("matMul head of 3, batch 7 " + p, () -> kp.matMul(hp, x, 0, 2 * u + 3, 7, y, 0, 3, false)));
        }
        // Whole recurrent steps, tile by tile (64 units: whole tiles at every width), and at 37 units (separate calls).
        for (int units : new int[] {64, u}) {
            PackedMatrix wx4 = K.pack(u, 4 * units, (i, j) -> (float) Math.sin(i * 3 + j), TestData.uniform(r, 4 * units, -1, 1));
            PackedMatrix wh4 = K.pack(units, 4 * units, (i, j) -> (float) Math.cos(i * 3 + j) / units, null);
            PackedMatrix wx3 = K.pack(u, 3 * units, (i, j) -> (float) Math.sin(i * 5 + j), TestData.uniform(r, 3 * units, -1, 1));
            PackedMatrix wh3 = K.pack(units, 3 * units, (i, j) -> (float) Math.cos(i * 5 + j) / units, null);
            PackedMatrix wzr = K.pack(units, 2 * units, (i, j) -> (float) Math.cos(i * 7 + j) / units, null);
            PackedMatrix wn = K.pack(units, units, (i, j) -> (float) Math.sin(i * 7 + j) / units, null);
            LstmGates lg = LstmGates.builder(units).forgetBias(1f).build();
            GruGates gg = GruGates.standard(units);
            float[] sg = new float[7 * 4 * units];
            float[] sgh = new float[7 * 3 * units];
            float[] sc = new float[7 * units];
            float[] sh = new float[7 * units];
            float[] srh = new float[7 * units];
            tests.add(test("lstmStep " + units + " units, batch 7", () -> K.lstmStep(lg, wx4, x, 0, wh4, sh, 0, 7, sg, 0, sc, 0, sh, 0)));
            tests.add(test("lstmStep recurrent half " + units + " units, batch 7", () -> K.lstmStep(lg, wh4, sh, 0, 7, sg, 0, sc, 0, sh, 0)));
            tests.add(test("gruStepResetAfter " + units + " units, batch 7",
                    () -> K.gruStepResetAfter(gg, wx3, x, 0, wh3, sh, 0, 7, sg, 0, sgh, 0, sh, 0)));
            tests.add(test("gruStepResetBefore " + units + " units, batch 7",
                    () -> K.gruStepResetBefore(gg, wx3, x, 0, wzr, wn, sh, 0, 7, sg, 0, srh, 0, sh, 0)));
        }
        for (Activation a : ActivationPropertiesTest.all()) {
            tests.add(test("activate " + a, () -> K.activate(a, gates, 1, y, 0, 3 * u + 5)));
        }
        tests.add(test("lstmUpdate fused", () -> K.lstmUpdate(fused, 3, gates, 0, c, 0, h, 0)));
        tests.add(test("lstmUpdate general", () -> K.lstmUpdate(general, 3, gates, 0, c, 0, h, 0)));
        tests.add(test("gru reset after", () -> K.gruUpdateResetAfter(gru, 3, gx, 0, gh, 0, h, 0, h, 0)));
        tests.add(test("gru reset after general", () -> K.gruUpdateResetAfter(gruGeneral, 3, gx, 0, gh, 0, h, 0, h, 0)));
        tests.add(test("gru reset before", () -> {
            K.gruResetHidden(gru, 3, gx, 0, h, 0, c, 0);
            K.gruUpdateResetBefore(gru, 3, gx, 0, h, 0, h, 0);
        }));
        tests.add(test("gru reset before general", () -> {
            K.gruResetHidden(gruGeneral, 3, gx, 0, h, 0, c, 0);
            K.gruUpdateResetBefore(gruGeneral, 3, gx, 0, h, 0, h, 0);
        }));
        tests.add(test("clamp", () -> K.clamp(y, 0, 101, -1, 1)));
        return tests;
    }

    private static DynamicTest test(String name, Runnable call) {
        return DynamicTest.dynamicTest(name, () -> assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(call), name + " allocated"));
    }
}
