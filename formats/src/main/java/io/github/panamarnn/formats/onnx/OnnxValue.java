package io.github.panamarnn.formats.onnx;

import java.util.Arrays;

/**
 * An ONNX tensor value: a shape and either float32 values ({@code floats}) or integer values
 * ({@code longs}, for ONNX INT32/INT64: shapes, indices, sequence lengths). Row-major. The arrays are
 * not copied. An input may be given again with new values written into its array (a run reads them
 * then); the outputs of {@link OnnxSession#runShared} are the session's and change with its next run.
 */
public record OnnxValue(String name, int[] shape, float[] floats, long[] longs) {
    /** Checks that exactly one of the value arrays is given and that it holds the shape's product. */
    public OnnxValue {
        if ((floats == null) == (longs == null)) {
            throw new IllegalArgumentException("tensor " + name + ": exactly one of floats and longs");
        }
        long n = count(shape);
        int have = floats != null ? floats.length : longs.length;
        if (n != have) {
            throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(shape) + " needs " + n + " values, has " + have);
        }
    }

    /** A float tensor. */
    public static OnnxValue of(String name, float[] values, int... shape) {
        return new OnnxValue(name, shape.clone(), values, null);
    }

    /** An int64 tensor. */
    public static OnnxValue ofLongs(String name, long[] values, int... shape) {
        return new OnnxValue(name, shape.clone(), null, values);
    }

    static long count(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n *= s;
        }
        return n;
    }

    /** Whether the values are floats (else int64). */
    public boolean isFloat() {
        return floats != null;
    }

    /** Values in the tensor. */
    public int size() {
        return floats != null ? floats.length : longs.length;
    }

    /** Dimensions of the tensor. */
    public int rank() {
        return shape.length;
    }

    /** Element {@code i} as a long (floats are truncated). */
    long longAt(int i) {
        return floats != null ? (long) floats[i] : longs[i];
    }

    /** Element {@code i} as a float. */
    float floatAt(int i) {
        return floats != null ? floats[i] : longs[i];
    }

    @Override
    public String toString() {
        return (name == null ? "tensor" : name) + (isFloat() ? " float" : " int64") + Arrays.toString(shape);
    }
}
