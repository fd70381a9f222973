package io.github.panamarnn.cells;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.GruGates;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;

/**
 * A GRU cell of any framework (SEMANTICS.md 2, 4, 5, 6), in its two forms:
 * <ul>
 * <li>reset after the recurrent product (Keras {@code reset_after=True}, ONNX
 *     {@code linear_before_reset=1}, PyTorch): {@code n = act(x@Wn + bxn + r*(h@Un + bhn))};</li>
 * <li>reset before it (TF1 {@code GRUCell}, Keras {@code reset_after=False}, ONNX default):
 *     {@code n = act(x@Wn + (r*h)@Un + bn)}.</li>
 * </ul>
 * {@code h' = z*h + (1-z)*n}. Factories convert Keras/ONNX {@code z, r, h}, PyTorch {@code r, z, n}
 * and TF1 {@code r, u} + candidate into the kernels' canonical {@code [z | r | n]} once.
 *
 * <p>State: {@code h [B, units]}; output {@code h}. Immutable and thread-safe; a state belongs to one stream.
 */
public final class GruCell implements InputProjectedCell {
    private final Kernels k;
    private final int in;
    private final int units;
    private final boolean resetAfter;
    private final GruGates gates;
    /** {@code x@Wx + bx}: all three blocks. */
    private final PackedMatrix wx;
    /** Reset after: {@code h@U + bh}, all three blocks. Reset before: the z and r blocks only. */
    private final PackedMatrix wh;
    /** Reset before only: {@code (r*h)@Un}. */
    private final PackedMatrix whn;

    /**
     * @param wxC canonical {@code [in, 3u]}, @param whC canonical {@code [u, 3u]}, biases canonical
     *            {@code [3u]} (bh only for reset-after; for reset-before all bias goes in bx).
     */
    private GruCell(int in, int units, boolean resetAfter, GruGates gates, float[] wxC, float[] whC, float[] bx, float[] bh) {
        this.k = KernelProvider.get();
        this.in = in;
        this.units = units;
        this.resetAfter = resetAfter;
        this.gates = gates;
        int n3 = 3 * units;
        this.wx = k.pack(in, n3, (r, c) -> wxC[r * n3 + c], bx);
        if (resetAfter) {
            this.wh = k.pack(units, n3, (r, c) -> whC[r * n3 + c], bh);
            this.whn = null;
        } else {
            this.wh = k.pack(units, 2 * units, (r, c) -> whC[r * n3 + c], null);
            this.whn = k.pack(units, units, (r, c) -> whC[r * n3 + 2 * units + c], null);
        }
    }

    private GruCell(GruCell o, Kernels k) {
        this.k = k;
        this.in = o.in;
        this.units = o.units;
        this.resetAfter = o.resetAfter;
        this.gates = o.gates;
        this.wx = Shapes.repack(k, o.wx);
        this.wh = Shapes.repack(k, o.wh);
        this.whn = Shapes.repack(k, o.whn);
    }

    /** This cell on other kernels (e.g. {@link KernelProvider#scalar()}, the specification), same weights. */
    public GruCell using(Kernels kernels) {
        return new GruCell(this, kernels);
    }

    private static int[] blockMap(String order) {
        int[] map = new int[3];
        for (int b = 0; b < 3; b++) {
            map[b] = "zrn".indexOf(order.charAt(b));
        }
        return map;
    }

    /** Source {@code [rows, 3u]} (or {@code [3u, srcRows]} transposed, rows from {@code rowOffset}) in block {@code order} to canonical. */
    static float[] canonical(float[] src, int rows, int units, String order, boolean transposed, int rowOffset, int srcRows) {
        int[] map = blockMap(order);
        float[] dst = new float[rows * 3 * units];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < 3; b++) {
                for (int j = 0; j < units; j++) {
                    int srcCol = b * units + j;
                    float v = transposed ? src[srcCol * srcRows + rowOffset + r] : src[(rowOffset + r) * 3 * units + srcCol];
                    dst[r * 3 * units + map[b] * units + j] = v;
                }
            }
        }
        return dst;
    }

    static float[] canonicalBias(float[] src, int srcOff, int units, String order) {
        int[] map = blockMap(order);
        float[] dst = new float[3 * units];
        for (int b = 0; b < 3; b++) {
            System.arraycopy(src, srcOff + b * units, dst, map[b] * units, units);
        }
        return dst;
    }

    /**
     * TF1 {@code GRUCell}: {@code gates/kernel [in+u, 2u]} (blocks r, u), {@code gates/bias [2u]},
     * {@code candidate/kernel [in+u, u]} on {@code concat(x, r*h)}, {@code candidate/bias [u]}.
     */
    public static GruCell tf1(int in, int units, float[] gatesKernel, float[] gatesBias, float[] candidateKernel, float[] candidateBias,
                              Activation activation) {
        Shapes.positive("num_units", units);
        Shapes.check("gates/kernel", gatesKernel, in + units, 2 * units);
        Shapes.check("gates/bias", gatesBias, 2 * units);
        Shapes.check("candidate/kernel", candidateKernel, in + units, units);
        Shapes.check("candidate/bias", candidateBias, units);
        int rows = in + units;
        int n3 = 3 * units;
        float[] all = new float[rows * n3];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < units; j++) {
                all[r * n3 + j] = gatesKernel[r * 2 * units + units + j]; // z = TF1's u (second block)
                all[r * n3 + units + j] = gatesKernel[r * 2 * units + j]; // r = first block
                all[r * n3 + 2 * units + j] = candidateKernel[r * units + j];
            }
        }
        float[] wxC = new float[in * n3];
        float[] whC = new float[units * n3];
        System.arraycopy(all, 0, wxC, 0, wxC.length);
        System.arraycopy(all, in * n3, whC, 0, whC.length);
        float[] bias = new float[n3];
        System.arraycopy(gatesBias, units, bias, 0, units);
        System.arraycopy(gatesBias, 0, bias, units, units);
        System.arraycopy(candidateBias, 0, bias, 2 * units, units);
        return new GruCell(in, units, false, GruGates.of(units, Activation.SIGMOID, activation, Float.POSITIVE_INFINITY), wxC, whC, bias, null);
    }

    /**
     * Keras {@code GRU}: {@code kernel [in, 3u]}, {@code recurrent_kernel [u, 3u]} (blocks z, r, h);
     * {@code bias [2, 3u]} (input row, recurrent row) when {@code resetAfter}, {@code [3u]} otherwise,
     * or null for {@code use_bias=False}.
     */
    public static GruCell keras(int in, int units, boolean resetAfter, float[] kernel, float[] recurrentKernel, float[] bias,
                                Activation activation, Activation recurrentActivation) {
        Shapes.positive("units", units);
        Shapes.check("kernel", kernel, in, 3 * units);
        Shapes.check("recurrent_kernel", recurrentKernel, units, 3 * units);
        float[] bx = null;
        float[] bh = null;
        if (bias != null) {
            if (resetAfter) {
                Shapes.check("bias (reset_after=True)", bias, 2, 3 * units);
                bx = canonicalBias(bias, 0, units, "zrn");
                bh = canonicalBias(bias, 3 * units, units, "zrn");
            } else {
                Shapes.check("bias (reset_after=False)", bias, 3 * units);
                bx = bias.clone();
            }
        }
        return new GruCell(in, units, resetAfter, GruGates.of(units, recurrentActivation, activation, Float.POSITIVE_INFINITY),
                kernel.clone(), recurrentKernel.clone(), bx, bh);
    }

    /**
     * One direction of ONNX {@code GRU}: {@code W [3h, in]}, {@code R [3h, h]} (blocks z, r, h),
     * {@code B [6h]} ({@code Wb} then {@code Rb}) or null, {@code linear_before_reset}, {@code clip}
     * ({@code +Inf} for none), activations f, g.
     */
    public static GruCell onnx(int in, int hidden, float[] w, float[] r, float[] b, boolean linearBeforeReset, float clip,
                               Activation f, Activation g) {
        Shapes.positive("hidden_size", hidden);
        Shapes.check("W", w, 3 * hidden, in);
        Shapes.check("R", r, 3 * hidden, hidden);
        float[] bx = null;
        float[] bh = null;
        if (b != null) {
            Shapes.check("B", b, 6 * hidden);
            bx = canonicalBias(b, 0, hidden, "zrn");
            float[] rb = canonicalBias(b, 3 * hidden, hidden, "zrn");
            if (linearBeforeReset) {
                bh = rb;
            } else {
                for (int i = 0; i < 3 * hidden; i++) {
                    bx[i] += rb[i];
                }
            }
        }
        if (clip != Float.POSITIVE_INFINITY) {
            Shapes.clip("clip", clip);
        }
        return new GruCell(in, hidden, linearBeforeReset, GruGates.of(hidden, f, g, clip),
                canonical(w, in, hidden, "zrn", true, 0, in), canonical(r, hidden, hidden, "zrn", true, 0, hidden), bx, bh);
    }

    /**
     * One layer and direction of PyTorch {@code nn.GRU}: {@code weight_ih [3h, in]}, {@code weight_hh [3h, h]}
     * (blocks r, z, n), {@code bias_ih}, {@code bias_hh} (both or neither). Always reset-after.
     */
    public static GruCell torch(int in, int hidden, float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh) {
        Shapes.positive("hidden_size", hidden);
        Shapes.check("weight_ih", weightIh, 3 * hidden, in);
        Shapes.check("weight_hh", weightHh, 3 * hidden, hidden);
        if ((biasIh == null) != (biasHh == null)) {
            throw new IllegalArgumentException("bias_ih and bias_hh must both be given or both be absent");
        }
        float[] bx = biasIh == null ? null : canonicalBias(Shapes.check("bias_ih", biasIh, 3 * hidden), 0, hidden, "rzn");
        float[] bh = biasHh == null ? null : canonicalBias(Shapes.check("bias_hh", biasHh, 3 * hidden), 0, hidden, "rzn");
        return new GruCell(in, hidden, true, GruGates.standard(hidden), canonical(weightIh, in, hidden, "rzn", true, 0, in),
                canonical(weightHh, hidden, hidden, "rzn", true, 0, hidden), bx, bh);
    }

    @Override
    public int inputSize() {
        return in;
    }

    @Override
    public int outputSize() {
        return units;
    }

    /** Whether the reset gate applies after the recurrent product (Keras {@code reset_after}, ONNX {@code linear_before_reset}). */
    public boolean resetAfter() {
        return resetAfter;
    }

    @Override
    public int[] stateSizes() {
        return new int[] {units};
    }

    static final class State extends CellState {
        final float[] gx;
        final float[] gh;

        State(int batch, int units) {
            super(batch, new int[] {units});
            this.gx = CellState.buffer(batch, 3L * units);
            this.gh = CellState.buffer(batch, 3L * units);
        }
    }

    @Override
    public CellState zeroState(int batch) {
        return new State(batch, units);
    }

    @Override
    public int projectionSize() {
        return 3 * units;
    }

    @Override
    public void projectInputs(float[] x, int xOff, int rows, float[] gx, int gxOff) {
        k.matMul(wx, x, xOff, in, rows, gx, gxOff, 3 * units, false);
    }

    @Override
    public void step(float[] x, int xOff, CellState state, float[] output, int outOff) {
        StepChecks.step(this, x, xOff, in, state, State.class, units, -1, output, outOff, units);
        State s = (State) state;
        recurrent(x, xOff, s.gx, 0, s, output, outOff);
    }

    @Override
    public void stepProjected(float[] gx, int gxOff, CellState state, float[] output, int outOff) {
        StepChecks.step(this, gx, gxOff, 3 * units, state, State.class, units, -1, output, outOff, units);
        recurrent(null, 0, gx, gxOff, (State) state, output, outOff);
    }

    /**
     * The step from {@code x} ({@code gx} is scratch) or, when {@code x} is null, from its projection in {@code gx}
     * (consumed): the products and the update in one kernel call.
     */
    private void recurrent(float[] x, int xOff, float[] gx, int gOff, State s, float[] output, int outOff) {
        final int batch = s.batch;
        final float[] h = s.parts[0];
        if (resetAfter && x != null) {
            k.gruStepResetAfter(gates, wx, x, xOff, wh, h, 0, batch, gx, gOff, s.gh, 0, h, 0);
        } else if (resetAfter) {
            k.gruStepResetAfter(gates, wh, h, 0, batch, gx, gOff, s.gh, 0, h, 0);
        } else if (x != null) {
            k.gruStepResetBefore(gates, wx, x, xOff, wh, whn, h, 0, batch, gx, gOff, s.gh, 0, h, 0);
        } else {
            k.gruStepResetBefore(gates, wh, whn, h, 0, batch, gx, gOff, s.gh, 0, h, 0);
        }
        System.arraycopy(h, 0, output, outOff, batch * units);
    }

    @Override
    public String toString() {
        return "GruCell[in=" + in + ", units=" + units + ", " + (resetAfter ? "reset after" : "reset before") + ", " + gates + "]";
    }

    /** Kind, sizes and every weight ({@link RnnCell#fingerprint()}). */
    @Override
    public long fingerprint() {
        return RnnCell.fingerprint(this, resetAfter ? 1 : 0, wx, wh, whn);
    }
}
