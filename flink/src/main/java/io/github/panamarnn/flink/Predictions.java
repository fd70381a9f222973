package io.github.panamarnn.flink;

import java.io.Serializable;

/**
 * Builds the output record of one tick from its input record and the model's output, {@code len} floats at
 * {@code y[off..]}. The array is the operator's buffer, reused by the next step: copy what you keep.
 *
 * @param <T> the input record type
 * @param <R> the output record type
 */
@FunctionalInterface
public interface Predictions<T, R> extends Serializable {
    /** The output record of {@code record}, whose model output is {@code y[off .. off + len)}. */
    R build(T record, float[] y, int off, int len);
}
