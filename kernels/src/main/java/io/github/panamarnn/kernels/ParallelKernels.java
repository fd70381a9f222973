package io.github.panamarnn.kernels;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One step across cores: the Vector API kernels with every large matrix product split over {@link #threads()}
 * threads, the caller plus {@code threads - 1} workers. Pass it wherever kernels go ({@code cell.using(parallel)},
 * {@code model.using(parallel)}) and every product of those cells is split.
 *
 * <p>How: a product is cut into contiguous ranges of whole panels ({@link PackedMatrix}); each range is computed
 * exactly as the single-thread kernel computes it, so the result is bit for bit the single-thread one. The caller
 * posts a range to each worker by writing its fields and then a sequence number (no lock, no allocation), computes
 * its own range, then takes back any posted range a worker has not started yet (so a parked worker never delays a
 * step by more than the single-thread time) and waits for the others by spinning. Workers spin on their sequence
 * number for {@code spin} after their last range, then park until the next one. Products smaller than
 * {@code minParallelBytes} (weight bytes times batch rows), narrow products, the elementwise kernels and
 * everything on scalar kernels run on the caller alone. A multi-stream pool's tick, a batched product, is split
 * the same way, by panels: each core streams half the weights once for all the tick's rows.
 *
 * <p>Threads: one instance (with every {@link #withPrecision} view of it) serves one calling thread at a time;
 * a product entered while another thread is in one throws {@link IllegalStateException}. Give each stream or
 * thread that steps concurrently its own instance. {@link #close()} stops the workers; products after it throw.
 * Workers made by the default factory are daemon threads named {@code panama-rnn-step-<n>}.
 */
public final class ParallelKernels implements Kernels, AutoCloseable {
    /** The most threads one step may use. */
    public static final int MAX_THREADS = 64;
    /** Default: how long a worker spins for the next range before it parks. */
    public static final Duration DEFAULT_SPIN = Duration.ofMillis(1);
    /** Default: products of fewer weight bytes times batch rows run on the caller alone (a handoff costs ~0.2 us). */
    public static final long DEFAULT_MIN_PARALLEL_BYTES = 96 * 1024;

    private static final AtomicInteger TEAMS = new AtomicInteger();

    private final Kernels inner;
    private final Team team;

    private ParallelKernels(Kernels inner, Team team) {
        this.inner = inner;
        this.team = team;
    }

    /** {@code inner} with each step split over {@code threads} threads (the caller and {@code threads - 1} daemon workers). */
    public static ParallelKernels of(Kernels inner, int threads) {
        int team = TEAMS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        return of(inner, threads, r -> {
            Thread t = new Thread(r, "panama-rnn-step-" + team + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, DEFAULT_SPIN, DEFAULT_MIN_PARALLEL_BYTES);
    }

    /**
     * {@code inner} with each step split over {@code threads} threads, the workers made by {@code factory} (to pin,
     * name or prioritise them), spinning {@code spin} for the next range before they park, products below
     * {@code minParallelBytes} (weight bytes times batch rows) left on the caller. {@code threads = 1} starts no
     * worker: every product runs on the caller, as {@code inner} alone.
     *
     * @throws IllegalArgumentException for threads outside [1, {@value #MAX_THREADS}], a null or parallel
     *                                  {@code inner}, a null factory, a negative spin or minimum, or a factory that
     *                                  returns null
     */
    public static ParallelKernels of(Kernels inner, int threads, ThreadFactory factory, Duration spin, long minParallelBytes) {
        if (inner == null) {
            throw new IllegalArgumentException("kernels are missing: expected KernelProvider.get() or another Kernels");
        }
        if (inner instanceof ParallelKernels) {
            throw new IllegalArgumentException("kernels are already parallel (" + inner.name() + "): pass their inner kernels");
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be in [1, " + MAX_THREADS + "], got " + threads);
        }
        if (factory == null) {
            throw new IllegalArgumentException("thread factory is missing");
        }
        if (spin == null || spin.isNegative()) {
            throw new IllegalArgumentException("spin must be a duration >= 0, got " + spin);
        }
        if (minParallelBytes < 0) {
            throw new IllegalArgumentException("minParallelBytes must be >= 0, got " + minParallelBytes);
        }
        return new ParallelKernels(inner, new Team(threads, factory, spin.toNanos(), minParallelBytes));
    }

    /** Threads a product is split over, the caller included. */
    public int threads() {
        return team.workers.length + 1;
    }

    /** The kernels each range runs on. */
    public Kernels inner() {
        return inner;
    }

    /** The worker threads (for monitoring: CPU time, state). */
    public Thread[] workerThreads() {
        Thread[] t = new Thread[team.workers.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = team.workers[i].thread;
        }
        return t;
    }

    /** Stops and joins the workers (every view of this instance); idempotent. */
    @Override
    public void close() {
        team.close();
    }

    @Override
    public String name() {
        return inner.name() + ", " + threads() + " threads per step";
    }

    /** The inner kernels' row block: each range of panels runs the inner kernels' blocks over every row. */
    @Override
    public int rowBlock() {
        return inner.rowBlock();
    }

    @Override
    public boolean isVectorized() {
        return inner.isVectorized();
    }

    @Override
    public Precision precision() {
        return inner.precision();
    }

    /** A view with the same workers whose {@link #pack} stores {@code precision}. */
    @Override
    public Kernels withPrecision(Precision precision) {
        Kernels k = inner.withPrecision(precision);
        return k == inner ? this : new ParallelKernels(k, team);
    }

    @Override
    public PackedMatrix pack(int rows, int cols, PackedMatrix.Source w, float[] bias) {
        return inner.pack(rows, cols, w, bias);
    }

    @Override
    public PackedMatrix repack(PackedMatrix m) {
        return inner.repack(m);
    }

    @Override
    public void matVec(PackedMatrix w, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        if (splits(w, 1)) {
            team.run(w, x, xOff, 0, 1, y, yOff, 0, accumulate);
        } else {
            inner.matVec(w, x, xOff, y, yOff, accumulate);
        }
    }

    @Override
    public void matMul(PackedMatrix w, float[] x, int xOff, int xStride, int batch,
                       float[] y, int yOff, int yStride, boolean accumulate) {
        if (splits(w, batch)) {
            team.run(w, x, xOff, xStride, batch, y, yOff, yStride, accumulate);
        } else {
            inner.matMul(w, x, xOff, xStride, batch, y, yOff, yStride, accumulate);
        }
    }

    private boolean splits(PackedMatrix w, int batch) {
        return team.workers.length > 0 && inner instanceof PanamaKernels && PanamaKernels.panelled(w) && w.panels >= 3
                && w.weightBytes() * batch >= team.minBytes;
    }

    @Override
    public void activate(Activation act, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        inner.activate(act, src, srcOff, dst, dstOff, n);
    }

    @Override
    public void lstmUpdate(LstmGates g, int batch, float[] gates, int gOff, float[] c, int cOff, float[] h, int hOff) {
        inner.lstmUpdate(g, batch, gates, gOff, c, cOff, h, hOff);
    }

    @Override
    public void gruUpdateResetAfter(GruGates g, int batch, float[] gx, int gxOff, float[] gh, int ghOff,
                                    float[] hPrev, int hPrevOff, float[] hOut, int hOutOff) {
        inner.gruUpdateResetAfter(g, batch, gx, gxOff, gh, ghOff, hPrev, hPrevOff, hOut, hOutOff);
    }

    @Override
    public void gruResetHidden(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff, float[] rh, int rhOff) {
        inner.gruResetHidden(g, batch, gates, gOff, hPrev, hPrevOff, rh, rhOff);
    }

    @Override
    public void gruUpdateResetBefore(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff,
                                     float[] hOut, int hOutOff) {
        inner.gruUpdateResetBefore(g, batch, gates, gOff, hPrev, hPrevOff, hOut, hOutOff);
    }

    @Override
    public void clamp(float[] a, int off, int n, float lo, float hi) {
        inner.clamp(a, off, n, lo, hi);
    }

    @Override
    public String toString() {
        return name();
    }

    /** The workers and the one-caller-at-a-time guard, shared by every precision view. */
    private static final class Team {
        final Worker[] workers;
        final long minBytes;
        /** 1 while a caller is inside a split product. */
        final AtomicInteger busy = new AtomicInteger();
        volatile boolean closed;

        Team(int threads, ThreadFactory factory, long spinNanos, long minBytes) {
            this.minBytes = minBytes;
            this.workers = new Worker[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(spinNanos);
                Thread t = factory.newThread(workers[i]);
                if (t == null) {
                    close();
                    throw new IllegalArgumentException("the thread factory returned null for worker " + (i + 1));
                }
                workers[i].thread = t;
            }
            for (Worker w : workers) {
                w.thread.start();
            }
        }

        void run(PackedMatrix w, float[] x, int xOff, int xStride, int batch, float[] y, int yOff, int yStride, boolean acc) {
            if (!busy.compareAndSet(0, 1)) {
                throw new IllegalStateException("ParallelKernels entered by " + Thread.currentThread().getName()
                        + " while another thread is in a product: give each concurrently stepping thread its own instance");
            }
            try {
                if (closed) {
                    throw new IllegalStateException("ParallelKernels is closed");
                }
                final int n = w.panels;
                final int parts = workers.length + 1;
                // The last range holds the right-aligned last panel and, when they overlap, the one before it.
                final int lastLo = Math.min(n - 1 - (w.lastStart != (n - 1) * w.panelWidth ? 1 : 0), (int) ((long) (parts - 1) * n / parts));
                int lo = 0;
                for (int i = 0; i < workers.length; i++) {
                    int hi = Math.min(lastLo, (int) ((long) (i + 1) * n / parts));
                    workers[i].post(w, x, xOff, xStride, batch, y, yOff, yStride, acc, lo, hi);
                    lo = hi;
                }
                try {
                    PanamaKernels.panels(w, x, xOff, xStride, batch, y, yOff, yStride, acc, lastLo, n);
                } finally {
                    finishAll(); // even when the caller's range failed: no worker writes after the product returns
                }
            } finally {
                busy.set(0);
            }
        }

        private void finishAll() {
            RuntimeException failed = null;
            for (Worker k : workers) {
                try {
                    k.finish();
                } catch (RuntimeException e) {
                    failed = failed == null ? e : failed;
                }
            }
            if (failed != null) {
                throw failed;
            }
        }

        void close() {
            closed = true;
            for (Worker w : workers) {
                if (w != null && w.thread != null) {
                    w.stop = true;
                    LockSupport.unpark(w.thread);
                }
            }
            for (Worker w : workers) {
                if (w != null && w.thread != null && w.thread != Thread.currentThread()) {
                    try {
                        w.thread.join(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /** One worker: a range of panels posted by sequence number, claimed by whoever starts it first. */
    private static final class Worker implements Runnable {
        final long spinNanos;
        Thread thread;
        volatile boolean stop;
        /** Last sequence posted by the caller. */
        volatile long posted;
        /** Last sequence finished by this worker. */
        volatile long done;
        volatile boolean parked;
        /** Last sequence claimed, by this worker or by the caller taking it back. */
        final AtomicLong claimed = new AtomicLong();
        volatile Throwable failure;
        /** Caller-side: the sequence of the current range, 0 when none is posted. */
        long current;
        // The range, written before {@code posted} is (its volatile write publishes them).
        PackedMatrix w;
        float[] x;
        int xOff;
        int xStride;
        int batch;
        float[] y;
        int yOff;
        int yStride;
        boolean acc;
        int lo;
        int hi;

        Worker(long spinNanos) {
            this.spinNanos = spinNanos;
        }

        void post(PackedMatrix w, float[] x, int xOff, int xStride, int batch, float[] y, int yOff, int yStride, boolean acc,
                  int lo, int hi) {
            if (lo >= hi) {
                current = 0;
                return;
            }
            this.w = w;
            this.x = x;
            this.xOff = xOff;
            this.xStride = xStride;
            this.batch = batch;
            this.y = y;
            this.yOff = yOff;
            this.yStride = yStride;
            this.acc = acc;
            this.lo = lo;
            this.hi = hi;
            current = posted + 1;
            posted = current;
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        /** Caller-side: the range done, by the worker or here if it had not started it. */
        void finish() {
            final long seq = current;
            if (seq == 0) {
                return;
            }
            current = 0;
            if (claimed.compareAndSet(seq - 1, seq)) {
                compute();
                return;
            }
            while (done != seq) {
                Thread.onSpinWait();
            }
            Throwable f = failure;
            if (f != null) {
                failure = null;
                throw new IllegalStateException("a step worker failed on panels [" + lo + ", " + hi + ") of " + w, f);
            }
        }

        private void compute() {
            PanamaKernels.panels(w, x, xOff, xStride, batch, y, yOff, yStride, acc, lo, hi);
        }

        @Override
        public void run() {
            long seen = 0;
            while (!stop) {
                long p = posted;
                if (p == seen) {
                    idle(seen);
                    continue;
                }
                seen = p;
                if (claimed.compareAndSet(p - 1, p)) {
                    try {
                        compute();
                    } catch (Throwable t) {
                        failure = t;
                    }
                    done = p;
                }
            }
        }

        /** Spins for the next sequence for {@code spinNanos}, then parks until it comes (or stop). */
        private void idle(long seen) {
            final long start = System.nanoTime();
            int i = 0;
            while (posted == seen && !stop) {
                Thread.onSpinWait();
                if ((++i & 255) == 0 && System.nanoTime() - start > spinNanos) {
                    parked = true;
                    if (posted == seen && !stop) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    return;
                }
            }
        }
    }
}
