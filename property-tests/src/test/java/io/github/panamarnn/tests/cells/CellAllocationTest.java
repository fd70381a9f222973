package io.github.panamarnn.tests.cells;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.tests.AllocationMeter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** After warm-up, one step of every cell type allocates nothing (thread-allocated bytes, exact). */
class CellAllocationTest {

    @TestFactory
    List<DynamicTest> everyCellStepAllocatesNothing() {
        List<DynamicTest> tests = new ArrayList<>();
        String[] families = {"tf1-lstm", "keras-lstm", "onnx-lstm", "torch-lstm", "tf1-gru", "keras-gru-after", "keras-gru-before",
            "onnx-gru-lbr0", "onnx-gru-lbr1", "torch-gru", "tf1-rnn", "keras-rnn", "onnx-rnn", "torch-rnn"};
        for (String family : families) {
            for (int batch : new int[] {1, 5}) {
                CellPropertiesTest.Pair p = CellPropertiesTest.build(family, 19, 37, batch, new SplittableRandom(family.hashCode()));
                tests.add(test(family + " batch " + batch, p.cell(), batch));
            }
        }
        CellPropertiesTest.Pair a = CellPropertiesTest.build("tf1-lstm", 19, 21, 3, new SplittableRandom(1));
        CellPropertiesTest.Pair b = CellPropertiesTest.build("tf1-gru", a.cell().outputSize(), 21, 3, new SplittableRandom(2));
        tests.add(test("MultiRNNCell(LSTMCell, GRUCell)", new MultiRnnCell(List.of(a.cell(), b.cell())), 3));
        return tests;
    }

    private static DynamicTest test(String name, RnnCell cell, int batch) {
        CellState state = cell.zeroState(batch);
        float[] x = CellPropertiesTest.rand(new SplittableRandom(9), batch * cell.inputSize(), 1);
        float[] y = new float[batch * cell.outputSize()];
        return DynamicTest.dynamicTest(name, () -> assertEquals(0L,
                AllocationMeter.bytesPerCallAfterWarmup(() -> cell.step(x, 0, state, y, 0)), name + " step allocated"));
    }
}
