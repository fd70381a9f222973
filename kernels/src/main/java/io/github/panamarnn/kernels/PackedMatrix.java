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
 * <p>Immutable after construction and safe to share between any number of threads.
 */
public final class PackedMatrix {

    /** Supplies {@code W[row, col]} while a matrix is packed (build time only, never on a hot path). */
    @FunctionalInterface
    public interface Source {
        float get(int row, int col);
    }

    final int rows;
    final int cols;
    final int panelWidth;
    final int panels;
    /** First column of the last panel (see the class comment). */
    final int lastStart;
    /** {@code panels * rows * panelWidth} floats, panel-major (see the class comment). */
    final float[] data;
    /** {@code panels * panelWidth} floats: the bias of each panel's columns, 0 where it has none. */
    final float[] bias;

    private PackedMatrix(int rows, int cols, int panelWidth, Source w, float[] bias) {
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
        this.panels = (cols + panelWidth - 1) / panelWidth;
        this.lastStart = cols % panelWidth == 0 || cols < panelWidth ? (panels - 1) * panelWidth : cols - panelWidth;
        long size = (long) panels * rows * panelWidth;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] is too large to pack into one array");
        }
        this.data = new float[(int) size];
        this.bias = new float[panels * panelWidth];
        for (int p = 0; p < panels; p++) {
            int base = p * rows * panelWidth;
            for (int j = 0; j < panelWidth; j++) {
                int col = columnOf(p, j);
                if (col < 0) {
                    continue;
                }
                for (int k = 0; k < rows; k++) {
                    data[base + k * panelWidth + j] = w.get(k, col);
                }
                this.bias[p * panelWidth + j] = bias == null ? 0f : bias[col];
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

    /** Offset in {@link #data} of {@code W[0, col]}; {@code W[k, col]} is {@code k * panelWidth} further. */
    int offset(int col) {
        int p = Math.min(col / panelWidth, panels - 1);
        int first = p == panels - 1 ? lastStart : p * panelWidth;
        return p * rows * panelWidth + col - first;
    }

    /** Index in {@link #bias} of column {@code col}. */
    int biasIndex(int col) {
        int p = Math.min(col / panelWidth, panels - 1);
        return p * panelWidth + col - (p == panels - 1 ? lastStart : p * panelWidth);
    }

    /**
     * Packs {@code W[row, col] = w.get(row, col)} with the given bias (or none when {@code null}).
     * Prefer {@link Kernels#pack}, which picks the panel width its kernels want.
     */
    public static PackedMatrix pack(int rows, int cols, int panelWidth, Source w, float[] bias) {
        return new PackedMatrix(rows, cols, panelWidth, w, bias == null ? null : bias.clone());
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
        return data[offset(col) + row * panelWidth];
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
        return 4L * data.length;
    }

    /** The same weights packed for another panel width. */
    public PackedMatrix repack(int newPanelWidth) {
        return newPanelWidth == panelWidth ? this
                : new PackedMatrix(rows, cols, newPanelWidth, this::get, biasColumns());
    }

    private float[] biasColumns() {
        float[] b = new float[cols];
        for (int c = 0; c < cols; c++) {
            b[c] = bias[biasIndex(c)];
        }
        return b;
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + rows + " x " + cols + ", panels of " + panelWidth + "]";
    }
}
