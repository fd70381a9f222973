package io.github.panamarnn.tests.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.WarmUp;
import io.github.panamarnn.unroll.StreamingCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A warm-up tells what it did ({@link WarmUp.Result}) and leaves a JFR event a service's recording can show. */
class ObservabilityTest {
    @TempDir
    Path dir;

    @Test
    void aWarmUpReturnsItsResultAndRecordsAnEvent() throws Exception {
        StreamingCell s = new StreamingCell(Initializers.kerasGru(4, 8, 1));
        WarmUp.Result r;
        Path file = dir.resolve("warmup.jfr");
        try (Recording rec = new Recording()) {
            rec.enable("io.github.panamarnn.WarmUp");
            rec.start();
            r = s.warmUp(500);
            rec.stop();
            rec.dump(file);
        }
        assertTrue(r.calls() > 500 && r.nanos() > 0, r.toString());
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("io.github.panamarnn.WarmUp")).toList();
        assertEquals(1, events.size(), "one warm-up, one event");
        assertEquals(r.calls() - 1, events.get(0).getLong("calls"), "the event counts the warm-up's own calls");
        assertEquals(r.jitQuiet(), events.get(0).getBoolean("jitQuiet"));
        assertTrue(Files.size(file) > 0);
    }
}
