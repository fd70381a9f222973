package io.github.panamarnn.kernels;

/**
 * A weight matrix {@code W [rows, cols]} (row vectors times {@code W}, as TensorFlow multiplies) plus
 * a bias {@code [cols]}, laid out once in the order the matrix kernels read fastest.
 *
 * <p>Layout: the columns are cut into panels of {@link #panelWidth()} output units. Panel {@code p}
 * holds, for {@code k = 0 .. rows-1}, the {@code panelWidth} weights of its columns next to each
 * other, so that a kernel streams one panel from start to end while it keeps one accumulator per
 * output unit in registers. When {@code cols} is not a multiple of the panel width (and at least
 * one panel wide), the last panel is aligned to the right end: it holds columns
 * {@code cols - panelWidth .. cols - 1}, with zero weights and bias for the columns the previous
 * panel already holds. A kernel that runs that panel first can then store whole vectors only, never
 * past {@code cols}: the zero columns write 0 (or add 0) and are overwritten (or completed) by the
 * previous panel afterwards. A matrix narrower than one panel has a single zero-padded panel.
 * The bias is laid out the same way, panel by panel.
 *
 * <p>Precision ({@link Precision}): float32 weights are stored as above; int8 weights likewise, one
 * byte each (a kernel loads a quarter-width vector of bytes and widens it into float32 lanes);
 * bfloat16 weights in the same panels but with two consecutive rows of a column in one {@code int},
 * so that a kernel loads one vector of ints and splits it into two vectors of float32 weights with a
 * shift and a mask. The bias (and int8's per-column scale) stays float32.
 *
 * <p>Immutable after construction and safe to share between any number of threads.
 */
public final class PackedMatrix {

    /** Supplies {@code W[row, col]} while a matrix is packed (build time only, never on a hot path). */
    @FunctionalInterface
    public interface Source {
        /** The weight at {@code (row, col)} of the row-major {@code [rows, cols]} matrix. */
        float get(int row, int col);
    }

    final int rows;
    final int cols;
    final int panelWidth;
    final int panels;
    /** First column of the last panel (see the class comment). */
    final int lastStart;
    final Precision precision;
    /** Packed rows per panel: {@code rows} for float32 and int8, {@code ceil(rows / 2)} ints for bfloat16. */
    final int depth;
    /** Float32 only: {@code panels * rows * panelWidth} floats, panel-major (see the class comment); else null. */
    final float[] data;
    /**
     * bfloat16 only (else null): {@code panels * depth * panelWidth} ints, laid out as {@link #data} but each int
     * holding two consecutive rows of one column, the even row in the low 16 bits. A row past {@code rows} holds 0.
     */
    final int[] packed;
    /**
     * int8 only (else null): {@code q}, laid out as {@link #data}, plus {@link #BYTE_PAD} zero bytes at the end (a
     * kernel may load a whole 64-bit vector of bytes and widen only its first lanes).
     */
    final byte[] bytes;
    /** int8 only (else null): the scale of each panel's columns, laid out as {@link #bias}. */
    final float[] scale;
    /** {@code panels * panelWidth} floats: the bias of each panel's columns, 0 where it has none. */
    final float[] bias;

    private PackedMatrix(int rows, int cols, int panelWidth, Precision precision, Source w, float[] bias, PackedMatrix int8From) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("matrix shape must be positive, got [" + rows + ", " + cols + "]");
        }
        if (panelWidth < 1) {
            throw new IllegalArgumentException("panel width must be positive, got " + panelWidth);
        }
        if (bias != null && bias.length != cols) {
            throw new IllegalArgumentException("bias length must equal cols " + cols + ", got " + bias.length);
        }
        this.rows = rows;
        this.cols = cols;
        this.panelWidth = panelWidth;
        this.precision = precision;
        this.panels = (cols + panelWidth - 1) / panelWidth;
        this.lastStart = cols % panelWidth == 0 || cols < panelWidth ? (panels - 1) * panelWidth : cols - panelWidth;
        final int g = precision.rowsPerInt;
        this.depth = (rows + g - 1) / g;
        long size = (long) panels * depth * panelWidth;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] is too large to pack into one array");
        }
        this.data = precision == Precision.FP32 ? new float[(int) size] : null;
        this.packed = precision == Precision.BF16 ? new int[(int) size] : null;
        this.bytes = precision == Precision.INT8 ? new byte[(int) size + BYTE_PAD] : null;
        this.bias = new float[panels * panelWidth];
        this.scale = precision == Precision.INT8 ? new float[panels * panelWidth] : null;
        for (int p = 0; p < panels; p++) {
            int base = p * depth * panelWidth;
            for (int j = 0; j < panelWidth; j++) {
                int col = columnOf(p, j);
                if (col < 0) {
                    continue;
                }
                this.bias[p * panelWidth + j] = bias == null ? 0f : bias[col];
                switch (precision) {
                    case FP32 -> {
                        for (int k = 0; k < rows; k++) {
                            data[base + k * panelWidth + j] = w.get(k, col);
                        }
                    }
                    case BF16 -> {
                        for (int k = 0; k < rows; k++) {
                            float v = w.get(k, col);
                            int b = Precision.toBf16(v);
                            if (Float.isFinite(v) && !Float.isFinite(Precision.fromBf16(b))) {
                                throw new IllegalArgumentException("weight W[" + k + ", " + col + "] = " + v + " overflows bfloat16");
                            }
                            packed[base + (k >> 1) * panelWidth + j] |= b << ((k & 1) * 16);
                        }
                    }
                    case INT8 -> {
                        float sc;
                        if (int8From != null) {
                            sc = int8From.scale(col);
                        } else {
                            float max = 0f;
                            for (int k = 0; k < rows; k++) {
                                float v = w.get(k, col);
                                if (!Float.isFinite(v)) {
                                    throw new IllegalArgumentException("weight W[" + k + ", " + col + "] = " + v
                                            + ": int8 needs finite weights");
                                }
                                max = Math.max(max, Math.abs(v));
                            }
                            sc = max / 127f;
                        }
                        scale[p * panelWidth + j] = sc;
                        for (int k = 0; k < rows; k++) {
                            int q = int8From != null ? int8From.quantized(k, col)
                                    : sc == 0f ? 0 : (int) Math.max(-127, Math.min(127, Math.rint((double) w.get(k, col) / sc)));
                            bytes[base + k * panelWidth + j] = (byte) q;
                        }
                    }
                }
            }
        }
    }

    /** The column that lane {@code j} of panel {@code p} holds, or -1 for a zero (padding or overlap) lane. */
    private int columnOf(int p, int j) {
        if (p < panels - 1) {
            return p * panelWidth + j;
        }
        int col = lastStart + j;
        return col >= cols || col < (panels - 1) * panelWidth ? -1 : col;
    }

    /**
     * Offset in {@link #data} (or {@link #bytes}, or {@link #packed}) of {@code W[0, col]}; {@code W[k, col]} is
     * {@code k * panelWidth} further (in {@link #packed}: {@code (k / 2) * panelWidth}).
     */
    int offset(int col) {
        int p = Math.min(col / panelWidth, panels - 1);
        int first = p == panels - 1 ? lastStart : p * panelWidth;
        return p * depth * panelWidth + col - first;
    }

    /** Index in {@link #bias} (and {@link #scale}) of column {@code col}. */
    int biasIndex(int col) {
        int p = Math.min(col / panelWidth, panels - 1);
        return p * panelWidth + col - (p == panels - 1 ? lastStart : p * panelWidth);
    }

    /** int8 only: the stored {@code q[row, col]} in [-127, 127]. */
    int quantized(int row, int col) {
        return bytes[offset(col) + row * panelWidth];
    }

    /** Zero bytes after an int8 matrix's weights. */
    static final int BYTE_PAD = 8;

    /**
     * Packs {@code W[row, col] = w.get(row, col)} in float32 with the given bias (or none when {@code null}).
     * Prefer {@link Kernels#pack}, which picks the panel width and the precision its kernels want.
     */
    public static PackedMatrix pack(int rows, int cols, int panelWidth, Source w, float[] bias) {
        return pack(rows, cols, panelWidth, Precision.FP32, w, bias);
    }

    /**
     * Packs {@code W[row, col] = w.get(row, col)} in the given precision (see {@link Precision}), with the given
     * bias (kept in float32) or none when {@code null}.
     *
     * @throws IllegalArgumentException for a bad shape, a bias of another length, a weight bfloat16 cannot hold
     *                                  or, for int8, a weight that is not finite
     */
    public static PackedMatrix pack(int rows, int cols, int panelWidth, Precision precision, Source w, float[] bias) {
        return new PackedMatrix(rows, cols, panelWidth, Precision.check(precision), w, bias == null ? null : bias.clone(), null);
    }

    /** Packs a row-major {@code [rows, cols]} array (TensorFlow / Keras kernel layout). */
    public static PackedMatrix fromRowMajor(float[] w, int rows, int cols, float[] bias, int panelWidth) {
        checkLength(w, rows, cols);
        return pack(rows, cols, panelWidth, (r, c) -> w[r * cols + c], bias);
    }

    /**
     * Packs the transpose of a row-major {@code [cols, rows]} array: PyTorch and ONNX store
     * {@code weight [out, in]} and multiply {@code x @ weight^T}.
     */
    public static PackedMatrix fromTransposed(float[] wt, int rows, int cols, float[] bias, int panelWidth) {
        checkLength(wt, rows, cols);
        return pack(rows, cols, panelWidth, (r, c) -> wt[c * rows + r], bias);
    }

    private static void checkLength(float[] w, int rows, int cols) {
        if (w.length != (long) rows * cols) {
            throw new IllegalArgumentException("weight array for [" + rows + ", " + cols + "] must have "
                    + ((long) rows * cols) + " elements, got " + w.length);
        }
    }

    /** Number of input rows {@code K}: the length of the vector a kernel multiplies. */
    public int rows() {
        return rows;
    }

    /** Number of output columns {@code N}. */
    public int cols() {
        return cols;
    }

    /** Output units per panel. */
    public int panelWidth() {
        return panelWidth;
    }

    /** {@code W[row, col]}, read back from the packed layout. */
    public float get(int row, int col) {
        if (row < 0 || row >= rows || col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") outside [" + rows + ", " + cols + "]");
        }
        return switch (precision) {
            case FP32 -> data[offset(col) + row * panelWidth];
            case BF16 -> Precision.fromBf16(packed[offset(col) + (row >> 1) * panelWidth] >>> ((row & 1) * 16));
            case INT8 -> quantized(row, col) * scale[biasIndex(col)];
        };
    }

    /** How the weights are stored. */
    public Precision precision() {
        return precision;
    }

    /** int8: {@code scale[col]}, the weight one quantization step stands for; 1 in other precisions. */
    public float scale(int col) {
        if (col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("column " + col + " outside [0, " + cols + ")");
        }
        return scale == null ? 1f : scale[biasIndex(col)];
    }

    /** {@code bias[col]} (0 when the matrix was packed without a bias). */
    public float bias(int col) {
        if (col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("column " + col + " outside [0, " + cols + ")");
        }
        return bias[biasIndex(col)];
    }

    /** Bytes of packed weights a full product streams (padding included). */
    public long weightBytes() {
        return data != null ? 4L * data.length : packed != null ? 4L * packed.length : bytes.length - BYTE_PAD + 4L * scale.length;
    }

    /** The same weights packed for another panel width, in the same precision (int8 keeps its {@code q} and scales). */
    public PackedMatrix repack(int newPanelWidth) {
        return repack(newPanelWidth, precision);
    }

    /**
     * The same weights packed for another panel width and precision. Weights already stored in {@code newPrecision}
     * keep their stored values exactly; otherwise the values {@link #get} returns are converted (so float32 weights
     * made bfloat16 and back are the bfloat16 values, not the original ones).
     */
    public PackedMatrix repack(int newPanelWidth, Precision newPrecision) {
        if (newPanelWidth == panelWidth && newPrecision == precision) {
            return this;
        }
        return new PackedMatrix(rows, cols, newPanelWidth, newPrecision, this::get, biasColumns(),
                newPrecision == Precision.INT8 && precision == Precision.INT8 ? this : null);
    }

    private float[] biasColumns() {
        float[] b = new float[cols];
        for (int c = 0; c < cols; c++) {
            b[c] = bias[biasIndex(c)];
        }
        return b;
    }

    /**
     * A 64-bit digest of the shape, the precision, every stored weight and the bias, the same on every machine and
     * vector width (it reads the values, not the layout): equal matrices have equal fingerprints, and any change
     * of a value changes it but with probability 2^-64. For telling models apart (state snapshots), not for
     * security.
     */
    public long fingerprint() {
        long h = combine(combine(combine(0x5052_4E4E_0000_0001L, rows), cols), precision.ordinal());
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                h = combine(h, Float.floatToRawIntBits(get(r, c)));
            }
            h = combine(h, Float.floatToRawIntBits(bias[biasIndex(c)]));
        }
        return h;
    }

    /** Mixes {@code v} into the digest {@code h} (the step of {@link #fingerprint}, for digests of several matrices). */
    public static long combine(long h, long v) {
        long x = (h ^ v) * 0x9E37_79B9_7F4A_7C15L;
        x ^= x >>> 32;
        x *= 0xD6E8_FEB8_6659_FD93L;
        return x ^ (x >>> 29);
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + rows + " x " + cols + ", panels of " + panelWidth + ", " + precision.label() + "]";
    }
}
