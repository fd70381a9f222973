package io.github.panamarnn.tests.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.WarmUp;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.tests.AllocationMeter;
import io.github.panamarnn.unroll.StreamingCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A warm-up tells what it did ({@link WarmUp.Result}) and leaves a JFR event a service's recording can show; a model
 * stream's steps are sampled into an opt-in JFR event, one in 1,024, and nothing at all is recorded or allocated for
 * them unless a recording enables it.
 */
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

    @Test
    void modelStepsAreSampledIntoAnOptInEvent() throws Exception {
        Model m = new Model("observed", 4, 0, List.of(new Model.Recurrent("gru", "GRU(8)", Initializers.kerasGru(4, 8, 1),
                null, null, true, io.github.panamarnn.unroll.SequenceRunner.Order.FORWARD, false, false, 0)));
        Model.Stream s = m.newStream(3);
        float[] x = new float[3 * 4];
        float[] y = new float[3 * 8];
        // Off by default: a recording of everything else has none of these events, and a step allocates nothing.
        Path quiet = dir.resolve("quiet.jfr");
        try (Recording rec = new Recording()) {
            rec.enable("io.github.panamarnn.WarmUp");
            rec.start();
            for (int i = 0; i < 4096; i++) {
                s.step(x, 0, y, 0);
            }
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> s.step(x, 0, y, 0)), "a step allocated while the event is off");
            rec.stop();
            rec.dump(quiet);
        }
        assertEquals(0, stepEvents(quiet).size(), "the step event is opt-in");
        Path file = dir.resolve("steps.jfr");
        Model.Stream fresh = m.newStream(3);
        try (Recording rec = new Recording()) {
            rec.enable("io.github.panamarnn.Step");
            rec.start();
            for (int i = 0; i < 4 * 1024 + 5; i++) {
                fresh.step(x, 0, y, 0);
            }
            rec.stop();
            rec.dump(file);
        }
        List<RecordedEvent> events = stepEvents(file);
        assertEquals(4, events.size(), "one step in 1,024 is sampled");
        for (RecordedEvent e : events) {
            assertEquals("observed", e.getString("model"));
            assertEquals(3, e.getInt("batch"));
            assertTrue(e.getDuration().toNanos() > 0, e.toString());
        }
    }

    private static List<RecordedEvent> stepEvents(Path file) throws java.io.IOException {
        return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().equals("io.github.panamarnn.Step")).toList();
    }
}
