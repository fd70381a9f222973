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
 * all; the caller learns the time, the calls and whether the JIT was quiet from the {@link Result},
 * and a JFR recording holds one {@code io.github.panamarnn.WarmUp} event per warm-up.
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
     * What a warm-up did: the calls it made (the requested ones and the settling rounds'), how long it
     * took, and whether the JIT was quiet at the end ({@link #QUIET_ROUNDS} rounds without a finished
     * compilation). {@code jitQuiet == false} means the deadline ended it while the JIT was still
     * compiling (or the JVM cannot tell): the first real calls may still run a lower tier, and a
     * service may want to warm up again or log it.
     */
    public record Result(long calls, long nanos, boolean jitQuiet) {
    }

    /** A JFR event per warm-up ({@code io.github.panamarnn.WarmUp}): its calls, whether the JIT was quiet, its duration. */
    @jdk.jfr.Name("io.github.panamarnn.WarmUp")
    @jdk.jfr.Label("panama-rnn warm-up")
    @jdk.jfr.Category("panama-rnn")
    @jdk.jfr.Description("A warmUp of a cell, runner, stream or model, until the JIT was quiet or the deadline passed")
    static final class Event extends jdk.jfr.Event {
        @jdk.jfr.Label("Calls")
        long calls;
        @jdk.jfr.Label("JIT quiet at the end")
        boolean jitQuiet;
    }

    /**
     * Runs {@code call} {@code calls} times, then until the JIT is quiet (see the class comment).
     *
     * @throws IllegalArgumentException for a negative {@code calls}
     */
    public static Result run(Runnable call, int calls) {
        if (calls < 0) {
            throw new IllegalArgumentException("warm-up calls must be 0 or more, got " + calls);
        }
        Event event = new Event();
        event.begin();
        long t0 = System.nanoTime();
        long made = 0;
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        made += calls;
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean observable = jit != null && jit.isCompilationTimeMonitoringSupported();
        long deadline = System.nanoTime() + MAX_EXTRA_MILLIS * 1_000_000L;
        int quiet = 0;
        long compiled = observable ? jit.getTotalCompilationTime() : 0;
        while (quiet < QUIET_ROUNDS && System.nanoTime() < deadline) {
            long roundEnd = System.nanoTime() + ROUND_MILLIS * 1_000_000L;
            do {
                call.run();
                made++;
            } while (System.nanoTime() < roundEnd);
            long now = observable ? jit.getTotalCompilationTime() : compiled;
            quiet = now == compiled ? quiet + 1 : 0;
            compiled = now;
        }
        Result r = new Result(made, System.nanoTime() - t0, observable && quiet >= QUIET_ROUNDS);
        event.end();
        if (event.shouldCommit()) {
            event.calls = r.calls();
            event.jitQuiet = r.jitQuiet();
            event.commit();
        }
        return r;
    }
}
