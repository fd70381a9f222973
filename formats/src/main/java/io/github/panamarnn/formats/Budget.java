package io.github.panamarnn.formats;

/**
 * How many bytes one load may allocate for the sizes a file declares (tensors, zip entries, datasets),
 * checked before each allocation or inflation: a file that declares more is refused with a
 * {@link ModelFormatException} naming the file, what it declared and the budget, instead of running
 * the JVM out of memory. The default, {@link #DEFAULT_BYTES} (1 GiB), holds any recurrent model of
 * practical size; {@link LoadOptions#withBudget} sets another. One instance per load; not thread-safe.
 */
public final class Budget {
    /** The default budget of one load: 1 GiB. */
    public static final long DEFAULT_BYTES = 1L << 30;

    private final long limit;
    private final String file;
    private long used;

    Budget(long limit, Object file) {
        if (limit < 1) {
            throw new IllegalArgumentException("a load budget must be positive, got " + limit + " bytes");
        }
        this.limit = limit;
        this.file = String.valueOf(file);
    }

    /** The default budget for reading {@code file}. */
    public static Budget of(Object file) {
        return new Budget(DEFAULT_BYTES, file);
    }

    /** Takes {@code bytes} for {@code what} (e.g. "zip entry 'config.json'"), or refuses the file. */
    public void take(long bytes, String what) throws ModelFormatException {
        if (bytes < 0 || bytes > limit - used) {
            throw new ModelFormatException(file + ": " + what + " declares " + bytes + " bytes; with the " + used + " bytes already read that is over "
                    + "the load budget of " + limit + " bytes (LoadOptions.withBudget sets another)");
        }
        used += bytes;
    }

    /** The most bytes this load may take. */
    public long limit() {
        return limit;
    }
}
