package io.github.panamarnn.tests.cells;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.DropoutWrapper;
import io.github.panamarnn.cells.EmbeddingWrapper;
import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LayerNormSimpleRnnCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.ProjectionWrapper;
import io.github.panamarnn.cells.ResidualWrapper;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.Activation;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every cell's {@code step} against every kind of bad argument (null, short or offset-shifted
 * input and output, a negative offset, a null state, a state of another kind or size): an
 * {@link IllegalArgumentException} naming the problem, and nothing changed. "Nothing" is checked
 * the strict way: the state's values are byte-identical afterwards, and the next good step gives
 * bit-identical output to a twin that never saw the bad call (which also catches a change to
 * scratch buffers or a random stream, as a Monte-Carlo dropout wrapper holds).
 */
class StepMisuseTest {
    static final int IN = 5;

    static RnnCell cell(int kind) {
        SplittableRandom r = new SplittableRandom(kind);
        return switch (kind) {
            case 0 -> Initializers.kerasLstm(IN, 7, 1);
            case 1 -> Initializers.kerasGru(IN, 6, 2);
            case 2 -> Initializers.tf1Gru(IN, 6, 3);
            case 3 -> Initializers.kerasSimpleRnn(IN, 4, 4);
            case 4 -> LstmCell.tf1(new LstmCell.Tf1Options(IN, 8).numProj(3).usePeepholes(true), CellPropertiesTest.rand(r, (IN + 3) * 32, 0.5),
                    CellPropertiesTest.rand(r, 32, 0.2), CellPropertiesTest.rand(r, 8, 0.3), CellPropertiesTest.rand(r, 8, 0.3),
                    CellPropertiesTest.rand(r, 8, 0.3), CellPropertiesTest.rand(r, 8 * 3, 0.5));
            case 5 -> LayerNormSimpleRnnCell.keras(IN, 4, CellPropertiesTest.rand(r, IN * 4, 0.5), CellPropertiesTest.rand(r, 16, 0.5), null,
                    CellPropertiesTest.rand(r, 4, 1), CellPropertiesTest.rand(r, 4, 1), 1e-3f, Activation.TANH);
            case 6 -> new MultiRnnCell(List.of(Initializers.tf1BasicLstm(IN, 6, 5), Initializers.tf1Gru(6, 4, 6)));
            case 7 -> ProjectionWrapper.output(Initializers.kerasGru(IN, 6, 7), 3, CellPropertiesTest.rand(r, 18, 0.5), null);
            case 8 -> ProjectionWrapper.input(Initializers.kerasGru(4, 6, 8), IN, CellPropertiesTest.rand(r, IN * 4, 0.5), null);
            case 9 -> DropoutWrapper.monteCarlo(Initializers.kerasLstm(IN, 5, 9), 0.8f, 0.9f, 0.7f, 42, false);
            case 10 -> new ResidualWrapper(Initializers.kerasSimpleRnn(IN, IN, 10));
            default -> new EmbeddingWrapper(Initializers.kerasGru(3, 5, 11), 9, 3, CellPropertiesTest.rand(r, 27, 1));
        };
    }

    @Property(tries = 300)
    void aRejectedStepChangesNothing(@ForAll @IntRange(min = 0, max = 11) int kind, @ForAll @IntRange(min = 0, max = 10) int misuse,
                                     @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll long seed) {
        RnnCell cell = cell(kind);
        SplittableRandom r = new SplittableRandom(seed);
        int in = cell.inputSize();
        int out = cell.outputSize();
        float[] x = new float[batch * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = kind == 11 ? r.nextInt(9) : (float) r.nextDouble(-1, 1);
        }
        CellState state = cell.zeroState(batch);
        CellState twin = cell.zeroState(batch);
        float[] y = new float[batch * out];
        cell.step(x, 0, state, y, 0); // both in the same non-zero state
        cell.step(x, 0, twin, y, 0);
        float[] before = flat(state);

        CellState other = misuse == 9 ? cell(kind == 0 ? 1 : 0).zeroState(batch) : cell(kind == 3 ? 10 : 3).zeroState(batch);
        Runnable bad = switch (misuse) {
            case 0 -> () -> cell.step(null, 0, state, y, 0);
            case 1 -> () -> cell.step(new float[x.length - 1], 0, state, y, 0);
            case 2 -> () -> cell.step(x, 1, state, y, 0);
            case 3 -> () -> cell.step(x, -1, state, y, 0);
            case 4 -> () -> cell.step(x, 0, state, null, 0);
            case 5 -> () -> cell.step(x, 0, state, new float[y.length - 1], 0);
            case 6 -> () -> cell.step(x, 0, state, y, 1);
            case 7 -> () -> cell.step(x, 0, state, y, -3);
            case 8 -> () -> cell.step(x, 0, null, y, 0);
            case 9, 10 -> () -> cell.step(x, 0, other, y, 0); // another kind, or the same kind at another size
            default -> throw new AssertionError(misuse);
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::run, cell + " misuse " + misuse);
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "no message");
        assertArrayEquals(before, flat(state), cell + " misuse " + misuse + ": the state changed");
        float[] a = new float[y.length];
        float[] b = new float[y.length];
        cell.step(x, 0, state, a, 0);
        cell.step(x, 0, twin, b, 0);
        assertArrayEquals(b, a, cell + " misuse " + misuse + ": the next step differs from a twin's");
    }

    static float[] flat(CellState s) {
        float[] f = new float[s.batch() * s.flatSize()];
        s.readFlat(f, 0);
        return f;
    }

    @Property(tries = 100)
    void stateAccessorsCheckBeforeWriting(@ForAll @IntRange(min = 0, max = 11) int kind, @ForAll @IntRange(min = 1, max = 3) int batch) {
        RnnCell cell = cell(kind);
        CellState s = cell.zeroState(batch);
        float[] ones = new float[batch * s.flatSize()];
        java.util.Arrays.fill(ones, 1f);
        s.writeFlat(ones, 0);
        assertThrows(IllegalArgumentException.class, () -> s.writeFlat(new float[ones.length - 1], 0));
        assertThrows(IllegalArgumentException.class, () -> s.writeFlat(ones, 1));
        assertThrows(IllegalArgumentException.class, () -> s.readFlat(new float[ones.length - 1], 0));
        assertThrows(IllegalArgumentException.class, () -> s.resetRow(batch));
        assertThrows(IllegalArgumentException.class, () -> s.setPart(s.partCount(), new float[1]));
        assertThrows(IllegalArgumentException.class, () -> s.copyRowFrom(cell(kind == 3 ? 0 : 3).zeroState(batch), 0));
        assertArrayEquals(ones, flat(s), "a rejected call wrote part of the state");
    }
}
