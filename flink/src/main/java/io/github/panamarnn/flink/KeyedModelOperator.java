package io.github.panamarnn.flink;

import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.model.Model;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator {@link KeyedModel#applyTo} adds: buffers ticks, steps them in batches of distinct keys, keeps each key's
 * state in a {@code ValueState<float[]>} (the format of {@link Model.Stream#snapshot(int, float[], int)}: a
 * header with the model's fingerprint, then every layer's state). One instance per parallel task; its model, streams
 * and buffers belong to the task thread (Flink calls processing, timers and snapshots from that one thread).
 *
 * <p>Metrics (operator scope): {@code panamaRnnTicks} and {@code panamaRnnSteps} (counters), {@code panamaRnnBatchSize}
 * and {@code panamaRnnStepNanos} (histograms over the last 1,024 steps; the step alone, without state access).
 */
final class KeyedModelOperator<T, R> extends AbstractStreamOperator<R> implements OneInputStreamOperator<T, R> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(KeyedModelOperator.class);
    static final String STATE_NAME = KeyedModel.STATE_NAME;

    private final KeyedModel<T, R> spec;

    private transient Model model;
    private transient ValueState<float[]> state;
    /** Streams by padded batch size / step: {@code streams[i]} has batch {@code (i + 1) * step}, built when first needed. */
    private transient Model.Stream[] streams;
    private transient int step;
    private transient int in;
    private transient int out;
    private transient float[] x;
    private transient float[] y;
    /** Ticks waiting: keys, records and timestamps in arrival order. */
    private transient Object[] keys;
    private transient Object[] records;
    private transient long[] times;
    private transient boolean[] timed;
    private transient int count;
    /** Which buffered ticks ran already (a wave steps at most one tick per key). */
    private transient boolean[] done;
    private transient int[] wave;
    /** The state arrays read for the wave's rows, written back in place (null: the key had no state yet). */
    private transient float[][] held;
    private transient Set<Object> inWave;
    private transient boolean timerPending;
    private transient StreamRecord<R> outRecord;
    private transient Counter ticks;
    private transient Counter steps;
    private transient Histogram batchSizes;
    private transient Histogram stepNanos;

    KeyedModelOperator(KeyedModel<T, R> spec) {
        this.spec = spec;
    }

    @Override
    public void open() throws Exception {
        super.open();
        String fallback = KernelProvider.fallbackReason();
        if (fallback != null) {
            LOG.warn("panama-rnn runs its scalar kernels in this task ({}): add '--add-modules jdk.incubator.vector' to the task "
                    + "managers' JVM options (env.java.opts.taskmanager) for the vector kernels", fallback);
        }
        model = spec.source.load();
        if (model == null) {
            throw new IllegalStateException("the model source returned no model");
        }
        if (!model.streamable()) {
            throw new IllegalArgumentException("model " + model.source() + " cannot run one step at a time (a bidirectional, "
                    + "go_backwards or whole-sequence layer), so it cannot be a keyed streaming operator");
        }
        in = model.inputSize();
        out = model.outputSize();
        step = spec.padToRowBlock ? model.rowBlock() : 1;
        int capacity = roundUp(spec.maxBatch, step);
        streams = new Model.Stream[capacity / step];
        x = new float[Math.multiplyExact(capacity, in)];
        y = new float[Math.multiplyExact(capacity, out)];
        keys = new Object[spec.maxBatch];
        records = new Object[spec.maxBatch];
        times = new long[spec.maxBatch];
        timed = new boolean[spec.maxBatch];
        done = new boolean[spec.maxBatch];
        wave = new int[spec.maxBatch];
        held = new float[spec.maxBatch][];
        inWave = new HashSet<>(Math.max(16, spec.maxBatch * 2));
        outRecord = new StreamRecord<>(null);
        state = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_NAME, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        ticks = getMetricGroup().counter("panamaRnnTicks");
        steps = getMetricGroup().counter("panamaRnnSteps");
        batchSizes = getMetricGroup().histogram("panamaRnnBatchSize", new DescriptiveStatisticsHistogram(1024));
        stepNanos = getMetricGroup().histogram("panamaRnnStepNanos", new DescriptiveStatisticsHistogram(1024));
        long t0 = System.nanoTime();
        if (spec.warmUpCalls > 0) {
            // The sizes this task will step most: one block (a lone tick) and a full batch.
            stream(step).warmUp(spec.warmUpCalls);
            if (capacity != step) {
                stream(capacity).warmUp(spec.warmUpCalls);
            }
        }
        LOG.info("panama-rnn {} in task {}: model {} ({} parameters, fingerprint {}), kernels {}, precision {}, batches of up to {} "
                        + "ticks{} within {} ms, {} warm-up steps in {} ms",
                KernelProvider.version(), getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks(), model.source(), model.parameterCount(),
                Long.toHexString(model.fingerprint()), model.kernels().name(), model.kernels().precision().label(),
                spec.maxBatch, step > 1 ? " padded to multiples of " + step : "", spec.maxDelayMillis, spec.warmUpCalls,
                (System.nanoTime() - t0) / 1_000_000);
    }

    private static int roundUp(int n, int step) {
        return (n + step - 1) / step * step;
    }

    /** The stream of batch {@code padded} (a multiple of {@link #step}), built on first use. */
    private Model.Stream stream(int padded) {
        int i = padded / step - 1;
        Model.Stream s = streams[i];
        if (s == null) {
            s = model.newStream(padded);
            streams[i] = s;
        }
        return s;
    }

    @Override
    public void processElement(StreamRecord<T> element) throws Exception {
        keys[count] = getCurrentKey();
        records[count] = element.getValue();
        timed[count] = element.hasTimestamp();
        times[count] = element.getTimestamp();
        count++;
        if (count == spec.maxBatch) {
            flush();
        } else if (!timerPending) {
            timerPending = true;
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService().registerTimer(now + spec.maxDelayMillis, this::onTimer);
        }
    }

    private void onTimer(long time) throws Exception {
        timerPending = false;
        flush();
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void processWatermark(WatermarkEvent event) throws Exception {
        flush();
        super.processWatermark(event);
    }

    /** Every buffered tick is applied and emitted before the barrier: the checkpoint holds no tick in flight. */
    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    /** Steps every buffered tick: waves of distinct keys in arrival order, each one batched step. */
    void flush() throws Exception {
        if (count == 0) {
            return;
        }
        Object restoreKey = getCurrentKey();
        // A tick is marked done when its state is written, and the marks are cleared only once every buffered tick is:
        // if an emit throws mid-wave and the task survives it, a later flush never applies a tick twice.
        int left = 0;
        for (int i = 0; i < count; i++) {
            left += done[i] ? 0 : 1;
        }
        while (left > 0) {
            // A tick joins the wave unless its key is already there or an earlier tick of its key waits (order per key).
            inWave.clear();
            int n = 0;
            for (int i = 0; i < count; i++) {
                if (!done[i] && inWave.add(keys[i])) {
                    wave[n++] = i;
                }
            }
            stepWave(n);
            left -= n;
        }
        Arrays.fill(keys, 0, count, null);
        Arrays.fill(records, 0, count, null);
        Arrays.fill(done, 0, count, false);
        count = 0;
        if (restoreKey != null) {
            setCurrentKey(restoreKey);
        }
    }

    @SuppressWarnings("unchecked")
    private void stepWave(int n) throws Exception {
        int padded = roundUp(n, step);
        Model.Stream s = stream(padded);
        for (int r = 0; r < n; r++) {
            int i = wave[r];
            setCurrentKey(keys[i]);
            float[] st = state.value();
            held[r] = st != null && st.length == model.stateSize() ? st : null;
            if (st == null) {
                s.reset(r);
            } else {
                try {
                    s.restore(r, st, 0);
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("the state of key " + keys[i] + " does not belong to model " + model.source()
                            + " (a savepoint of another model?): " + e.getMessage(), e);
                }
            }
            spec.features.write((T) records[i], x, r * in);
        }
        for (int r = n; r < padded; r++) {
            s.reset(r);
            Arrays.fill(x, r * in, (r + 1) * in, 0f);
        }
        long t0 = System.nanoTime();
        s.step(x, 0, y, 0);
        stepNanos.update(System.nanoTime() - t0);
        batchSizes.update(n);
        steps.inc();
        ticks.inc(n);
        for (int r = 0; r < n; r++) {
            int i = wave[r];
            setCurrentKey(keys[i]);
            // The array the state backend handed out is written in place (the heap backend copies an entry a running
            // snapshot still reads before handing it out; RocksDB deserialized a fresh one): no garbage per tick.
            float[] next = held[r] != null ? held[r] : new float[model.stateSize()];
            held[r] = null;
            s.snapshot(r, next, 0);
            state.update(next);
            done[i] = true;
            R result = spec.predictions.build((T) records[i], y, r * out, out);
            if (timed[i]) {
                output.collect(outRecord.replace(result, times[i]));
            } else {
                outRecord.replace(result);
                outRecord.eraseTimestamp();
                output.collect(outRecord);
            }
        }
    }
}
