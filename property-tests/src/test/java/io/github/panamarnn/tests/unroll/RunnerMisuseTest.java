package io.github.panamarnn.tests.unroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.unroll.SequenceRunner;
import io.github.panamarnn.unroll.StreamPool;
import java.util.List;
import java.util.function.Consumer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The stream pool and the sequence runner against bad arguments: an {@link IllegalArgumentException}
 * and every stream's state exactly as before (the pool's whole store compared value by value).
 */
class RunnerMisuseTest {
    private static float[] snapshot(StreamPool pool, int parts) {
        float[] all = new float[pool.streams() * parts * 8];
        int at = 0;
        for (int id = 0; id < pool.streams(); id++) {
            for (int p = 0; p < parts; p++) {
                pool.readState(id, p, all, at);
                at += 8;
            }
        }
        return all;
    }

    @Property(tries = 60)
    void aRejectedTickChangesNoStream(@ForAll @IntRange(min = 0, max = 8) int misuse) {
        RnnCell cell = Initializers.kerasLstm(3, 8, 1);
        StreamPool pool = new StreamPool(cell, 6, 4);
        float[] x = new float[4 * 3];
        java.util.Arrays.fill(x, 0.3f);
        float[] y = new float[4 * 8];
        pool.tick(new int[] {0, 2, 3, 5}, 4, x, 0, y, 0);
        float[] before = snapshot(pool, 2);
        List<Consumer<StreamPool>> bad = List.of(
                p -> p.tick(new int[] {0, 1}, 3, x, 0, y, 0),          // fewer ids than count
                p -> p.tick(null, 2, x, 0, y, 0),
                p -> p.tick(new int[] {0, 1}, 2, new float[5], 0, y, 0), // short input
                p -> p.tick(new int[] {0, 1}, 2, x, 0, new float[15], 0), // short output
                p -> p.tick(new int[] {0, 1}, 2, x, 0, y, -1),
                p -> p.tick(new int[] {0, 9}, 2, x, 0, y, 0),          // unknown id
                p -> p.tick(new int[] {1, 1}, 2, x, 0, y, 0),          // repeated id
                p -> p.writeState(0, 2, new float[8], 0),               // no such part
                p -> p.writeState(0, 1, new float[7], 0));              // short source
        assertThrows(IllegalArgumentException.class, () -> bad.get(misuse).accept(pool));
        assertArrayEquals(before, snapshot(pool, 2), "misuse " + misuse + " changed a stream");
    }

    @Property(tries = 20)
    void aRejectedRunChangesNoState(@ForAll @IntRange(min = 0, max = 4) int misuse) {
        RnnCell cell = Initializers.kerasGru(3, 5, 2);
        SequenceRunner r = new SequenceRunner(cell, 2, 4);
        float[] x = new float[2 * 4 * 3];
        java.util.Arrays.fill(x, -0.2f);
        r.run(x, 4, false, null, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, null);
        float[] before = r.state().part(0).clone();
        List<Runnable> bad = List.of(
                () -> r.run(new float[7], 4, false, null, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, null),
                () -> r.run(x, 4, false, new int[] {4, 5}, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, null),
                () -> r.run(x, 4, false, null, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, new float[3]),
                () -> r.run(x, 5, false, null, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, null),
                () -> r.run(null, 4, false, null, null, SequenceRunner.Order.FORWARD, SequenceRunner.Padding.ZERO, null));
        assertThrows(IllegalArgumentException.class, bad.get(misuse)::run);
        assertArrayEquals(before, r.state().part(0), "misuse " + misuse + " changed the state");
    }
}
