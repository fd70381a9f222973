package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.model.Model;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A session runs the static runner when a run fills its capacity (every input projection of a chunk of steps in one
 * product) and the loop runner otherwise: both give the same outputs (within 1e-5: the batched products sum in another
 * order), for every model of ModelStreamsTest, masked and token-id models included.
 */
class SessionRunnersTest {

    @Property(tries = 20)
    void staticAndLoopRunnersAgree(@ForAll("models") String name, @ForAll @IntRange(min = 1, max = 9) int batch,
                                   @ForAll @IntRange(min = 1, max = 30) int steps, @ForAll long seed) {
        Model m = ModelStreamsTest.load(name);
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[batch * steps * m.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = m.tokenIds() ? r.nextInt(5) : (float) r.nextGaussian();
        }
        float[] full = new float[m.outputLength(batch, steps)];
        float[] loop = new float[full.length];
        m.newSession(batch, steps).run(x, steps, full);       // fills its capacity: the static runner where it applies
        m.newSession(batch, steps + 3).run(x, steps, loop);   // does not: the loop runner
        for (int i = 0; i < full.length; i++) {
            assertTrue(Math.abs(full[i] - loop[i]) <= 1e-5 + 1e-5 * Math.abs(loop[i]), name + " value " + i + ": " + full[i] + " vs " + loop[i]);
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> models() {
        return net.jqwik.api.Arbitraries.of("keras/lstm64.keras", "keras/stacked_lstm64_32.keras", "keras/gru64.keras", "keras/simplernn32.keras",
                "torch/lstm2x64.safetensors", "torch/lstm64_proj16.safetensors", "onnx/gru64.onnx", "tokens");
    }
}
