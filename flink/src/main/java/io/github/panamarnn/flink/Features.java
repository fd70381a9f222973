package io.github.panamarnn.flink;

import java.io.Serializable;

/**
 * Writes one record's input features, {@code model.inputSize()} floats, at {@code dst[off..]}. Called in the task thread
 * for every record; it should not allocate.
 *
 * @param <T> the record type
 */
@FunctionalInterface
public interface Features<T> extends Serializable {
    /** Writes the features of {@code record} at {@code dst[off .. off + inputSize)}. */
    void write(T record, float[] dst, int off);
}
