package io.github.panamarnn.kernels;

/**
 * The operations every recurrent cell runs on. Two implementations share these signatures:
 * {@link ScalarKernels}, plain Java that is the specification, and a Vector API implementation
 * that {@link KernelProvider} loads when the {@code jdk.incubator.vector} module is readable.
 *
 * <p>Implementations are stateless and thread-safe; the arrays they are handed belong to the
 * caller. Hot-path methods validate nothing per element: shapes are checked once, when a cell is
 * built. Every method reads and writes only the documented ranges of its arrays, whatever the
 * sizes (no padding is required of caller arrays), and allocates nothing once compiled.
 *
 * <p>Conventions: matrices multiply row vectors ({@code y = x @ W + b}); a batch is {@code batch}
 * rows at {@code off + b*stride}. Gate buffers are row-contiguous: row {@code b} of an LSTM gate
 * buffer starts at {@code gOff + b*4*units}, of a GRU gate buffer at {@code gOff + b*3*units}, and
 * state rows at {@code off + b*units}.
 */
public sealed interface Kernels permits PanamaKernels, ParallelKernels, ScalarKernels {

    /** A short description: {@code "scalar"} or the vector species in use. */
    String name();

    /** Whether this is the Vector API implementation. */
    boolean isVectorized();

    /**
     * The row granularity of {@link #matMul}: in a batch whose size is a multiple of this, every row goes through the
     * same operations in the same order whatever the batch size, the row's position and the other rows' values, so its
     * result is bit for bit what it is in any other such batch. A row of another batch may take a single-row kernel
     * whose additions are grouped differently (equal within rounding, not bit for bit). The element-wise operations
     * compute each row identically at any batch. 1 for every kernel of this library: the scalar ones, and the vector
     * ones, whose single-row kernels sum every output in the order of their six-row blocks, so a row of any batch,
     * batch 1 included, is computed alike (a future kernel with rows that cannot be matched would say more here).
     *
     * <p>Who needs it: a batch of unrelated streams whose numbers must not depend on which others shared the step (a
     * replay after a failure, a key moved to another machine) pads the batch to a multiple of this.
     */
    int rowBlock();

    /**
     * The precision {@link #pack} stores weights in ({@link Precision#FP32} for the instances
     * {@link KernelProvider} returns).
     */
    Precision precision();

    /**
     * These kernels packing weights in {@code precision}: same products and activations, other bytes per weight.
     * The state, activations and accumulation stay float32. Cells built with (or moved by {@code using} onto) the
     * returned instance store their weights in that precision.
     *
     * @throws IllegalArgumentException when {@code precision} is null
     */
    Kernels withPrecision(Precision precision);

    /**
     * Packs {@code W [rows, cols]} (and an optional float32 bias) in the layout these kernels read fastest, in
     * {@link #precision()}.
     */
    PackedMatrix pack(int rows, int cols, PackedMatrix.Source w, float[] bias);

    /**
     * {@code m} in the layout and precision these kernels read: {@code m} itself when it already is, otherwise
     * repacked; weights already stored in this precision keep their values exactly (see
     * {@link PackedMatrix#repack(int, Precision)}).
     */
    PackedMatrix repack(PackedMatrix m);

    /**
     * Matrix-vector product, batch 1: {@code y[yOff+n] = (accumulate ? y[yOff+n] : 0) + bias[n] +
     * sum_k x[xOff+k] * W[k, n]} for {@code n < W.cols()}, {@code W} being the stored weights of any
     * {@link Precision} (int8: {@code scale[n] * sum_k x[xOff+k] * q[k, n]}, see {@link ScalarKernels#matMul}).
     */
    void matVec(PackedMatrix w, float[] x, int xOff, float[] y, int yOff, boolean accumulate);

    /**
     * Matrix-matrix product for a batch of rows: for each {@code b < batch},
     * {@code y[yOff + b*yStride + n] = (accumulate ? y[..] : 0) + bias[n] + sum_k x[xOff + b*xStride + k] * W[k, n]}.
     */
    void matMul(PackedMatrix w, float[] x, int xOff, int xStride, int batch,
                float[] y, int yOff, int yStride, boolean accumulate);

    /** {@code dst[dstOff+i] = act(src[srcOff+i])} for {@code i < n}; {@code src} and {@code dst} may be the same range. */
    void activate(Activation act, float[] src, int srcOff, float[] dst, int dstOff, int n);

    /**
     * The LSTM state update of {@link LstmGates} for {@code batch} rows, in one fused pass when
     * {@link LstmGates#isFused()}: reads the gate pre-activations (row stride {@code 4*units}) and
     * {@code c}, writes the new {@code c} in place and the new {@code h} (row strides {@code units}).
     * The gate buffer is scratch: it may be overwritten.
     */
    void lstmUpdate(LstmGates g, int batch, float[] gates, int gOff, float[] c, int cOff, float[] h, int hOff);

    /**
     * GRU update, reset applied after the recurrent product (see {@link GruGates}): {@code gx} holds
     * {@code x@W + bx} and {@code gh} holds {@code h@U + bh}, both {@code [z | r | n]} (row stride
     * {@code 3*units}); writes {@code h'} to {@code hOut}, which may be the same range as {@code hPrev}.
     * {@code gx} is scratch.
     */
    void gruUpdateResetAfter(GruGates g, int batch, float[] gx, int gxOff, float[] gh, int ghOff,
                             float[] hPrev, int hPrevOff, float[] hOut, int hOutOff);

    /**
     * First half of the reset-before GRU: from the summed {@code z, r} pre-activations in
     * {@code gates} (row stride {@code 3*units}), writes {@code r*h} to {@code rh} (row stride
     * {@code units}), the input of the candidate's recurrent product.
     */
    void gruResetHidden(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff, float[] rh, int rhOff);

    /**
     * Second half of the reset-before GRU: {@code gates} now holds the {@code z} pre-activation and
     * the complete candidate pre-activation {@code x@Wn + (r*h)@Un + bn}; writes {@code h'} to
     * {@code hOut} (may alias {@code hPrev}). {@code gates} is scratch.
     */
    void gruUpdateResetBefore(GruGates g, int batch, float[] gates, int gOff, float[] hPrev, int hPrevOff,
                              float[] hOut, int hOutOff);

    // ---------------------------------------------------------------------------------------------
    // Recurrent steps: the product and its update in one call, so an implementation may apply the update to each
    // tile of the product while it is in L1 (the defaults run the product, then the update: the specification).

    /**
     * An LSTM step's recurrent half: {@code gates += h @ wh} (with {@code wh}'s bias; {@code h} rows of
     * {@code wh.rows()} floats at {@code hOff + b*wh.rows()}, {@code wh} of {@code 4*units} columns), then
     * {@link #lstmUpdate} into {@code c} and {@code hOut}. {@code hOut} may be {@code h} at the same offset (the state
     * updated in place); otherwise the two must not overlap. The result is bit for bit the default's.
     */
    default void lstmStep(LstmGates g, PackedMatrix wh, float[] h, int hOff, int batch, float[] gates, int gOff,
                          float[] c, int cOff, float[] hOut, int hOutOff) {
        matMul(wh, h, hOff, wh.rows(), batch, gates, gOff, 4 * g.units(), true);
        lstmUpdate(g, batch, gates, gOff, c, cOff, hOut, hOutOff);
    }

    /**
     * A whole LSTM step: {@code gates = x @ wx} (with its bias; {@code x} rows of {@code wx.rows()} floats at
     * {@code xOff + b*wx.rows()}; {@code gates} is scratch), then the recurrent half as above. Bit for bit the default's.
     */
    default void lstmStep(LstmGates g, PackedMatrix wx, float[] x, int xOff, PackedMatrix wh, float[] h, int hOff, int batch,
                          float[] gates, int gOff, float[] c, int cOff, float[] hOut, int hOutOff) {
        matMul(wx, x, xOff, wx.rows(), batch, gates, gOff, 4 * g.units(), false);
        lstmStep(g, wh, h, hOff, batch, gates, gOff, c, cOff, hOut, hOutOff);
    }

    /**
     * A reset-after GRU step's recurrent half: {@code gh = h @ wh} (with its bias; {@code wh} is
     * {@code [units, 3*units]}, {@code gh} is scratch of row stride {@code 3*units}), then {@link #gruUpdateResetAfter}
     * from {@code gx} into {@code hOut}, which may be {@code h} at the same offset; otherwise they must not overlap.
     * Bit for bit the default's.
     */
    default void gruStepResetAfter(GruGates g, PackedMatrix wh, float[] h, int hOff, int batch, float[] gx, int gxOff,
                                   float[] gh, int ghOff, float[] hOut, int hOutOff) {
        final int u = g.units();
        matMul(wh, h, hOff, u, batch, gh, ghOff, 3 * u, false);
        gruUpdateResetAfter(g, batch, gx, gxOff, gh, ghOff, h, hOff, hOut, hOutOff);
    }

    /** A whole reset-after GRU step: {@code gx = x @ wx} (with its bias; scratch), then the recurrent half as above. */
    default void gruStepResetAfter(GruGates g, PackedMatrix wx, float[] x, int xOff, PackedMatrix wh, float[] h, int hOff,
                                   int batch, float[] gx, int gxOff, float[] gh, int ghOff, float[] hOut, int hOutOff) {
        matMul(wx, x, xOff, wx.rows(), batch, gx, gxOff, 3 * g.units(), false);
        gruStepResetAfter(g, wh, h, hOff, batch, gx, gxOff, gh, ghOff, hOut, hOutOff);
    }

    /**
     * A reset-before GRU step's recurrent half: {@code gates[z | r] += h @ wzr} ({@code [units, 2*units]}),
     * {@link #gruResetHidden} into {@code rh} (scratch, row stride {@code units}), {@code gates[n] += rh @ wn}
     * ({@code [units, units]}), then {@link #gruUpdateResetBefore} into {@code hOut}, which may be {@code h} at the same
     * offset; otherwise they must not overlap. Bit for bit the default's.
     */
    default void gruStepResetBefore(GruGates g, PackedMatrix wzr, PackedMatrix wn, float[] h, int hOff, int batch,
                                    float[] gates, int gOff, float[] rh, int rhOff, float[] hOut, int hOutOff) {
        final int u = g.units();
        matMul(wzr, h, hOff, u, batch, gates, gOff, 3 * u, true);
        gruResetHidden(g, batch, gates, gOff, h, hOff, rh, rhOff);
        matMul(wn, rh, rhOff, u, batch, gates, gOff + 2 * u, 3 * u, true);
        gruUpdateResetBefore(g, batch, gates, gOff, h, hOff, hOut, hOutOff);
    }

    /** A whole reset-before GRU step: {@code gates = x @ wx} (with its bias; scratch), then the recurrent half as above. */
    default void gruStepResetBefore(GruGates g, PackedMatrix wx, float[] x, int xOff, PackedMatrix wzr, PackedMatrix wn,
                                    float[] h, int hOff, int batch, float[] gates, int gOff, float[] rh, int rhOff,
                                    float[] hOut, int hOutOff) {
        matMul(wx, x, xOff, wx.rows(), batch, gates, gOff, 3 * g.units(), false);
        gruStepResetBefore(g, wzr, wn, h, hOff, batch, gates, gOff, rh, rhOff, hOut, hOutOff);
    }

    /** {@code a[off+i] = min(max(a[off+i], lo), hi)} for {@code i < n}. */
    void clamp(float[] a, int off, int n, float lo, float hi);

}
