package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.model.ModelStreamPool;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.tests.AllocationMeter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * 0 bytes per call after warm-up (thread-allocated bytes, exact) for {@code Session.run}, {@code Stream.step} (batch 1 and 8) and a
 * {@code ModelStreamPool} tick, for a model of every format in ../shared/models loaded through {@code ModelFiles.load}:
 * Keras .keras and .h5, PyTorch .safetensors and .npz, ONNX (compiled to layers).
 */
class EveryFormatAllocationTest {
    private static final List<String> FILES = List.of("keras/gru64.keras", "keras/stacked_lstm64_32.h5", "torch/lstm64_proj16.safetensors",
            "torch/gru64.npz", "onnx/lstm2x64.onnx");

    @TestFactory
    Stream<DynamicTest> everyFormatRunsWithoutAllocating() {
        return FILES.stream().map(f -> DynamicTest.dynamicTest(f, () -> {
            Model m = ModelFiles.load(TorchModelsTest.MODELS.resolve(f));
            int in = m.inputSize();
            float[] x = new float[8 * 10 * in];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i * 0.37);
            }
            float[] y = new float[m.outputLength(8, 10)];
            Model.Session session = m.newSession(8, 10);
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> session.run(x, 10, y)), f + ": Session.run");
            Model.Stream stream = m.newStream();
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> stream.step(x, 0, y, 0)), f + ": Stream.step");
            Model.Stream batched = m.newStream(8);
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> batched.step(x, 0, y, 0)), f + ": Stream.step, batch 8");
            ModelStreamPool pool = m.newStreamPool(500, 8);
            int[] ids = new int[8];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i * 15;
            }
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> pool.tick(ids, 8, x, 0, y, 0)), f + ": pool tick");
        }));
    }
}
