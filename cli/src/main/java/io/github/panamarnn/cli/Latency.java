package io.github.panamarnn.cli;

import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Times one call at a time into an HdrHistogram (1 ns to 10 s, 3 significant digits) and measures
 * what the calls allocated (this thread's allocated bytes) and which collections ran meanwhile.
 */
final class Latency {
    /** One measured call; {@code i} counts calls from 0. */
    interface Call {
        void run(long i);
    }

    /** What a measured run gives. */
    record Result(String label, Histogram histogram, long calls, long elapsedNanos, long allocatedBytes, long countedCalls, long gcCount,
                  long gcMillis) {
        double bytesPerCall() {
            return countedCalls == 0 ? 0 : (double) allocatedBytes / countedCalls;
        }

        double callsPerSecond() {
            return calls * 1e9 / Math.max(1, elapsedNanos);
        }

        double us(double percentile) {
            return histogram.getValueAtPercentile(percentile) / 1000.0;
        }

        void print(PrintStream out, String unit) {
            out.printf(Locale.ROOT, "%s: %,d %s in %.2f s, %,.0f %s/s%n", label, calls, unit + "s", elapsedNanos / 1e9, callsPerSecond(), unit);
            out.printf(Locale.ROOT, "  latency per %s (us): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  p99.99 %.2f  max %.2f%n", unit, us(50), us(90),
                    us(99), us(99.9), us(99.99), histogram.getMaxValue() / 1000.0);
            out.printf(Locale.ROOT, "  allocated: %,d bytes over the last %,d %ss = %.3f bytes per %s; GC during the run: %d collections, %d ms%n",
                    allocatedBytes, countedCalls, unit, bytesPerCall(), unit, gcCount, gcMillis);
        }
    }

    private Latency() {
    }

    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    private static long[] gc() {
        long count = 0;
        long time = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, b.getCollectionCount());
            time += Math.max(0, b.getCollectionTime());
        }
        return new long[] {count, time};
    }

    /**
     * Runs {@code calls} timed calls. With {@code progress} non-null, draws a progress bar there
     * (about 50 updates; the drawing is outside the timed sections but inside the allocation count,
     * so it is subtracted by measuring it apart). Allocation is counted over the calls after the first
     * tenth: the JIT's one-time work on this loop (a few KB when C2 replaces it on the stack) is not
     * a call's.
     */
    static Result measure(String label, long calls, Call call, PrintStream progress) {
        Histogram h = new Histogram(1, 10_000_000_000L, 3);
        long every = Math.max(1, calls / 50);
        long[] gc0 = gc();
        long progressBytes = 0;
        final long skip = calls / 10;
        long a0 = allocatedBytes();
        long start = System.nanoTime();
        for (long i = 0; i < calls; i++) {
            if (i == skip) {
                progressBytes = 0;
                a0 = allocatedBytes();
            }
            long t0 = System.nanoTime();
            call.run(i);
            long t1 = System.nanoTime();
            h.recordValue(Math.max(1, Math.min(10_000_000_000L, t1 - t0)));
            if (progress != null && (i % every == every - 1 || i == calls - 1)) {
                long p0 = allocatedBytes();
                bar(progress, label, i + 1, calls);
                progressBytes += allocatedBytes() - p0;
            }
        }
        long elapsed = System.nanoTime() - start;
        long allocated = allocatedBytes() - a0 - progressBytes;
        long[] gc1 = gc();
        if (progress != null) {
            progress.print("\r" + " ".repeat(Math.min(120, label.length() + 60)) + "\r");
            progress.flush();
        }
        return new Result(label, h, calls, elapsed, Math.max(0, allocated), calls - skip, gc1[0] - gc0[0], gc1[1] - gc0[1]);
    }

    private static void bar(PrintStream out, String label, long done, long total) {
        int width = 30;
        int filled = (int) (width * done / total);
        out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + (100 * done / total) + "%");
        out.flush();
    }
}
