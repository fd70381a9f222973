package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.GruGates;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.LstmGates;
import io.github.panamarnn.kernels.PackedMatrix;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The recurrent steps ({@code lstmStep}, {@code gruStepResetAfter}, {@code gruStepResetBefore}; the recurrent half and
 * the whole step with the input's product), which the vector kernels run tile by tile (the products of 2L units of
 * every gate, then their update while in L1: whole steps by default, recurrent halves too with
 * {@code panamarnn.stepTiles=all}, set in the 128, 256 and 512-bit runs), against their specification: the products,
 * then the update, as separate calls of the same kernels. Bit for bit, state updated in
 * place or written elsewhere, at unit counts that are multiples of the tile (the tiled path) and others (the separate
 * calls), batches 1 to 40 (every register block and split), with peepholes, forget bias and cell clip, a projection's
 * narrower state, and the offsets cells use. The cell properties pin the same steps to the scalar reference.
 */
@net.jqwik.api.lifecycle.AddLifecycleHook(ForcedWidth.class)
class StepPropertiesTest {
    private static final Kernels VECTOR = KernelProvider.get();
    /** Units per tile of the vector kernels: two vectors of the width the build forces, else the preferred one. */
    private static final int TILE = 2 * Integer.getInteger(KernelProvider.VECTOR_BITS_PROPERTY,
            FloatVector.SPECIES_PREFERRED.vectorBitSize()) / 32;

    /**
     * The kernels state which steps run in tiles ({@code panamarnn.stepTiles}): whole steps by default, their recurrent
     * halves too in the forced-width runs ({@code all}).
     */
    @net.jqwik.api.Example
    void theKernelsStateTheirTiles() {
        String asked = System.getProperty(KernelProvider.STEP_TILES_PROPERTY, "whole");
        String want = switch (asked) {
            case "whole" -> "whole recurrent steps in tiles of " + TILE + " units";
            case "all" -> "recurrent steps and their halves in tiles of " + TILE + " units";
            default -> null;
        };
        assertTrue(want != null ? VECTOR.name().contains(want) : !VECTOR.name().contains("in tiles of"), asked + ": " + VECTOR.name());
    }

    /** Mostly whole tiles (1 to 17 of them), so the tiled path runs most tries, and some sizes it must leave alone. */
    @Provide
    Arbitrary<Integer> units() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 17).map(t -> t * TILE), Arbitraries.integers().between(1, 3 * TILE));
    }

    @Property(tries = 120)
    void lstmStepIsProductThenUpdate(@ForAll("units") int units, @ForAll @IntRange(min = 1, max = 40) int batch,
                                     @ForAll boolean peepholes, @ForAll boolean cellClip, @ForAll boolean projected,
                                     @ForAll boolean inPlace, @ForAll boolean whole, @ForAll @IntRange(max = 3) int off,
                                     @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        LstmGates.Builder b = LstmGates.builder(units).forgetBias(r.nextInt(3) * 0.5f);
        if (peepholes) {
            b.peepholes(TestData.uniform(r, 3 * units, -1, 1));
        }
        if (cellClip) {
            b.cellClip(0.5f + 3 * r.nextFloat());
        }
        LstmGates g = b.build();
        // With a projection the state h is narrower than the units, and the step writes the unprojected output elsewhere.
        int width = projected ? 1 + r.nextInt(units + TILE) : units;
        boolean same = inPlace && !projected;
        PackedMatrix wh = weights(r, width, 4 * units);
        Input in = Input.draw(r, whole, units, batch, 4 * units, off);
        float[] h = TestData.floats(r, off + batch * width, 1.0);
        float[] gates = TestData.floats(r, off + batch * 4 * units, 1.5);
        float[] c = TestData.floats(r, off + batch * units, 1.5);
        float[] out = same ? h : new float[off + batch * units + 1];

        float[] hs = h.clone();
        float[] gs = gates.clone();
        float[] cs = c.clone();
        float[] outS = same ? hs : out.clone();
        in.project(gs);
        VECTOR.matMul(wh, hs, off, width, batch, gs, off, 4 * units, true);
        VECTOR.lstmUpdate(g, batch, gs, off, cs, off, outS, off);

        if (whole) {
            VECTOR.lstmStep(g, in.w, in.x, off, wh, h, off, batch, gates, off, c, off, out, off);
        } else {
            VECTOR.lstmStep(g, wh, h, off, batch, gates, off, c, off, out, off);
        }
        same("c", cs, c, units, batch, off);
        same("h", outS, out, units, batch, off);
        if (!same) {
            same("h (input, unchanged)", hs, h, width, batch, off);
        }
    }

    @Property(tries = 120)
    void gruStepResetAfterIsProductThenUpdate(@ForAll("units") int units, @ForAll @IntRange(min = 1, max = 40) int batch,
                                              @ForAll boolean inPlace, @ForAll boolean clipped, @ForAll boolean whole,
                                              @ForAll @IntRange(max = 3) int off, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        GruGates g = gates(units, clipped);
        PackedMatrix wh = weights(r, units, 3 * units);
        Input in = Input.draw(r, whole, units, batch, 3 * units, off);
        float[] h = TestData.floats(r, off + batch * units, 1.0);
        float[] gx = TestData.floats(r, off + batch * 3 * units, 1.5);
        float[] gh = new float[off + batch * 3 * units];
        float[] out = inPlace ? h : new float[off + batch * units + 1];

        float[] hs = h.clone();
        float[] gxs = gx.clone();
        float[] ghs = gh.clone();
        float[] outS = inPlace ? hs : out.clone();
        in.project(gxs);
        VECTOR.matMul(wh, hs, off, units, batch, ghs, off, 3 * units, false);
        VECTOR.gruUpdateResetAfter(g, batch, gxs, off, ghs, off, hs, off, outS, off);

        if (whole) {
            VECTOR.gruStepResetAfter(g, in.w, in.x, off, wh, h, off, batch, gx, off, gh, off, out, off);
        } else {
            VECTOR.gruStepResetAfter(g, wh, h, off, batch, gx, off, gh, off, out, off);
        }
        same("h", outS, out, units, batch, off);
        if (!inPlace) {
            same("h (input, unchanged)", hs, h, units, batch, off);
        }
    }

    @Property(tries = 120)
    void gruStepResetBeforeIsProductsThenUpdates(@ForAll("units") int units, @ForAll @IntRange(min = 1, max = 40) int batch,
                                                 @ForAll boolean inPlace, @ForAll boolean clipped, @ForAll boolean whole,
                                                 @ForAll @IntRange(max = 3) int off, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        GruGates g = gates(units, clipped);
        PackedMatrix wzr = weights(r, units, 2 * units);
        PackedMatrix wn = weights(r, units, units);
        Input in = Input.draw(r, whole, units, batch, 3 * units, off);
        float[] h = TestData.floats(r, off + batch * units, 1.0);
        float[] gates = TestData.floats(r, off + batch * 3 * units, 1.5);
        float[] rh = new float[off + batch * units];
        float[] out = inPlace ? h : new float[off + batch * units + 1];

        float[] hs = h.clone();
        float[] gs = gates.clone();
        float[] rhs = rh.clone();
        float[] outS = inPlace ? hs : out.clone();
        in.project(gs);
        VECTOR.matMul(wzr, hs, off, units, batch, gs, off, 3 * units, true);
        VECTOR.gruResetHidden(g, batch, gs, off, hs, off, rhs, off);
        VECTOR.matMul(wn, rhs, off, units, batch, gs, off + 2 * units, 3 * units, true);
        VECTOR.gruUpdateResetBefore(g, batch, gs, off, hs, off, outS, off);

        if (whole) {
            VECTOR.gruStepResetBefore(g, in.w, in.x, off, wzr, wn, h, off, batch, gates, off, rh, off, out, off);
        } else {
            VECTOR.gruStepResetBefore(g, wzr, wn, h, off, batch, gates, off, rh, off, out, off);
        }
        same("r*h", rhs, rh, units, batch, off);
        same("h", outS, out, units, batch, off);
        if (!inPlace) {
            same("h (input, unchanged)", hs, h, units, batch, off);
        }
    }

    /**
     * A whole step's input: rows of any width (the tiles do not depend on it) and their weights; or none, the gate
     * buffer then holding the input's projection already.
     */
    private record Input(PackedMatrix w, float[] x, int batch, int cols, int off) {
        static Input draw(SplittableRandom r, boolean whole, int units, int batch, int cols, int off) {
            if (!whole) {
                return new Input(null, null, batch, cols, off);
            }
            int width = 1 + r.nextInt(units + 70);
            return new Input(weights(r, width, cols), TestData.floats(r, off + batch * width, 1.0), batch, cols, off);
        }

        /** The specification's first call: {@code gates = x @ w}, when whole. */
        void project(float[] gates) {
            if (w != null) {
                VECTOR.matMul(w, x, off, w.rows(), batch, gates, off, cols, false);
            }
        }
    }

    /** Sigmoid and tanh (the tiled path), or with a gate clip (the separate calls, whatever the size). */
    private static GruGates gates(int units, boolean clipped) {
        return clipped ? GruGates.of(units, Activation.SIGMOID, Activation.TANH, 2.5f) : GruGates.standard(units);
    }

    /** Weights of the scale a trained recurrent matrix has (so the gates neither saturate nor vanish), with a bias. */
    private static PackedMatrix weights(SplittableRandom r, int rows, int cols) {
        double scale = 1.5 / Math.sqrt(rows);
        float[] w = TestData.uniform(r, rows * cols, -scale, scale);
        return VECTOR.pack(rows, cols, (i, j) -> w[i * cols + j], TestData.uniform(r, cols, -0.5, 0.5));
    }

    private static void same(String what, float[] want, float[] got, int width, int batch, int off) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                int row = (i - off) / width;
                fail(VECTOR.name() + ": " + what + " differs at index " + i + " (row " + row + " of " + batch + ", unit "
                        + (i - off - row * width) + " of " + width + "): separate calls " + want[i] + ", step " + got[i]);
            }
        }
    }
}
