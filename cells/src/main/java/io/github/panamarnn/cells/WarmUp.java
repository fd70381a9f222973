package io.github.panamarnn.cells;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * The start-up warm-up behind every {@code warmUp} of this library (cells, runners, streams): what a
 * latency-sensitive service calls once before its first real tick.
 *
 * <p>Before the JIT's top tier has compiled them, Vector API kernels run hundreds of times slower
 * and allocate (PLATFORM-FACTS). Running a fixed number of calls is not enough: the top-tier
 * compilation is queued in the background and can still be running when the loop ends, so the first
 * real call would run the previous tier. {@link #run} therefore runs the requested calls, then keeps
 * calling in rounds of {@value #ROUND_MILLIS} ms until {@value #QUIET_ROUNDS} rounds in a row end
 * with no JIT compilation finished in the whole JVM (read from {@link CompilationMXBean}), or
 * {@value #MAX_EXTRA_MILLIS} ms have passed. On this machine an LSTM at h = 64 takes about 1 to 2 s in
 * all; the caller learns the time from the return value.
 */
public final class WarmUp {
    /** Length of one settling round. */
    public static final int ROUND_MILLIS = 50;
    /** Rounds in a row without a finished compilation that end the warm-up. */
    public static final int QUIET_ROUNDS = 3;
    /** The most the settling rounds may add after the requested calls. */
    public static final int MAX_EXTRA_MILLIS = 5_000;

    private WarmUp() {
    }

    /**
     * Runs {@code call} {@code calls} times, then until the JIT is quiet (see the class comment).
     * Returns the nanoseconds it took.
     *
     * @throws IllegalArgumentException for a negative {@code calls}
     */
    public static long run(Runnable call, int calls) {
        if (calls < 0) {
            throw new IllegalArgumentException("warm-up calls must be 0 or more, got " + calls);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean observable = jit != null && jit.isCompilationTimeMonitoringSupported();
        long deadline = System.nanoTime() + MAX_EXTRA_MILLIS * 1_000_000L;
        int quiet = 0;
        long compiled = observable ? jit.getTotalCompilationTime() : 0;
        while (quiet < QUIET_ROUNDS && System.nanoTime() < deadline) {
            long roundEnd = System.nanoTime() + ROUND_MILLIS * 1_000_000L;
            do {
                call.run();
            } while (System.nanoTime() < roundEnd);
            long now = observable ? jit.getTotalCompilationTime() : compiled;
            quiet = now == compiled ? quiet + 1 : 0;
            compiled = now;
        }
        return System.nanoTime() - t0;
    }
}
