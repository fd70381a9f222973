package io.github.panamarnn.unroll;

/**
 * The stream ids of one tick of a pool of {@code streams} streams ({@link StreamPool}, and the model-level pool built on
 * the same rule): checked before any state moves, without allocating. Ids are {@code 0 .. streams-1}; a tick takes at
 * most {@code maxPerTick} of them, each once. Not thread-safe: it belongs to its pool.
 */
public final class TickIds {
    private final int streams;
    private final int maxPerTick;
    /** Per stream, the tick in which it was last seen (duplicate detection without clearing). */
    private final long[] seenInTick;
    private long tick;

    /**
     * The ids of a pool of {@code streams} streams, at most {@code maxPerTick} per tick.
     *
     * @throws IllegalArgumentException when either is below 1
     */
    public TickIds(int streams, int maxPerTick) {
        if (streams < 1 || maxPerTick < 1) {
            throw new IllegalArgumentException("streams and maxPerTick must be positive, got " + streams + " and " + maxPerTick);
        }
        this.streams = streams;
        this.maxPerTick = Math.min(maxPerTick, streams);
        this.seenInTick = new long[streams];
    }

    /** The most streams a tick takes: {@code min(maxPerTick, streams)}. */
    public int maxPerTick() {
        return maxPerTick;
    }

    /** Checks the count alone; true when the tick has streams to advance. */
    public boolean count(int[] ids, int count) {
        if (count < 0 || count > maxPerTick) {
            throw new IllegalArgumentException("a tick takes 0 to " + maxPerTick + " streams, got " + count);
        }
        if (count > 0 && (ids == null || ids.length < count)) {
            throw new IllegalArgumentException("a tick of " + count + " streams needs " + count + " ids, got " + (ids == null ? "null" : ids.length));
        }
        return count > 0;
    }

    /**
     * Checks {@code ids[0 .. count)}: each known and none twice.
     *
     * @throws IllegalArgumentException naming the first unknown or repeated id and its position
     */
    public void check(int[] ids, int count) {
        long t = ++tick;
        for (int i = 0; i < count; i++) {
            int id = ids[i];
            if (id < 0 || id >= streams) {
                throw new IllegalArgumentException("unknown stream id " + id + " at position " + i + " (ids are 0 to " + (streams - 1) + ")");
            }
            if (seenInTick[id] == t) {
                tick++; // forget this tick's marks: nothing was changed
                throw new IllegalArgumentException("stream id " + id + " appears twice in one tick (again at position " + i + ")");
            }
            seenInTick[id] = t;
        }
    }

    /** Checks one id outside a tick (state reads and writes). */
    public void checkId(int id) {
        if (id < 0 || id >= streams) {
            throw new IllegalArgumentException("unknown stream id " + id + " (ids are 0 to " + (streams - 1) + ")");
        }
    }
}
