package io.github.panamarnn.model;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The opt-in, sampled step-latency JFR event ({@code io.github.panamarnn.Step}): the duration of every
 * {@value #SAMPLE_EVERY}th step of each {@link Model.Stream} (a pool's ticks included), with the model and the
 * batch. Disabled by default; a recording enables it ({@code -XX:StartFlightRecording:+io.github.panamarnn.Step#enabled=true},
 * or {@code Recording.enable("io.github.panamarnn.Step")}). While no
 * recording has it enabled a step pays one counter increment and one test, and allocates nothing; while one has, one
 * event object per sampled step.
 */
@Name("io.github.panamarnn.Step")
@Label("panama-rnn step (sampled)")
@Category("panama-rnn")
@Description("The duration of every 1,024th step of each model stream (a pool's ticks included)")
@Enabled(false)
@StackTrace(false)
final class StepEvent extends jdk.jfr.Event {
    /** One step in this many is timed. */
    static final int SAMPLE_EVERY = 1024;
    /** Its type, looked up once: {@link EventType#isEnabled()} says whether any recording wants it. */
    static final EventType TYPE = EventType.getEventType(StepEvent.class);

    @Label("Model")
    String model;
    @Label("Batch")
    int batch;
}
