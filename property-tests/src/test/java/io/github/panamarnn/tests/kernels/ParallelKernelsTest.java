package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;
import io.github.panamarnn.kernels.ParallelKernels;
import io.github.panamarnn.kernels.Precision;
import io.github.panamarnn.tests.AllocationMeter;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.Test;

/**
 * A step split across threads is the single-thread step bit for bit, allocates nothing on any thread, and its
 * workers stop burning a core when no step comes.
 */
@net.jqwik.api.lifecycle.AddLifecycleHook(ForcedWidth.class)
class ParallelKernelsTest {
    private static final Kernels K = KernelProvider.get();
    private static final ParallelKernels[] PARALLEL = new ParallelKernels[5];

    /** One instance per thread count, every product split (no minimum). */
    private static synchronized ParallelKernels parallel(int threads) {
        if (PARALLEL[threads] == null) {
            PARALLEL[threads] = ParallelKernels.of(K, threads, r -> {
                Thread t = new Thread(r, "test-step-worker");
                t.setDaemon(true);
                return t;
            }, Duration.ofMillis(1), 0);
        }
        return PARALLEL[threads];
    }

    @AfterContainer
    static synchronized void closeAll() {
        for (int i = 0; i < PARALLEL.length; i++) {
            if (PARALLEL[i] != null) {
                PARALLEL[i].close();
                PARALLEL[i] = null;
            }
        }
    }

    @Provide
    Arbitrary<Integer> widths() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 400), Arbitraries.of(512, 700, 1024));
    }

    @Property(tries = 200)
    void splitProductEqualsOneThreadBitForBit(@ForAll @IntRange(min = 1, max = 300) int rows, @ForAll("widths") int cols,
                                              @ForAll @IntRange(min = 1, max = 40) int batch, @ForAll @IntRange(min = 2, max = 4) int threads,
                                              @ForAll Precision precision, @ForAll boolean accumulate, @ForAll boolean withBias,
                                              @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = TestData.uniform(r, rows * cols, -1, 1);
        float[] bias = withBias ? TestData.uniform(r, cols, -1, 1) : null;
        Kernels one = K.withPrecision(precision);
        Kernels split = parallel(threads).withPrecision(precision);
        PackedMatrix m = one.pack(rows, cols, (i, j) -> w[i * cols + j], bias);
        int xStride = rows + 3;
        int yStride = cols + 5;
        float[] x = TestData.uniform(r, 2 + batch * xStride, -2, 2);
        float[] y0 = TestData.uniform(r, 1 + batch * yStride, -1, 1);
        float[] a = y0.clone();
        float[] b = y0.clone();
        if (batch == 1) {
            one.matVec(m, x, 2, a, 1, accumulate);
            split.matVec(m, x, 2, b, 1, accumulate);
        } else {
            one.matMul(m, x, 2, xStride, batch, a, 1, yStride, accumulate);
            split.matMul(m, x, 2, xStride, batch, b, 1, yStride, accumulate);
        }
        assertArrayEquals(a, b, threads + " threads, " + precision + " [" + rows + "x" + cols + "] batch " + batch);
    }

    @Property(tries = 12)
    void lstmStepsAcrossThreadsEqualOneThread(@ForAll @IntRange(min = 40, max = 300) int hidden, @ForAll Precision precision,
                                              @ForAll @IntRange(min = 1, max = 9) int batch, @ForAll long seed) {
        LstmCell cell = Initializers.kerasLstm(hidden, hidden, seed).using(K.withPrecision(precision));
        LstmCell split = cell.using(parallel(2).withPrecision(precision));
        CellState s1 = cell.zeroState(batch);
        CellState s2 = split.zeroState(batch);
        SplittableRandom r = new SplittableRandom(seed);
        float[] y1 = new float[batch * hidden];
        float[] y2 = new float[batch * hidden];
        for (int t = 0; t < 5; t++) {
            float[] x = TestData.uniform(r, batch * hidden, -1, 1);
            cell.step(x, 0, s1, y1, 0);
            split.step(x, 0, s2, y2, 0);
            assertArrayEquals(y1, y2, "step " + t);
        }
    }

    @Test
    void splitProductsAllocateNothingOnAnyThread() {
        ParallelKernels p = parallel(2);
        SplittableRandom r = new SplittableRandom(1);
        int rows = 300;
        int cols = 700;
        float[] w = TestData.uniform(r, rows * cols, -1, 1);
        float[] x = TestData.uniform(r, 8 * rows, -1, 1);
        float[] y = new float[8 * cols];
        for (Precision precision : Precision.values()) {
            Kernels k = p.withPrecision(precision);
            PackedMatrix m = k.pack(rows, cols, (i, j) -> w[i * cols + j], null);
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long worker = p.workerThreads()[0].threadId();
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> k.matVec(m, x, 0, y, 0, false)), precision + " matVec");
            assertEquals(0L, AllocationMeter.bytesPerCallAfterWarmup(() -> k.matMul(m, x, 0, rows, 8, y, 0, cols, true)), precision + " matMul");
            long before = threads.getThreadAllocatedBytes(worker);
            for (int i = 0; i < 20_000; i++) {
                k.matVec(m, x, 0, y, 0, false);
            }
            assertEquals(0L, threads.getThreadAllocatedBytes(worker) - before, precision + ": the worker allocated");
        }
    }

    @Test
    void idleWorkersParkInsteadOfSpinning() throws InterruptedException {
        try (ParallelKernels p = ParallelKernels.of(K, 3, r -> new Thread(r, "idle-test"), Duration.ofMillis(2), 0)) {
            float[] w = new float[256 * 512];
            PackedMatrix m = p.pack(256, 512, (i, j) -> w[i * 512 + j], null);
            float[] x = new float[256];
            float[] y = new float[512];
            java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            assertTrue(mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled(), "this JVM measures no thread CPU time");
            long busy = -mx.getThreadCpuTime(p.workerThreads()[0].threadId());
            for (int i = 0; i < 2_000; i++) {
                p.matVec(m, x, 0, y, 0, false);
            }
            busy += mx.getThreadCpuTime(p.workerThreads()[0].threadId());
            assertTrue(busy > 0, "the worker used no CPU while it worked: the measurement is broken");
            Thread.sleep(100);
            long cpu = 0;
            for (Thread t : p.workerThreads()) {
                cpu -= mx.getThreadCpuTime(t.threadId());
            }
            Thread.sleep(1_000);
            for (Thread t : p.workerThreads()) {
                cpu += mx.getThreadCpuTime(t.threadId());
            }
            System.out.printf("ParallelKernelsTest: two idle workers used %.3f ms of CPU in one second%n", cpu / 1e6);
            assertTrue(cpu < 30_000_000L, "two idle workers used " + cpu / 1e6 + " ms of CPU in one second");
        }
    }

    @Test
    void misuseIsRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelKernels.of(K, 0)).getMessage().contains("got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelKernels.of(K, 65)).getMessage().contains("got 65"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelKernels.of(null, 2)).getMessage().contains("missing"));
        try (ParallelKernels p = ParallelKernels.of(K, 1)) {
            assertEquals(1, p.threads());
            assertEquals(0, p.workerThreads().length);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelKernels.of(p, 2)).getMessage().contains("already parallel"));
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelKernels.of(K, 2, r -> null, Duration.ZERO, 0))
                .getMessage().contains("returned null"));
        assertThrows(IllegalArgumentException.class, () -> ParallelKernels.of(K, 2, Thread::new, Duration.ofMillis(-1), 0));
        ParallelKernels closed = ParallelKernels.of(K, 2, Thread::new, Duration.ZERO, 0);
        closed.close();
        PackedMatrix m = closed.pack(64, 4 * 64, (i, j) -> 1f, null);
        List<Thread> alive = new ArrayList<>();
        for (Thread t : closed.workerThreads()) {
            if (t.isAlive()) {
                alive.add(t);
            }
        }
        assertEquals(List.of(), alive, "close() joins the workers");
        if (K.isVectorized()) {
            assertTrue(assertThrows(IllegalStateException.class, () -> closed.matVec(m, new float[64], 0, new float[256], 0, false))
                    .getMessage().contains("closed"));
        }
    }
}
