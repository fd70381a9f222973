package io.github.panamarnn.formats.tensors;

import java.util.Arrays;

/** A named float32 tensor read from a model file: its shape and its row-major values. Immutable. */
public record Tensor(String name, int[] shape, float[] data) {
    /** Copies the shape; checks that the values hold its product. */
    public Tensor {
        shape = shape.clone();
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(shape) + " needs " + n + " values, has " + data.length);
        }
    }

    /** Number of values. */
    public int size() {
        return data.length;
    }

    /** A copy of the shape. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
