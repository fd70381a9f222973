package io.github.panamarnn.model;

import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.PackedMatrix;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import java.nio.ByteBuffer;

/**
 * The layout of one stream's whole state as data ({@link Model.Stream#snapshot}, {@link ModelStreamPool#snapshot}),
 * the same from a stream and from a pool, so a state moves between them and between machines:
 * <pre>
 *   header, 8 floats:  MAGIC, VERSION, fingerprint (four 16-bit pieces, high first), payload length (two 16-bit pieces)
 *   payload:           for each recurrent layer in order: its state parts in order (an LSTM: c then h), then the
 *                      output of its last unmasked step (what a masked step outputs)
 * </pre>
 * Every header value is a small integer, exact in a float (no NaN bit patterns that a copy could change). A
 * {@link ByteBuffer} holds the same floats in the buffer's byte order.
 */
final class StateFormat {
    static final int HEADER = 8;
    /** "PR" as a number: the first float of every state. */
    static final float MAGIC = 0x5052;
    static final float VERSION = 1;

    private StateFormat() {
    }

    /** Floats of a state's payload for {@code m}: every recurrent layer's state parts and last output. */
    static int payload(Model m) {
        long n = 0;
        for (Model.Layer l : m.layers()) {
            if (l instanceof Model.Recurrent r) {
                for (int s : r.forward().stateSizes()) {
                    n += s;
                }
                n += r.forward().outputSize();
            }
        }
        if (n > Integer.MAX_VALUE - HEADER - 16) {
            throw new IllegalArgumentException("a state of " + n + " values does not fit one array");
        }
        return (int) n;
    }

    /** The digest of {@code m}'s layers: kinds, sizes, options and every weight (see {@link RnnCell#fingerprint()}). */
    static long fingerprint(Model m) {
        long h = PackedMatrix.combine(PackedMatrix.combine(0x5052_4D4F_4445_4C31L, m.inputSize()), m.outputSize());
        for (Model.Layer l : m.layers()) {
            h = switch (l) {
                case Model.Embedding e -> {
                    long x = PackedMatrix.combine(PackedMatrix.combine(PackedMatrix.combine(h, 1), e.inputDim()), e.outputDim());
                    x = PackedMatrix.combine(x, e.maskZero() ? 1 : 0);
                    for (float v : e.table()) {
                        x = PackedMatrix.combine(x, Float.floatToRawIntBits(v));
                    }
                    yield x;
                }
                case Model.Masking k -> PackedMatrix.combine(PackedMatrix.combine(h, 2), Float.floatToRawIntBits(k.value()));
                case Model.Recurrent r -> {
                    long x = PackedMatrix.combine(PackedMatrix.combine(h, 3), r.forward().fingerprint());
                    x = PackedMatrix.combine(x, r.backward() == null ? 0 : r.backward().fingerprint());
                    x = PackedMatrix.combine(x, (r.returnSequences() ? 1 : 0) | (r.goBackwards() ? 2 : 0) | (r.zeroOutputForMask() ? 4 : 0)
                            | (r.stateful() ? 8 : 0) | (r.merge() == null ? 0 : 16L * (r.merge().ordinal() + 1))
                            | (r.order() == Order.REVERSE_WITHIN_LENGTH ? 128 : 0));
                    yield x;
                }
                case Model.Pointwise p -> {
                    long x = PackedMatrix.combine(PackedMatrix.combine(h, 4), p.dense().fingerprint());
                    x = PackedMatrix.combine(x, p.activation().kind().ordinal());
                    x = PackedMatrix.combine(x, Float.floatToRawIntBits(p.activation().alpha()));
                    yield PackedMatrix.combine(x, Float.floatToRawIntBits(p.activation().beta()));
                }
                case Model.LastStep s -> PackedMatrix.combine(h, 5);
                case Model.Graph g -> PackedMatrix.combine(PackedMatrix.combine(h, 6), g.function().digest());
            };
        }
        return h;
    }

    static void writeHeader(long fingerprint, int payload, float[] dst, int off) {
        dst[off] = MAGIC;
        dst[off + 1] = VERSION;
        for (int i = 0; i < 4; i++) {
            dst[off + 2 + i] = (float) ((fingerprint >>> (48 - 16 * i)) & 0xFFFF);
        }
        dst[off + 6] = (float) (payload >>> 16);
        dst[off + 7] = (float) (payload & 0xFFFF);
    }

    static void writeHeader(long fingerprint, int payload, ByteBuffer dst) {
        dst.putFloat(MAGIC).putFloat(VERSION);
        for (int i = 0; i < 4; i++) {
            dst.putFloat((float) ((fingerprint >>> (48 - 16 * i)) & 0xFFFF));
        }
        dst.putFloat((float) (payload >>> 16)).putFloat((float) (payload & 0xFFFF));
    }

    /** Checks a header read from a float array: this model's state, of this size, or an exception saying what it is. */
    static void checkHeader(long fingerprint, int payload, float[] src, int off) {
        check(fingerprint, payload, src[off], src[off + 1], src[off + 2], src[off + 3], src[off + 4], src[off + 5], src[off + 6], src[off + 7]);
    }

    /** Checks a header at the buffer's position (absolute reads: the position moves only once it is accepted). */
    static void checkHeader(long fingerprint, int payload, ByteBuffer src) {
        int p = src.position();
        check(fingerprint, payload, src.getFloat(p), src.getFloat(p + 4), src.getFloat(p + 8), src.getFloat(p + 12), src.getFloat(p + 16),
                src.getFloat(p + 20), src.getFloat(p + 24), src.getFloat(p + 28));
    }

    private static void check(long fingerprint, int payload, float magic, float version, float f0, float f1, float f2, float f3, float l0, float l1) {
        if (magic != MAGIC) {
            throw new IllegalArgumentException("not a panama-rnn stream state: its first value is " + magic + ", a state starts with " + MAGIC
                    + " (a ByteBuffer must be read in the byte order it was written in)");
        }
        if (version != VERSION) {
            throw new IllegalArgumentException("stream state format version " + version + ", this library reads version " + VERSION);
        }
        long fp = ((long) piece(f0) << 48) | ((long) piece(f1) << 32) | ((long) piece(f2) << 16) | piece(f3);
        if (fp != fingerprint) {
            throw new IllegalArgumentException("this state belongs to another model: its fingerprint is " + Long.toHexString(fp)
                    + ", this model's is " + Long.toHexString(fingerprint) + " (other layers, sizes, weights or precision)");
        }
        long n = ((long) piece(l0) << 16) | piece(l1);
        if (n != payload) {
            throw new IllegalArgumentException("the state holds " + n + " values after its header, this model's state has " + payload);
        }
    }

    private static int piece(float v) {
        return v >= 0 && v <= 0xFFFF && v == (int) v ? (int) v : -1;
    }

    /** Range checks of a caller's array or buffer, before anything is read or written. */
    static void checkRange(String what, float[] a, int off, int n) {
        if (a == null || off < 0 || (long) off + n > a.length) {
            throw new IllegalArgumentException(what + " needs " + n + " values from offset " + off + ", the array holds "
                    + (a == null ? "nothing (null)" : a.length));
        }
    }

    static void checkRange(String what, ByteBuffer b, int n, boolean writing) {
        if (b == null) {
            throw new IllegalArgumentException(what + " needs a buffer of " + 4L * n + " bytes, got null");
        }
        if (writing && b.isReadOnly()) {
            throw new IllegalArgumentException(what + " needs a writable buffer, got a read-only one");
        }
        if (b.remaining() < 4L * n) {
            throw new IllegalArgumentException(what + " needs " + 4L * n + " bytes from the buffer's position, " + b.remaining() + " remain");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Rows of states: per recurrent layer (null for the others) its parts and its last outputs, each an array of
    // {@code rows} rows ({@link Model.Stream}: its batch; {@link ModelStreamPool}: every stream).

    /** Writes row {@code row}'s state (header and payload) to {@code dst[off ..]}, checked first. */
    static void write(long fingerprint, int payload, float[][][] parts, float[][] last, int rows, int row, float[] dst, int off) {
        checkRange("snapshot", dst, off, HEADER + payload);
        writeHeader(fingerprint, payload, dst, off);
        int at = off + HEADER;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] != null) {
                for (float[] part : parts[i]) {
                    int w = part.length / rows;
                    System.arraycopy(part, row * w, dst, at, w);
                    at += w;
                }
                int w = last[i].length / rows;
                System.arraycopy(last[i], row * w, dst, at, w);
                at += w;
            }
        }
    }

    /** Sets row {@code row}'s state from {@code src[off ..]}, its range and header checked before anything is written. */
    static void read(long fingerprint, int payload, float[][][] parts, float[][] last, int rows, int row, float[] src, int off) {
        checkRange("restore", src, off, HEADER + payload);
        checkHeader(fingerprint, payload, src, off);
        int at = off + HEADER;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] != null) {
                for (float[] part : parts[i]) {
                    int w = part.length / rows;
                    System.arraycopy(src, at, part, row * w, w);
                    at += w;
                }
                int w = last[i].length / rows;
                System.arraycopy(src, at, last[i], row * w, w);
                at += w;
            }
        }
    }

    /** {@link #write} into a buffer at its position (which moves past it), in the buffer's byte order. */
    static void write(long fingerprint, int payload, float[][][] parts, float[][] last, int rows, int row, ByteBuffer dst) {
        checkRange("snapshot", dst, HEADER + payload, true);
        writeHeader(fingerprint, payload, dst);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] != null) {
                for (float[] part : parts[i]) {
                    putRow(part, rows, row, dst);
                }
                putRow(last[i], rows, row, dst);
            }
        }
    }

    /** {@link #read} from a buffer at its position (which moves past it only when the state is accepted). */
    static void read(long fingerprint, int payload, float[][][] parts, float[][] last, int rows, int row, ByteBuffer src) {
        checkRange("restore", src, HEADER + payload, false);
        checkHeader(fingerprint, payload, src);
        src.position(src.position() + 4 * HEADER);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] != null) {
                for (float[] part : parts[i]) {
                    getRow(src, part, rows, row);
                }
                getRow(src, last[i], rows, row);
            }
        }
    }

    private static void putRow(float[] a, int rows, int row, ByteBuffer dst) {
        int w = a.length / rows;
        for (int j = 0; j < w; j++) {
            dst.putFloat(a[row * w + j]);
        }
    }

    private static void getRow(ByteBuffer src, float[] a, int rows, int row) {
        int w = a.length / rows;
        for (int j = 0; j < w; j++) {
            a[row * w + j] = src.getFloat();
        }
    }

    /**
     * Gathers (or, with {@code scatter}, scatters back) a tick's rows between a pool's row sets of {@code poolRows} rows and
     * a batched stream's of {@code batchRows}: row {@code ids[r]} of the pool is row {@code r} of the batch, for
     * {@code r < count}.
     */
    static void copyRows(float[][][] poolParts, float[][] poolLast, int poolRows, float[][][] batchParts, float[][] batchLast, int batchRows,
                         int[] ids, int count, boolean scatter) {
        for (int i = 0; i < poolParts.length; i++) {
            if (poolParts[i] != null) {
                for (int p = 0; p < poolParts[i].length; p++) {
                    copyRows(poolParts[i][p], poolRows, batchParts[i][p], batchRows, ids, count, scatter);
                }
                copyRows(poolLast[i], poolRows, batchLast[i], batchRows, ids, count, scatter);
            }
        }
    }

    private static void copyRows(float[] pool, int poolRows, float[] batch, int batchRows, int[] ids, int count, boolean scatter) {
        int w = pool.length / poolRows;
        for (int r = 0; r < count; r++) {
            if (scatter) {
                System.arraycopy(batch, r * w, pool, ids[r] * w, w);
            } else {
                System.arraycopy(pool, ids[r] * w, batch, r * w, w);
            }
        }
    }
}
