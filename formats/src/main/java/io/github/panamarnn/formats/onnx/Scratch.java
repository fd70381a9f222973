package io.github.panamarnn.formats.onnx;

import java.util.Arrays;

/**
 * The arrays one node of an {@link OnnxSession} uses in a run (its outputs, their shapes, its index maps), kept for the
 * next run: a node asks for its arrays in the same order every run, so when the input shapes repeat, every request is
 * answered with the array the previous run got and a run allocates nothing. The buffers are planned by the first run of
 * a shape; a run of another shape replaces the ones whose size changed.
 *
 * <p>A request hands out an array with the previous run's values in it: the node overwrites every value. {@link #NONE}
 * keeps nothing (constant folding, whose values must outlive the call). One per node of one session: not thread-safe.
 */
final class Scratch {
    /** Keeps nothing: every request is a new array. Stateless, so one instance serves every caller. */
    static final Scratch NONE = new Scratch(false);

    private final boolean reuse;
    private Object[] slots;
    private int next;

    private Scratch(boolean reuse) {
        this.reuse = reuse;
        this.slots = new Object[reuse ? 8 : 0];
    }

    /** A scratch that keeps the arrays of one node from run to run. */
    static Scratch reusing() {
        return new Scratch(true);
    }

    /** Starts a node's run: its requests are answered in order from the start. */
    Scratch begin() {
        next = 0;
        return this;
    }

    private Object current() {
        return reuse && next < slots.length ? slots[next] : null;
    }

    private <T> T keep(T a) {
        if (reuse) {
            if (next == slots.length) {
                slots = Arrays.copyOf(slots, slots.length * 2);
            }
            slots[next++] = a;
        }
        return a;
    }

    float[] floats(int n) {
        if (current() instanceof float[] f && f.length == n) {
            next++;
            return f;
        }
        return keep(new float[n]);
    }

    long[] longs(int n) {
        if (current() instanceof long[] l && l.length == n) {
            next++;
            return l;
        }
        return keep(new long[n]);
    }

    int[] ints(int n) {
        if (current() instanceof int[] i && i.length == n) {
            next++;
            return i;
        }
        return keep(new int[n]);
    }

    boolean[] booleans(int n) {
        if (current() instanceof boolean[] b && b.length == n) {
            next++;
            return b;
        }
        return keep(new boolean[n]);
    }

    /** {@code shape} copied into a kept array. */
    int[] copy(int[] shape) {
        int[] s = ints(shape.length);
        System.arraycopy(shape, 0, s, 0, shape.length);
        return s;
    }

    /** A tensor of these arrays: the previous run's when it holds the very same arrays (its shape array is this run's). */
    OnnxValue value(int[] shape, float[] floats, long[] longs) {
        if (current() instanceof OnnxValue v && v.shape() == shape && v.floats() == floats && v.longs() == longs) {
            next++;
            return v;
        }
        return keep(new OnnxValue(null, shape, floats, longs));
    }

    /** One float. */
    OnnxValue scalar(float f) {
        float[] a = floats(1);
        a[0] = f;
        return value(ints(0), a, null);
    }
}
