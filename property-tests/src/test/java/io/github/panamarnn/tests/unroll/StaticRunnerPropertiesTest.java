package io.github.panamarnn.tests.unroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.ResidualWrapper;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.tests.AllocationMeter;
import io.github.panamarnn.unroll.SequenceRunner;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import io.github.panamarnn.unroll.SequenceRunner.Padding;
import io.github.panamarnn.unroll.StaticRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** static == symbolic: the unrolled runner with its batched input projections equals the symbolic loop. */
class StaticRunnerPropertiesTest {

    static RnnCell layer(int kind, int in, int u, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return switch (kind) {
            case 0 -> Initializers.kerasLstm(in, u, seed);
            case 1 -> Initializers.tf1Gru(in, u, seed);
            case 2 -> Initializers.kerasGru(in, u, seed);
            case 3 -> LstmCell.tf1(new LstmCell.Tf1Options(in, u).usePeepholes(true).numProj(Math.max(1, u / 2)).cellClip(2f),
                    SequenceRunnerPropertiesTest.rand(r, (in + Math.max(1, u / 2)) * 4 * u, 0.5), SequenceRunnerPropertiesTest.rand(r, 4 * u, 0.5),
                    SequenceRunnerPropertiesTest.rand(r, u, 0.5), SequenceRunnerPropertiesTest.rand(r, u, 0.5),
                    SequenceRunnerPropertiesTest.rand(r, u, 0.5), SequenceRunnerPropertiesTest.rand(r, u * Math.max(1, u / 2), 0.5));
            default -> Initializers.kerasSimpleRnn(in, u, seed);
        };
    }

    @Property(tries = 150)
    void staticEqualsSymbolic(@ForAll @IntRange(min = 1, max = 3) int depth, @ForAll @IntRange(min = 1, max = 12) int in,
                              @ForAll @IntRange(min = 1, max = 24) int units, @ForAll @IntRange(min = 1, max = 7) int batch,
                              @ForAll @IntRange(min = 1, max = 9) int steps, @ForAll boolean withLengths, @ForAll boolean timeMajor,
                              @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<RnnCell> ls = new ArrayList<>();
        int d = in;
        for (int l = 0; l < depth; l++) {
            RnnCell c = layer(r.nextInt(5), d, units, seed + l);
            ls.add(c);
            d = c.outputSize();
        }
        RnnCell cell = depth == 1 ? ls.get(0) : new MultiRnnCell(ls);
        int[] len = null;
        if (withLengths) {
            len = new int[batch];
            for (int b = 0; b < batch; b++) {
                int pick = r.nextInt(4);
                len[b] = pick == 0 ? 0 : pick == 1 ? steps : r.nextInt(steps + 1);
            }
        }
        float[] x = SequenceRunnerPropertiesTest.rand(r, batch * steps * in, 1.5);
        StaticRunner st = new StaticRunner(cell, batch, steps);
        SequenceRunner sy = new SequenceRunner(cell, batch, steps);
        // The same random initial state in both.
        CellState init = cell.zeroState(batch);
        int part = 0;
        for (int l = 0; l < st.layerCount(); l++) {
            CellState s = st.state(l);
            for (int p = 0; p < s.partCount(); p++, part++) {
                float[] v = SequenceRunnerPropertiesTest.rand(r, s.part(p).length, 0.7);
                s.setPart(p, v);
                sy.state().setPart(part, v);
            }
        }
        int o = cell.outputSize();
        float[] a = new float[batch * steps * o];
        float[] b = new float[batch * steps * o];
        st.run(x, timeMajor, len, a);
        sy.run(x, steps, timeMajor, len, null, Order.FORWARD, Padding.ZERO, b);
        for (int i = 0; i < a.length; i++) {
            boolean ok = b[i] == 0f ? a[i] == 0f : Math.abs(a[i] - b[i]) <= 1e-5 + 1e-5 * Math.abs(b[i]);
            if (!ok) {
                fail(cell + " output " + i + ": static " + a[i] + " vs symbolic " + b[i]);
            }
        }
        part = 0;
        for (int l = 0; l < st.layerCount(); l++) {
            CellState s = st.state(l);
            for (int p = 0; p < s.partCount(); p++, part++) {
                for (int j = 0; j < s.part(p).length; j++) {
                    float want = sy.state().part(part)[j];
                    assertTrue(Math.abs(s.part(p)[j] - want) <= 1e-5 + 1e-5 * Math.abs(want), "final state layer " + l + " part " + p);
                }
            }
        }
    }

    /** Batches large enough that the input projection runs in several chunks (256 rows each) within one sequence. */
    @Property(tries = 12)
    void chunkedProjectionsEqualSymbolic(@ForAll @IntRange(min = 1, max = 2) int depth, @ForAll @IntRange(min = 33, max = 300) int batch,
                                         @ForAll @IntRange(min = 2, max = 17) int steps, @ForAll boolean withLengths, @ForAll boolean timeMajor,
                                         @ForAll long seed) {
        staticEqualsSymbolic(depth, 5, 9, batch, steps, withLengths, timeMajor, seed);
    }

    @Example
    void cellsThatDoNotProjectAreRejectedByName() {
        LstmCell inner = Initializers.kerasLstm(4, 4, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StaticRunner(new ResidualWrapper(inner), 1, 3));
        assertTrue(e.getMessage().contains("ResidualWrapper") && e.getMessage().contains("SequenceRunner"), e.getMessage());
        StaticRunner ok = new StaticRunner(GruCell.keras(4, 4, true, new float[48], new float[48], null, Activation.TANH, Activation.SIGMOID), 2, 3);
        e = assertThrows(IllegalArgumentException.class, () -> ok.run(new float[24], false, new int[] {3, 4}, null));
        assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("4"), e.getMessage());
    }

    @Example
    void aRunAllocatesNothing() {
        RnnCell cell = new MultiRnnCell(List.of(Initializers.kerasLstm(16, 32, 1), Initializers.kerasGru(32, 32, 2)));
        StaticRunner st = new StaticRunner(cell, 3, 20);
        float[] x = SequenceRunnerPropertiesTest.rand(new SplittableRandom(3), 3 * 20 * 16, 1);
        float[] out = new float[3 * 20 * 32];
        int[] len = {20, 4, 0};
        assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> st.run(x, false, len, out)));
    }
}
