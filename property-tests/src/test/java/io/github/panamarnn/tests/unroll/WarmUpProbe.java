package io.github.panamarnn.tests.unroll;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.unroll.StreamingCell;
import java.util.Arrays;

/**
 * Run in a fresh JVM by {@link WarmUpTest}: a Keras LSTM of {@code args[0]} units as one stream. The
 * tick call site runs once cold (as a service's start-up code would, resolving it), then
 * {@code warmUp(args[1])}, then the first real tick through that call site is timed, then
 * {@value #CALLS} more one by one. Last, one call from a method that never ran before (a brand-new
 * call site, which adds the JVM's one-off resolution of it). Prints
 * "warm-up-ns first-ns median-ns fresh-site-ns".
 */
public final class WarmUpProbe {
    static final int CALLS = 20_000;

    private WarmUpProbe() {
    }

    static long tick(StreamingCell s, float[] x, float[] y) {
        long t0 = System.nanoTime();
        s.step(x, 0, y, 0);
        return System.nanoTime() - t0;
    }

    static long freshSite(StreamingCell s, float[] x, float[] y) {
        long t0 = System.nanoTime();
        s.step(x, 0, y, 0);
        return System.nanoTime() - t0;
    }

    public static void main(String[] args) {
        int h = Integer.parseInt(args[0]);
        StreamingCell s = new StreamingCell(Initializers.kerasLstm(h, h, 42));
        float[] x = new float[h];
        float[] y = new float[h];
        x[0] = 0.5f;
        tick(s, x, y);
        s.reset();
        long warm = s.warmUp(Integer.parseInt(args[1]));
        long first = tick(s, x, y);
        long[] t = new long[CALLS];
        for (int i = 0; i < CALLS; i++) {
            x[i % h] = (float) Math.sin(i * 0.01);
            t[i] = tick(s, x, y);
        }
        Arrays.sort(t);
        long fresh = freshSite(s, x, y);
        System.out.println(warm + " " + first + " " + t[CALLS / 2] + " " + fresh);
    }
}
