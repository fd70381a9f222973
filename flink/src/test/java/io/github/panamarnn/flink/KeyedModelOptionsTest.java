package io.github.panamarnn.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The operator's options: each bad value refused naming the range and the value; the configured operator serializable. */
class KeyedModelOptionsTest {

    @Test
    void badOptionsAreRefusedByName() {
        KeyedModel<Telemetry.Tick, Telemetry.Out> op = Telemetry.operator();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> op.maxBatch(0)).getMessage().contains("maxBatch must be 1 to 65536, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> op.maxBatch(KeyedModel.MAX_BATCH + 1)).getMessage().contains("got 65537"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> op.maxDelay(Duration.ZERO)).getMessage().contains("maxDelay must be 1 ms"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> op.maxDelay(Duration.ofHours(2))).getMessage().contains("got PT2H"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> op.warmUp(-1)).getMessage().contains("got -1"));
        assertThrows(NullPointerException.class, () -> op.maxDelay(null));
        assertThrows(NullPointerException.class, () -> KeyedModel.of(null, (Telemetry.Tick t, float[] x, int o) -> { }, (t, y, o, n) -> t,
                org.apache.flink.api.common.typeinfo.TypeInformation.of(Telemetry.Tick.class)));
        assertThrows(NullPointerException.class, () -> ModelSource.file(null));
        // A refused option changes nothing: the builder is immutable.
        assertEquals(64, op.maxBatch());
        assertEquals(Duration.ofMillis(5), op.maxDelay());
        assertEquals(7, op.maxBatch(7).maxBatch());
        assertEquals(64, op.maxBatch());
    }

    @Test
    void theConfiguredOperatorSerializes() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new KeyedModelOperator<>(Telemetry.operator().maxBatch(9)));
        }
        assertTrue(bytes.size() > 0);
    }
}
