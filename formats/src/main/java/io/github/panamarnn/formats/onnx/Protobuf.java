package io.github.panamarnn.formats.onnx;

import io.github.panamarnn.formats.ModelFormatException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format, as much as ONNX needs: a bounds-checked reader over a byte array and a
 * writer. Every length is checked against what is left before it is used, so a corrupted file
 * ends in a {@link ModelFormatException}, never an out-of-bounds access or a huge allocation.
 */
final class Protobuf {
    static final int VARINT = 0;
    static final int I64 = 1;
    static final int LEN = 2;
    static final int I32 = 5;

    private Protobuf() {
    }

    /** Reads fields of one message, {@code [pos, end)} of {@code buf}. */
    static final class Reader {
        private final byte[] buf;
        private final String what;
        private int pos;
        private final int end;
        private int tag;

        Reader(byte[] buf, int pos, int end, String what) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
            this.what = what;
        }

        private ModelFormatException bad(String why) {
            return new ModelFormatException(what + ": corrupted protobuf at byte " + pos + ": " + why);
        }

        /** The next field's tag, or false at the end of the message. */
        boolean next() throws ModelFormatException {
            if (pos >= end) {
                return false;
            }
            long t = varint();
            if (t <= 0 || t > Integer.MAX_VALUE || (t >>> 3) == 0) {
                throw bad("invalid field tag " + t);
            }
            tag = (int) t;
            return true;
        }

        int field() {
            return tag >>> 3;
        }

        int wireType() {
            return tag & 7;
        }

        long varint() throws ModelFormatException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw bad("truncated varint");
                }
                byte b = buf[pos++];
                v |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw bad("varint longer than 10 bytes");
        }

        int fixed32() throws ModelFormatException {
            if (end - pos < 4) {
                throw bad("truncated fixed32");
            }
            int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
            pos += 4;
            return v;
        }

        long fixed64() throws ModelFormatException {
            long lo = fixed32() & 0xffffffffL;
            long hi = fixed32() & 0xffffffffL;
            return lo | hi << 32;
        }

        /** The length of a LEN field, checked against what is left; the bytes start at {@link #position()}. */
        int length() throws ModelFormatException {
            if (wireType() != LEN) {
                throw bad("field " + field() + " has wire type " + wireType() + ", expected 2 (length-delimited)");
            }
            long n = varint();
            if (n < 0 || n > end - pos) {
                throw bad("field " + field() + " declares " + n + " bytes, only " + (end - pos) + " left");
            }
            return (int) n;
        }

        int position() {
            return pos;
        }

        /** Skips {@code n} bytes of a field whose length was read with {@link #length()}. */
        void skipBytes(int n) {
            pos += n;
        }

        byte[] buffer() {
            return buf;
        }

        /** A sub-message reader, and skips past it here. */
        Reader message(String name) throws ModelFormatException {
            int n = length();
            Reader r = new Reader(buf, pos, pos + n, what);
            pos += n;
            return r;
        }

        byte[] bytes() throws ModelFormatException {
            int n = length();
            byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        String string() throws ModelFormatException {
            int n = length();
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        /** One value of a repeated varint field, packed or not, appended to {@code out}. */
        void varints(LongList out) throws ModelFormatException {
            if (wireType() == VARINT) {
                out.add(varint());
                return;
            }
            int n = length();
            int stop = pos + n;
            Reader r = new Reader(buf, pos, stop, what);
            while (r.pos < stop) {
                out.add(r.varint());
            }
            pos = stop;
        }

        /** One value of a repeated float field, packed or not. */
        void floats(FloatList out) throws ModelFormatException {
            if (wireType() == I32) {
                out.add(Float.intBitsToFloat(fixed32()));
                return;
            }
            int n = length();
            if (n % 4 != 0) {
                throw bad("packed floats of " + n + " bytes");
            }
            Reader r = new Reader(buf, pos, pos + n, what);
            for (int i = 0; i < n / 4; i++) {
                out.add(Float.intBitsToFloat(r.fixed32()));
            }
            pos += n;
        }

        void skip() throws ModelFormatException {
            switch (wireType()) {
                case VARINT -> varint();
                case I64 -> fixed64();
                case LEN -> {
                    int n = length(); // not "pos += length()": that would add to the position before the length
                    pos += n;
                }
                case I32 -> fixed32();
                default -> throw bad("unsupported wire type " + wireType() + " in field " + field());
            }
        }
    }

    /** A growable long array (no boxing). */
    static final class LongList {
        long[] a = new long[8];
        int n;

        void add(long v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, 2 * n);
            }
            a[n++] = v;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }

    /** A growable float array (no boxing). */
    static final class FloatList {
        float[] a = new float[8];
        int n;

        void add(float v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, 2 * n);
            }
            a[n++] = v;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }

    /** Writes one message's fields. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private void raw(long v) {
            while ((v & ~0x7fL) != 0) {
                out.write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        Writer varint(int field, long v) {
            raw((long) field << 3 | VARINT);
            raw(v);
            return this;
        }

        Writer fixed32(int field, int v) {
            raw((long) field << 3 | I32);
            for (int i = 0; i < 4; i++) {
                out.write(v >>> (8 * i) & 0xff);
            }
            return this;
        }

        Writer bytes(int field, byte[] b) {
            raw((long) field << 3 | LEN);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        Writer string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Writer message(int field, Writer m) {
            return bytes(field, m.toByteArray());
        }

        Writer packedVarints(int field, long[] v) {
            Writer w = new Writer();
            for (long x : v) {
                w.raw(x);
            }
            return bytes(field, w.toByteArray());
        }

        Writer packedFloats(int field, float[] v) {
            byte[] b = new byte[4 * v.length];
            for (int i = 0; i < v.length; i++) {
                int bits = Float.floatToRawIntBits(v[i]);
                for (int k = 0; k < 4; k++) {
                    b[4 * i + k] = (byte) (bits >>> (8 * k));
                }
            }
            return bytes(field, b);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
