package io.github.panamarnn.kernels;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Chooses the {@link Kernels} implementation once per JVM, in the manner of Lucene's
 * {@code VectorizationProvider}: the Vector API implementation when the {@code jdk.incubator.vector}
 * module is readable, the JIT can compile it and the species is at least 128 bits wide; otherwise
 * {@link ScalarKernels} after ONE warning that names the fix. Nothing that mentions a vector type is
 * loaded before those checks pass, so a JVM without the module links and runs.
 *
 * <p>System properties:
 * <ul>
 * <li>{@value #SCALAR_PROPERTY}{@code =true}: use the scalar kernels;</li>
 * <li>{@value #VECTOR_BITS_PROPERTY}{@code =128|256|512}: force a vector width (tests use 128 on a
 *     256-bit machine);</li>
 * <li>{@value #REQUIRE_VECTOR_PROPERTY}{@code =true}: throw instead of falling back, so that a test
 *     or a service cannot silently run the scalar path;</li>
 * <li>{@value #BLOCK_ROWS_PROPERTY} and {@value #STEP_TILES_PROPERTY}: the register blocks and the recurrent steps'
 *     loop order (see each).</li>
 * </ul>
 */
public final class KernelProvider {
    /** System property: {@code true} runs the scalar specification even where the vector kernels could run. */
    public static final String SCALAR_PROPERTY = "panamarnn.scalar";
    /** System property: the vector width in bits (128, 256 or 512) instead of the JVM's preferred one (tests of every width). */
    public static final String VECTOR_BITS_PROPERTY = "panamarnn.vectorBits";
    /**
     * System property: the most rows of one float32 register block of a batched product (2 to 12) instead of what the
     * register file suggests (12 with 32 vector registers, 6 with 16): the tests run the AVX2 configuration on an
     * AVX-512 machine with it.
     */
    public static final String BLOCK_ROWS_PROPERTY = "panamarnn.blockRows";
    /**
     * System property: which recurrent steps of a batch ({@link Kernels#lstmStep} and the GRU steps) run tile by tile,
     * the gate math applied to each 2L-unit tile of the products while it is in L1, instead of the whole products and
     * then the update (bit for bit the same results): {@code whole} (the default: steps from their input, both products
     * in the tiles), {@code all} (also the recurrent halves of steps whose input projection was hoisted, as a sequence
     * runner's), {@code off}. On the Zen 4 machine whole steps ran 1-8% faster in tiles, recurrent halves alone no
     * faster (jmh-results/step-tiles).
     */
    public static final String STEP_TILES_PROPERTY = "panamarnn.stepTiles";
    /** System property: {@code true} makes the scalar fallback an error instead of a warning. */
    public static final String REQUIRE_VECTOR_PROPERTY = "panamarnn.requireVector";

    private static final System.Logger LOG = System.getLogger(KernelProvider.class.getName());

    private static final class Holder {
        static final Selection SELECTION = select();

        static {
            // One line on first use: which kernels, which species, which precision (a service's log says what it runs on).
            LOG.log(System.Logger.Level.INFO, "panama-rnn {0}: kernels {1}, float32", version(), SELECTION.kernels().name());
            SelectionEvent e = new SelectionEvent();
            if (e.shouldCommit()) {
                e.kernels = SELECTION.kernels().name();
                e.fallbackReason = SELECTION.fallbackReason();
                e.commit();
            }
        }
    }

    /**
     * A JFR event when the kernels are chosen ({@code io.github.panamarnn.KernelSelection}), once per
     * JVM: which kernels run and, for the scalar fallback, why (the 16x slower path a service must not
     * miss).
     */
    @jdk.jfr.Name("io.github.panamarnn.KernelSelection")
    @jdk.jfr.Label("panama-rnn kernel selection")
    @jdk.jfr.Category("panama-rnn")
    @jdk.jfr.Description("Which kernels panama-rnn runs in this JVM, and why the scalar ones when it falls back")
    static final class SelectionEvent extends jdk.jfr.Event {
        @jdk.jfr.Label("Kernels")
        String kernels;
        @jdk.jfr.Label("Fallback reason")
        String fallbackReason;
    }

    private record Selection(Kernels kernels, String fallbackReason) {
    }

    private KernelProvider() {
    }

    /** The kernels this JVM runs: vector when possible, scalar otherwise. */
    public static Kernels get() {
        return Holder.SELECTION.kernels;
    }

    /** The scalar specification, always available. */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /**
     * This library's version, from its module descriptor or its jar's manifest ({@code Implementation-Version}), or
     * {@code "development build"} when its classes do not come from a released jar.
     */
    public static String version() {
        // On the module path the manifest's attributes are not read: the module's own version (--module-version) is there.
        Module m = KernelProvider.class.getModule();
        if (m.isNamed() && m.getDescriptor() != null && m.getDescriptor().rawVersion().isPresent()) {
            return m.getDescriptor().rawVersion().get();
        }
        String v = KernelProvider.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    /** One line for logs and {@code --version}: the library's version, the kernels that run, float32. */
    public static String describe() {
        String why = fallbackReason();
        return "panama-rnn " + version() + ", kernels " + get().name() + ", float32" + (why == null ? "" : " (scalar: " + why + ")");
    }

    /** Why the scalar kernels were chosen, or {@code null} when the vector kernels run. */
    public static String fallbackReason() {
        return Holder.SELECTION.fallbackReason;
    }

    private static Selection select() {
        String reason = vectorUnavailableReason();
        if (reason == null) {
            try {
                Kernels k = (Kernels) Class.forName("io.github.panamarnn.kernels.PanamaKernels")
                        .getDeclaredConstructor().newInstance();
                return new Selection(k, null);
            } catch (ReflectiveOperationException | LinkageError | IllegalArgumentException e) {
                reason = "the Vector API kernels failed to load: " + e;
            }
        }
        if (Boolean.getBoolean(REQUIRE_VECTOR_PROPERTY)) {
            throw new IllegalStateException("vector kernels required (" + REQUIRE_VECTOR_PROPERTY + "=true) but unavailable: " + reason);
        }
        if (!Boolean.getBoolean(SCALAR_PROPERTY)) {
            LOG.log(System.Logger.Level.WARNING, "panama-rnn runs its scalar kernels because " + reason);
        }
        return new Selection(ScalarKernels.INSTANCE, reason);
    }

    private static String vectorUnavailableReason() {
        if (Boolean.getBoolean(SCALAR_PROPERTY)) {
            return SCALAR_PROPERTY + "=true";
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the module jdk.incubator.vector is not readable: pass --add-modules jdk.incubator.vector to java";
        }
        String jit = jitProblem();
        if (jit != null) {
            return jit;
        }
        int bits;
        try {
            bits = Class.forName("io.github.panamarnn.kernels.PanamaSpecies").getDeclaredField("LANES").getInt(null) * Float.SIZE;
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable cause = e instanceof ExceptionInInitializerError ei && ei.getCause() != null ? ei.getCause() : e;
            return "the vector species could not be chosen: " + cause.getMessage();
        }
        if (bits < 128) {
            return "the CPU's vectors are only " + bits + " bits wide";
        }
        return null;
    }

    /** Vector API code is 100x slower than scalar code unless C2 compiles it. */
    private static String jitProblem() {
        if (System.getProperty("java.vm.info", "").contains("interpreted mode")) {
            return "the JVM runs interpreted (-Xint): the Vector API needs the C2 compiler";
        }
        try {
            List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
            for (String a : args) {
                if (a.startsWith("-XX:TieredStopAtLevel=") && !a.endsWith("=4")) {
                    return "C2 is disabled (" + a + "): the Vector API needs the C2 compiler";
                }
                if (a.equals("-XX:-UseCompiler")) {
                    return "the JIT is disabled (" + a + ")";
                }
            }
        } catch (LinkageError | SecurityException e) {
            // java.management absent: cannot tell, assume the default JIT.
        }
        return null;
    }
}
