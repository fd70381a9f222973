package io.github.panamarnn.model;

import java.util.List;

/**
 * A whole-sequence computation that a file reader runs on its own engine, for a model the other layers of {@link Model}
 * cannot express: an ONNX graph that does not compile to layers runs in the ONNX interpreter. It maps
 * {@code [batch, steps, inputSize]} to {@code [batch, steps, outputSize]} or {@code [batch, outputSize]}, keeps no state
 * from one run to the next and cannot run one step at a time.
 *
 * <p>An implementation is immutable and thread-safe (share it like the model); each {@link Model.Session} makes its own
 * {@link Runner}, which belongs to that session's thread.
 */
public interface SequenceFunction {
    /** Features per input step. */
    int inputSize();

    /** Features per output row. */
    int outputSize();

    /** True when the output keeps the time axis. */
    boolean sequenceOutput();

    /** Trainable values (float weights) it holds. */
    long parameters();

    /** A 64-bit digest of everything that decides its numbers, the same on every machine (part of {@link Model#fingerprint()}). */
    long digest();

    /** What it runs, for humans, one line per item (e.g. one per graph node). */
    List<String> description();

    /** Buffers for runs of {@code batch} rows of up to {@code capacity} steps. */
    Runner newRunner(int batch, int capacity);

    /** One session's buffers; not thread-safe. */
    interface Runner {
        /**
         * Runs {@code x[0 .. batch * steps * inputSize)} ({@code [batch, steps, inputSize]}, already checked by the
         * session) and writes {@code out} ({@code [batch, steps, outputSize]} or {@code [batch, outputSize]}). A repeated
         * run of a number of steps run before allocates nothing.
         *
         * @throws IllegalArgumentException when these values cannot run (naming why); {@code out} is then undefined
         */
        void run(float[] x, int steps, float[] out);
    }
}
