package io.github.panamarnn.tests;

import java.lang.management.ManagementFactory;

/**
 * Exact allocation measurement with the thread's allocation counter: warm up until three batches
 * of 1,000 calls in a row allocate nothing (C2 has compiled the call), with a deadline, then count
 * the bytes of windows of 20,000 calls, and return the smallest of up to five windows (the test
 * asserts 0). A one-time JIT event (a deoptimization that materializes a vector box was seen to
 * cost 56 bytes once) cannot repeat in every window; a call that allocates does allocate in every
 * window, so it cannot pass.
 */
public final class AllocationMeter {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private AllocationMeter() {
    }

    public static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    public static long bytesPerCallAfterWarmup(Runnable call) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        int clean = 0;
        while (clean < 3 && System.nanoTime() < deadline) {
            long before = allocatedBytes();
            for (int i = 0; i < 1_000; i++) {
                call.run();
            }
            clean = allocatedBytes() - before == 0 ? clean + 1 : 0;
        }
        long least = Long.MAX_VALUE;
        for (int window = 0; window < 5 && least > 0; window++) {
            long before = allocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                call.run();
            }
            least = Math.min(least, allocatedBytes() - before);
        }
        return least;
    }
}
