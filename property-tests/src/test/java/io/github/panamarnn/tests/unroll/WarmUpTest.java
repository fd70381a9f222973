package io.github.panamarnn.tests.unroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;
import io.github.panamarnn.unroll.LayeredRunner;
import io.github.panamarnn.unroll.SequenceRunner;
import io.github.panamarnn.unroll.StaticRunner;
import io.github.panamarnn.unroll.StreamPool;
import io.github.panamarnn.unroll.StreamingCell;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Example;

/**
 * The warm-up call of every cell and runner leaves the caller's state exactly as it was. How close
 * the first real step comes to the median after it is a time, so it is measured where times belong
 * (the CLI's {@code bench} reports it, {@code jmh-results/latency}), never asserted by a unit test.
 */
class WarmUpTest {
    static float[] flat(CellState s) {
        float[] f = new float[s.batch() * s.flatSize()];
        s.readFlat(f, 0);
        return f;
    }

    static CellState randomised(CellState s, long seed) {
        s.writeFlat(SequenceRunnerPropertiesTest.rand(new SplittableRandom(seed), s.batch() * s.flatSize(), 1), 0);
        return s;
    }

    @Example
    void everyWarmUpLeavesTheStateAsItWas() {
        LstmCell lstm = Initializers.kerasLstm(8, 16, 1);
        RnnCell stack = new MultiRnnCell(List.of(lstm, Initializers.kerasGru(16, 16, 2)));

        StreamingCell stream = new StreamingCell(lstm);
        float[] before = flat(randomised(stream.state(), 1));
        assertTrue(stream.warmUp(100).nanos() > 0);
        assertArrayEquals(before, flat(stream.state()), "StreamingCell.warmUp changed the stream's state");

        StaticRunner st = new StaticRunner(stack, 3, 5);
        float[] b0 = flat(randomised(st.state(0), 2));
        float[] b1 = flat(randomised(st.state(1), 3));
        st.warmUp(10);
        assertArrayEquals(b0, flat(st.state(0)), "StaticRunner.warmUp changed layer 0's state");
        assertArrayEquals(b1, flat(st.state(1)), "StaticRunner.warmUp changed layer 1's state");

        SequenceRunner seq = new SequenceRunner(lstm, 2, 7);
        before = flat(randomised(seq.state(), 4));
        seq.warmUp(10, 100);
        assertArrayEquals(before, flat(seq.state()), "SequenceRunner.warmUp changed the state");

        LayeredRunner bi = new LayeredRunner(java.util.List.of(LayeredRunner.Layer.bidirectional(lstm, Initializers.kerasLstm(8, 16, 9),
                LayeredRunner.Merge.CONCAT), LayeredRunner.Layer.of(Initializers.kerasGru(32, 5, 10))), 2, 4);
        float[] f = flat(randomised(bi.state(0, 0), 5));
        float[] b = flat(randomised(bi.state(0, 1), 6));
        float[] g = flat(randomised(bi.state(1, 0), 7));
        bi.warmUp(10, 4);
        assertArrayEquals(f, flat(bi.state(0, 0)), "LayeredRunner.warmUp changed the forward state");
        assertArrayEquals(b, flat(bi.state(0, 1)), "LayeredRunner.warmUp changed the backward state");
        assertArrayEquals(g, flat(bi.state(1, 0)), "LayeredRunner.warmUp changed the second layer's state");

        StreamPool pool = new StreamPool(lstm, 10, 4);
        float[][] states = new float[10][16];
        SplittableRandom r = new SplittableRandom(7);
        for (int id = 0; id < 10; id++) {
            states[id] = SequenceRunnerPropertiesTest.rand(r, 16, 1);
            pool.writeState(id, 1, states[id], 0);
        }
        pool.warmUp(10);
        for (int id = 0; id < 10; id++) {
            float[] now = new float[16];
            pool.readState(id, 1, now, 0);
            assertArrayEquals(states[id], now, "StreamPool.warmUp changed stream " + id);
        }

        assertTrue(lstm.warmUp(4, 10).calls() >= 10);
        assertThrows(IllegalArgumentException.class, () -> WarmUp.run(() -> { }, -1));
    }
}
