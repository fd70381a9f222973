package io.github.panamarnn.flink;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * A recurrent model as a keyed Flink operator: every key of a {@link KeyedStream} is one independent stream of the
 * model, whose whole state (every layer, every part) is one {@code float[]} in Flink keyed state, so it is checkpointed,
 * restored after a failure and redistributed when the job rescales, on any state backend.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Prediction> out = KeyedModel
 *         .of(ModelSource.file("/models/telemetry.keras"),
 *             (Reading r, float[] x, int off) -> { x[off] = r.value(); },
 *             (r, y, off, len) -> new Prediction(r.sensor(), r.time(), y[off]),
 *             TypeInformation.of(Prediction.class))
 *         .maxBatch(64).maxDelay(Duration.ofMillis(2))
 *         .applyTo(readings.keyBy(Reading::sensor));
 * }</pre>
 *
 * <p><b>Micro-batching.</b> Ticks of different keys that arrive together are advanced in one batched step of the model
 * (one matrix-matrix product per layer instead of one matrix-vector product per key): a batch closes when it holds
 * {@link #maxBatch} ticks or {@link #maxDelay} after its first tick (a processing-time timer), before every checkpoint
 * barrier and watermark, and at the end of the input. Two ticks of one key never share a step: the later one waits
 * for the next, so each key sees its ticks in arrival order. Outputs carry their input's timestamp.
 *
 * <p><b>Exact whatever the batching.</b> A key's numbers are bit for bit the same whichever other keys shared its
 * steps: a replay after a failure, a rescaled job and the per-record operator ({@code maxBatch(1)}) all compute the
 * same bits, those of a single-machine {@code Stream}. Every kernel of this library computes each row of a batch alike
 * ({@link io.github.panamarnn.model.Model#rowBlock()} is 1); were it more, batches would be padded to a
 * multiple of it ({@link #padToRowBlock(boolean)}).
 *
 * <p><b>Order.</b> Each key's ticks must reach the operator in order: partition the source by key (a keyed source, or
 * {@code keyBy} right after a source that keeps per-key order).
 *
 * <p>Immutable; the configured operator is serialized into the job. {@code applyTo} may be called for several streams.
 *
 * @param <T> the input record type
 * @param <R> the output record type
 */
public final class KeyedModel<T, R> implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The largest {@link #maxBatch}: a step's buffers are {@code maxBatch x width} floats. */
    public static final int MAX_BATCH = 1 << 16;
    /**
     * The name of the keyed {@code ValueState<float[]>} that holds each key's state (in the format of
     * {@link io.github.panamarnn.model.Model.Stream#snapshot(float[], int)}): what the State Processor API reads
     * from a savepoint, and what {@code Stream.restore} takes to continue a key on a single machine.
     */
    public static final String STATE_NAME = "panama-rnn-state";
    /** The longest {@link #maxDelay}. */
    public static final Duration MAX_DELAY = Duration.ofHours(1);

    /** Where each task loads the model. */
    final ModelSource source;
    /** Writes a record's features. */
    final Features<T> features;
    /** Builds an output record. */
    final Predictions<T, R> predictions;
    /** The output records' type. */
    final TypeInformation<R> outputType;
    /** The most ticks in one step. */
    final int maxBatch;
    /** The latency budget of a partial batch, ms. */
    final long maxDelayMillis;
    /** Warm-up steps per batch size in {@code open()}. */
    final int warmUpCalls;
    /** Whether batches are padded to the row block. */
    final boolean padToRowBlock;

    private KeyedModel(ModelSource source, Features<T> features, Predictions<T, R> predictions, TypeInformation<R> outputType,
                       int maxBatch, long maxDelayMillis, int warmUpCalls, boolean padToRowBlock) {
        this.source = source;
        this.features = features;
        this.predictions = predictions;
        this.outputType = outputType;
        this.maxBatch = maxBatch;
        this.maxDelayMillis = maxDelayMillis;
        this.warmUpCalls = warmUpCalls;
        this.padToRowBlock = padToRowBlock;
    }

    /**
     * The model from {@code source}, each record's features written by {@code features}, each output built by
     * {@code predictions} as a {@code outputType}; batches of up to 64 ticks, closed at the latest 5 ms after their
     * first tick, padded to the row block, 1,000 warm-up steps per task.
     */
    public static <T, R> KeyedModel<T, R> of(ModelSource source, Features<T> features, Predictions<T, R> predictions,
                                             TypeInformation<R> outputType) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(predictions, "predictions");
        Objects.requireNonNull(outputType, "outputType");
        return new KeyedModel<>(source, features, predictions, outputType, 64, 5, 1000, true);
    }

    /** At most this many ticks (of distinct keys) in one step, 1 to {@link #MAX_BATCH}; 1 steps every record alone. */
    public KeyedModel<T, R> maxBatch(int ticks) {
        if (ticks < 1 || ticks > MAX_BATCH) {
            throw new IllegalArgumentException("maxBatch must be 1 to " + MAX_BATCH + ", got " + ticks);
        }
        return new KeyedModel<>(source, features, predictions, outputType, ticks, maxDelayMillis, warmUpCalls, padToRowBlock);
    }

    /** The latency budget: a partial batch is stepped at the latest this long (processing time, whole ms, at least 1) after its first tick. */
    public KeyedModel<T, R> maxDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.toMillis() < 1 || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("maxDelay must be 1 ms to " + MAX_DELAY.toMinutes() + " minutes, got " + delay);
        }
        return new KeyedModel<>(source, features, predictions, outputType, maxBatch, delay.toMillis(), warmUpCalls, padToRowBlock);
    }

    /** Steps run in {@code open()} on every batch size the task will use, before the first record (0: none); at most 10^7. */
    public KeyedModel<T, R> warmUp(int calls) {
        if (calls < 0 || calls > 10_000_000) {
            throw new IllegalArgumentException("warmUp must be 0 to 10000000 calls, got " + calls);
        }
        return new KeyedModel<>(source, features, predictions, outputType, maxBatch, maxDelayMillis, calls, padToRowBlock);
    }

    /** Whether batches are padded to the kernels' row block so numbers never depend on the grouping (default true). */
    public KeyedModel<T, R> padToRowBlock(boolean pad) {
        return new KeyedModel<>(source, features, predictions, outputType, maxBatch, maxDelayMillis, warmUpCalls, pad);
    }

    /** The most ticks in one step. */
    public int maxBatch() {
        return maxBatch;
    }

    /** The latency budget of a partial batch. */
    public Duration maxDelay() {
        return Duration.ofMillis(maxDelayMillis);
    }

    /**
     * The operator on {@code keyed}: one output per input record, named {@code "panama-rnn"}. Give it a {@code uid} so a
     * savepoint finds its state again after the job changes.
     */
    public <K> SingleOutputStreamOperator<R> applyTo(KeyedStream<T, K> keyed) {
        Objects.requireNonNull(keyed, "keyed");
        return keyed.transform("panama-rnn", outputType, new KeyedModelOperator<>(this));
    }
}
