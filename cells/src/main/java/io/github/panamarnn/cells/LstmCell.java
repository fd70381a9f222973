package io.github.panamarnn.cells;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.LstmGates;
import io.github.panamarnn.kernels.PackedMatrix;

/**
 * An LSTM cell of any framework (SEMANTICS.md 2, 4, 5, 6): TF1 {@code BasicLSTMCell} and
 * {@code LSTMCell} (forget bias, peepholes, cell clip, projection and its clip), Keras {@code LSTM},
 * ONNX {@code LSTM} (peepholes, gate clip, input-forget, any activations) and PyTorch {@code nn.LSTM}
 * (two biases, {@code proj_size}). Each factory converts its framework's gate order and layout once
 * into the kernels' canonical {@code [i | f | g | o]}; a step never reorders anything.
 *
 * <p>State parts: {@code c [B, units]} then {@code h [B, outputSize]} (TF1's {@code LSTMStateTuple}
 * order; Keras, ONNX and PyTorch name them {@code h, c}). Output: the new {@code h}.
 *
 * <p>Immutable and thread-safe; a {@link CellState} from {@link #zeroState} belongs to one stream.
 */
public final class LstmCell implements InputProjectedCell {
    private final Kernels k;
    private final int in;
    private final int units;
    private final int out;
    private final PackedMatrix wx;
    private final PackedMatrix wh;
    private final PackedMatrix proj;
    private final float projClip;
    private final LstmGates gates;

    /** Weights and options in the canonical layout, as the factories produce them. */
    private LstmCell(Kernels k, int in, int units, int numProj, float[] wxCanon, float[] whCanon, float[] bias, float[] projCanon,
                     float projClip, LstmGates gates) {
        this.k = k;
        this.in = in;
        this.units = units;
        this.out = numProj > 0 ? numProj : units;
        this.wx = k.pack(in, 4 * units, (r, c) -> wxCanon[r * 4 * units + c], bias);
        this.wh = k.pack(out, 4 * units, (r, c) -> whCanon[r * 4 * units + c], null);
        this.proj = numProj > 0 ? k.pack(units, numProj, (r, c) -> projCanon[r * numProj + c], null) : null;
        this.projClip = projClip;
        this.gates = gates;
    }

    private LstmCell(LstmCell o, Kernels k) {
        this.k = k;
        this.in = o.in;
        this.units = o.units;
        this.out = o.out;
        this.wx = Shapes.repack(k, o.wx);
        this.wh = Shapes.repack(k, o.wh);
        this.proj = Shapes.repack(k, o.proj);
        this.projClip = o.projClip;
        this.gates = o.gates;
    }

    /** This cell on other kernels (e.g. {@link KernelProvider#scalar()}, the specification), same weights. */
    public LstmCell using(Kernels kernels) {
        return new LstmCell(this, kernels);
    }

    /** Canonical block of each source block, for a source gate order given as letters over {i, f, g, o}. */
    private static int[] blockMap(String order) {
        int[] map = new int[4];
        for (int b = 0; b < 4; b++) {
            map[b] = "ifgo".indexOf(order.charAt(b));
        }
        return map;
    }

    /**
     * Reorders a kernel whose columns are gate blocks in {@code order} (row-major {@code [rows, 4u]},
     * or {@code [4u, rows]} when {@code transposed}) into canonical {@code [rows, 4u]}.
     */
    static float[] canonical(float[] src, int rows, int units, String order, boolean transposed, int rowOffset, int srcRows) {
        int[] map = blockMap(order);
        float[] dst = new float[rows * 4 * units];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < 4; b++) {
                for (int j = 0; j < units; j++) {
                    int srcCol = b * units + j;
                    float v = transposed ? src[srcCol * srcRows + rowOffset + r] : src[(rowOffset + r) * 4 * units + srcCol];
                    dst[r * 4 * units + map[b] * units + j] = v;
                }
            }
        }
        return dst;
    }

    static float[] canonicalBias(float[] src, int units, String order) {
        int[] map = blockMap(order);
        float[] dst = new float[4 * units];
        for (int b = 0; b < 4; b++) {
            System.arraycopy(src, b * units, dst, map[b] * units, units);
        }
        return dst;
    }

    // ---------------------------------------------------------------------------------------------
    // TensorFlow 1.x

    /**
     * TF1 {@code BasicLSTMCell}: {@code kernel [in + units, 4*units]} (blocks i, j, f, o) on
     * {@code concat(x, h)}, {@code bias [4*units]}, {@code forget_bias} added at run time.
     */
    public static LstmCell tf1Basic(int in, int units, float[] kernel, float[] bias, float forgetBias, Activation activation) {
        return tf1(new Tf1Options(in, units).forgetBias(forgetBias).activation(activation), kernel, bias, null, null, null, null);
    }

    /** Options of TF1 {@code LSTMCell}, with its defaults (forget_bias 1.0, tanh, no clip, no projection). */
    public static final class Tf1Options {
        final int in;
        final int units;
        float forgetBias = 1f;
        Activation activation = Activation.TANH;
        boolean usePeepholes;
        float cellClip = Float.POSITIVE_INFINITY;
        int numProj;
        float projClip = Float.POSITIVE_INFINITY;

        /** TF1 {@code LSTMCell}'s defaults for {@code in} inputs and {@code units} units: forget bias 1, tanh, no peepholes, no clip, no projection. */
        public Tf1Options(int in, int units) {
            this.in = Shapes.positive("input depth", in);
            this.units = Shapes.positive("num_units", units);
        }

        /** {@code forget_bias}, added to the forget gate. */
        public Tf1Options forgetBias(float v) {
            this.forgetBias = v;
            return this;
        }

        /** {@code activation}, of the cell input and the output. */
        public Tf1Options activation(Activation a) {
            this.activation = a;
            return this;
        }

        /** {@code use_peepholes}: diagonal peephole connections. */
        public Tf1Options usePeepholes(boolean v) {
            this.usePeepholes = v;
            return this;
        }

        /** {@code cell_clip}: the cell state clipped to {@code [-v, v]}. */
        public Tf1Options cellClip(float v) {
            this.cellClip = Shapes.clip("cell_clip", v);
            return this;
        }

        /** {@code num_proj}: the output projected to {@code v} values (0: none). */
        public Tf1Options numProj(int v) {
            this.numProj = Shapes.positive("num_proj", v);
            return this;
        }

        /** {@code proj_clip}: the projected output clipped to {@code [-v, v]}. */
        public Tf1Options projClip(float v) {
            this.projClip = Shapes.clip("proj_clip", v);
            return this;
        }
    }

    /**
     * TF1 {@code LSTMCell}: {@code kernel [in + h_depth, 4*units]} (i, j, f, o), {@code bias},
     * peepholes {@code w_f_diag, w_i_diag, w_o_diag} (required with {@code usePeepholes}),
     * {@code projection [units, num_proj]} (required with {@code numProj}).
     */
    public static LstmCell tf1(Tf1Options o, float[] kernel, float[] bias, float[] wfDiag, float[] wiDiag, float[] woDiag,
                               float[] projection) {
        int hDepth = o.numProj > 0 ? o.numProj : o.units;
        Shapes.check("kernel", kernel, o.in + hDepth, 4 * o.units);
        Shapes.check("bias", bias, 4 * o.units);
        if (o.numProj == 0 && projection != null) {
            throw new IllegalArgumentException("projection weights given but num_proj is not set");
        }
        if (o.numProj == 0 && o.projClip != Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("proj_clip " + o.projClip + " given without num_proj");
        }
        if (o.numProj > 0) {
            Shapes.check("projection kernel (num_proj " + o.numProj + ")", projection, o.units, o.numProj);
        }
        LstmGates.Builder g = LstmGates.builder(o.units).forgetBias(o.forgetBias).activations(Activation.SIGMOID, o.activation, o.activation);
        if (o.usePeepholes) {
            float[] p = new float[3 * o.units];
            System.arraycopy(Shapes.check("w_i_diag", wiDiag, o.units), 0, p, 0, o.units);
            System.arraycopy(Shapes.check("w_f_diag", wfDiag, o.units), 0, p, o.units, o.units);
            System.arraycopy(Shapes.check("w_o_diag", woDiag, o.units), 0, p, 2 * o.units, o.units);
            g.peepholes(p);
        }
        if (o.cellClip != Float.POSITIVE_INFINITY) {
            g.cellClip(o.cellClip);
        }
        int rowsTotal = o.in + hDepth;
        return new LstmCell(KernelProvider.get(), o.in, o.units, o.numProj,
                canonical(kernel, o.in, o.units, "igfo", false, 0, rowsTotal),
                canonical(kernel, hDepth, o.units, "igfo", false, o.in, rowsTotal),
                canonicalBias(bias, o.units, "igfo"), projection, o.projClip, g.build());
    }

    // ---------------------------------------------------------------------------------------------
    // Keras

    /**
     * Keras {@code LSTM}: {@code kernel [in, 4u]}, {@code recurrent_kernel [u, 4u]} (blocks i, f, c, o),
     * {@code bias [4u]} or {@code null} ({@code use_bias=False}). No forget bias at run time.
     */
    public static LstmCell keras(int in, int units, float[] kernel, float[] recurrentKernel, float[] bias,
                                 Activation activation, Activation recurrentActivation) {
        Shapes.positive("units", units);
        Shapes.check("kernel", kernel, in, 4 * units);
        Shapes.check("recurrent_kernel", recurrentKernel, units, 4 * units);
        if (bias != null) {
            Shapes.check("bias", bias, 4 * units);
        }
        LstmGates g = LstmGates.builder(units).activations(recurrentActivation, activation, activation).build();
        return new LstmCell(KernelProvider.get(), in, units, 0, kernel.clone(), recurrentKernel.clone(),
                bias == null ? null : bias.clone(), null, Float.POSITIVE_INFINITY, g);
    }

    // ---------------------------------------------------------------------------------------------
    // ONNX

    /**
     * One direction of ONNX {@code LSTM}: {@code W [4h, in]}, {@code R [4h, h]} (blocks i, o, f, c),
     * {@code B [8h]} ({@code Wb} then {@code Rb}) or null, peepholes {@code P [3h]} (i, o, f) or
     * null, {@code clip} ({@code +Inf} for none), {@code input_forget}, activations f, g, h.
     */
    public static LstmCell onnx(int in, int hidden, float[] w, float[] r, float[] b, float[] p, float clip, boolean inputForget,
                                Activation f, Activation g, Activation h) {
        Shapes.positive("hidden_size", hidden);
        Shapes.check("W", w, 4 * hidden, in);
        Shapes.check("R", r, 4 * hidden, hidden);
        float[] bias = null;
        if (b != null) {
            Shapes.check("B", b, 8 * hidden);
            float[] sum = new float[4 * hidden];
            for (int i = 0; i < 4 * hidden; i++) {
                sum[i] = b[i] + b[4 * hidden + i];
            }
            bias = canonicalBias(sum, hidden, "iofg");
        }
        LstmGates.Builder gb = LstmGates.builder(hidden).activations(f, g, h).inputForget(inputForget);
        if (clip != Float.POSITIVE_INFINITY) {
            gb.gateClip(Shapes.clip("clip", clip));
        }
        if (p != null) {
            Shapes.check("P", p, 3 * hidden);
            float[] pifo = new float[3 * hidden];
            System.arraycopy(p, 0, pifo, 0, hidden);
            System.arraycopy(p, 2 * hidden, pifo, hidden, hidden);
            System.arraycopy(p, hidden, pifo, 2 * hidden, hidden);
            gb.peepholes(pifo);
        }
        return new LstmCell(KernelProvider.get(), in, hidden, 0, canonical(w, in, hidden, "iofg", true, 0, in),
                canonical(r, hidden, hidden, "iofg", true, 0, hidden), bias, null, Float.POSITIVE_INFINITY, gb.build());
    }

    // ---------------------------------------------------------------------------------------------
    // PyTorch

    /**
     * One layer and direction of PyTorch {@code nn.LSTM}: {@code weight_ih [4h, in]},
     * {@code weight_hh [4h, proj or h]} (blocks i, f, g, o), {@code bias_ih}, {@code bias_hh} (both or
     * neither), {@code weight_hr [proj, h]} when {@code proj_size > 0}.
     */
    public static LstmCell torch(int in, int hidden, int projSize, float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh,
                                 float[] weightHr) {
        Shapes.positive("hidden_size", hidden);
        int hDepth = projSize > 0 ? projSize : hidden;
        Shapes.check("weight_ih", weightIh, 4 * hidden, in);
        Shapes.check("weight_hh", weightHh, 4 * hidden, hDepth);
        if ((biasIh == null) != (biasHh == null)) {
            throw new IllegalArgumentException("bias_ih and bias_hh must both be given or both be absent");
        }
        float[] bias = null;
        if (biasIh != null) {
            Shapes.check("bias_ih", biasIh, 4 * hidden);
            Shapes.check("bias_hh", biasHh, 4 * hidden);
            bias = new float[4 * hidden];
            for (int i = 0; i < bias.length; i++) {
                bias[i] = biasIh[i] + biasHh[i];
            }
        }
        float[] projCanon = null;
        if (projSize > 0) {
            Shapes.check("weight_hr", weightHr, projSize, hidden);
            projCanon = new float[hidden * projSize];
            for (int j = 0; j < projSize; j++) {
                for (int i = 0; i < hidden; i++) {
                    projCanon[i * projSize + j] = weightHr[j * hidden + i];
                }
            }
        } else if (weightHr != null) {
            throw new IllegalArgumentException("weight_hr given but proj_size is 0");
        }
        return new LstmCell(KernelProvider.get(), in, hidden, projSize, canonical(weightIh, in, hidden, "ifgo", true, 0, in),
                canonical(weightHh, hDepth, hidden, "ifgo", true, 0, hDepth), bias, projCanon, Float.POSITIVE_INFINITY,
                LstmGates.builder(hidden).build());
    }

    // ---------------------------------------------------------------------------------------------

    @Override
    public int inputSize() {
        return in;
    }

    @Override
    public int outputSize() {
        return out;
    }

    /** Units of the cell state. */
    public int units() {
        return units;
    }

    /** The gate update this cell runs. */
    public LstmGates gates() {
        return gates;
    }

    @Override
    public int[] stateSizes() {
        return new int[] {units, out};
    }

    /** State {@code c, h} plus the gate buffer and, with a projection, the unprojected output. */
    static final class State extends CellState {
        final float[] gateBuf;
        final float[] m;

        State(int batch, int units, int out, boolean projected) {
            super(batch, new int[] {units, out});
            this.gateBuf = CellState.buffer(batch, 4L * units);
            this.m = projected ? CellState.buffer(batch, units) : null;
        }
    }

    @Override
    public CellState zeroState(int batch) {
        return new State(batch, units, out, proj != null);
    }

    @Override
    public int projectionSize() {
        return 4 * units;
    }

    @Override
    public void projectInputs(float[] x, int xOff, int rows, float[] gx, int gxOff) {
        k.matMul(wx, x, xOff, in, rows, gx, gxOff, 4 * units, false);
    }

    @Override
    public void step(float[] x, int xOff, CellState state, float[] output, int outOff) {
        StepChecks.step(this, x, xOff, in, state, State.class, units, out, output, outOff, out);
        State s = (State) state;
        recurrent(x, xOff, s.gateBuf, 0, s, output, outOff);
    }

    @Override
    public void stepProjected(float[] gx, int gxOff, CellState state, float[] output, int outOff) {
        StepChecks.step(this, gx, gxOff, 4 * units, state, State.class, units, out, output, outOff, out);
        recurrent(null, 0, gx, gxOff, (State) state, output, outOff);
    }

    /**
     * The step from {@code x} ({@code gates} is scratch) or, when {@code x} is null, from its projection in {@code gates}
     * (consumed): the products and the update in one kernel call, then the projection.
     */
    private void recurrent(float[] x, int xOff, float[] gates, int gOff, State s, float[] output, int outOff) {
        final int batch = s.batch;
        final float[] c = s.parts[0];
        final float[] h = s.parts[1];
        final float[] hOut = proj == null ? h : s.m;
        if (x != null) {
            k.lstmStep(this.gates, wx, x, xOff, wh, h, 0, batch, gates, gOff, c, 0, hOut, 0);
        } else {
            k.lstmStep(this.gates, wh, h, 0, batch, gates, gOff, c, 0, hOut, 0);
        }
        if (proj != null) {
            k.matMul(proj, s.m, 0, units, batch, h, 0, out, false);
            if (projClip != Float.POSITIVE_INFINITY) {
                k.clamp(h, 0, batch * out, -projClip, projClip);
            }
        }
        System.arraycopy(h, 0, output, outOff, batch * out);
    }

    @Override
    public String toString() {
        return "LstmCell[in=" + in + ", units=" + units + (proj != null ? ", proj=" + out : "") + ", " + gates + "]";
    }

    /** Kind, sizes and every weight ({@link RnnCell#fingerprint()}). */
    @Override
    public long fingerprint() {
        return RnnCell.fingerprint(this, PackedMatrix.combine(units, Float.floatToRawIntBits(projClip)), wx, wh, proj);
    }
}
