package io.github.panamarnn.cells;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;

/**
 * The simple (Elman) RNN cell: {@code h' = act(x@W + h@U + b)} (TF1 {@code BasicRNNCell}, Keras
 * {@code SimpleRNN}, ONNX {@code RNN}, PyTorch {@code nn.RNN}). State and output: {@code h}.
 * Immutable and thread-safe; a state belongs to one stream.
 */
public final class SimpleRnnCell implements InputProjectedCell {
    private final Kernels k;
    private final int in;
    private final int units;
    private final Activation act;
    /** ONNX {@code clip}: the pre-activation is clamped to {@code [-clip, clip]}; infinity for none. */
    private final float clip;
    private final PackedMatrix wx;
    private final PackedMatrix wh;

    private SimpleRnnCell(int in, int units, Activation act, float clip, PackedMatrix.Source wx, PackedMatrix.Source wh, float[] bias) {
        if (!(clip > 0)) {
            throw new IllegalArgumentException("clip must be positive (or infinity for none), got " + clip);
        }
        this.k = KernelProvider.get();
        this.in = in;
        this.units = units;
        this.act = act;
        this.clip = clip;
        this.wx = k.pack(in, units, wx, bias);
        this.wh = k.pack(units, units, wh, null);
    }

    private SimpleRnnCell(SimpleRnnCell o, Kernels k) {
        this.k = k;
        this.in = o.in;
        this.units = o.units;
        this.act = o.act;
        this.clip = o.clip;
        this.wx = Shapes.repack(k, o.wx);
        this.wh = Shapes.repack(k, o.wh);
    }

    /** This cell on other kernels (e.g. {@link KernelProvider#scalar()}, the specification), same weights. */
    public SimpleRnnCell using(Kernels kernels) {
        return new SimpleRnnCell(this, kernels);
    }

    /** TF1 {@code BasicRNNCell}: {@code kernel [in + units, units]} on {@code concat(x, h)}, {@code bias [units]}. */
    public static SimpleRnnCell tf1(int in, int units, float[] kernel, float[] bias, Activation activation) {
        Shapes.positive("num_units", units);
        Shapes.check("kernel", kernel, in + units, units);
        Shapes.check("bias", bias, units);
        return new SimpleRnnCell(in, units, activation, Float.POSITIVE_INFINITY, (r, c) -> kernel[r * units + c], (r, c) -> kernel[(in + r) * units + c],
                bias);
    }

    /** Keras {@code SimpleRNN}: {@code kernel [in, u]}, {@code recurrent_kernel [u, u]}, {@code bias [u]} or null. */
    public static SimpleRnnCell keras(int in, int units, float[] kernel, float[] recurrentKernel, float[] bias, Activation activation) {
        Shapes.positive("units", units);
        Shapes.check("kernel", kernel, in, units);
        Shapes.check("recurrent_kernel", recurrentKernel, units, units);
        if (bias != null) {
            Shapes.check("bias", bias, units);
        }
        return new SimpleRnnCell(in, units, activation, Float.POSITIVE_INFINITY, (r, c) -> kernel[r * units + c],
                (r, c) -> recurrentKernel[r * units + c], bias);
    }

    /** One direction of ONNX {@code RNN}: {@code W [h, in]}, {@code R [h, h]}, {@code B [2h]} or null, activation f. */
    public static SimpleRnnCell onnx(int in, int hidden, float[] w, float[] r, float[] b, Activation f) {
        return onnx(in, hidden, w, r, b, Float.POSITIVE_INFINITY, f);
    }

    /**
     * One direction of ONNX {@code RNN} with its {@code clip} attribute: the pre-activation
     * {@code x@W^T + h@R^T + Wb + Rb} is clamped to {@code [-clip, clip]} before {@code f}
     * ({@link Float#POSITIVE_INFINITY} for none).
     */
    public static SimpleRnnCell onnx(int in, int hidden, float[] w, float[] r, float[] b, float clip, Activation f) {
        Shapes.positive("hidden_size", hidden);
        Shapes.check("W", w, hidden, in);
        Shapes.check("R", r, hidden, hidden);
        float[] bias = null;
        if (b != null) {
            Shapes.check("B", b, 2 * hidden);
            bias = new float[hidden];
            for (int i = 0; i < hidden; i++) {
                bias[i] = b[i] + b[hidden + i];
            }
        }
        return new SimpleRnnCell(in, hidden, f, clip, (row, c) -> w[c * in + row], (row, c) -> r[c * hidden + row], bias);
    }

    /** One layer and direction of PyTorch {@code nn.RNN}: {@code weight_ih [h, in]}, {@code weight_hh [h, h]}, biases (both or neither). */
    public static SimpleRnnCell torch(int in, int hidden, float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh,
                                      Activation nonlinearity) {
        Shapes.positive("hidden_size", hidden);
        float[] b = null;
        if ((biasIh == null) != (biasHh == null)) {
            throw new IllegalArgumentException("bias_ih and bias_hh must both be given or both be absent");
        }
        if (biasIh != null) {
            b = new float[2 * hidden];
            System.arraycopy(Shapes.check("bias_ih", biasIh, hidden), 0, b, 0, hidden);
            System.arraycopy(Shapes.check("bias_hh", biasHh, hidden), 0, b, hidden, hidden);
        }
        return onnx(in, hidden, Shapes.check("weight_ih", weightIh, hidden, in), Shapes.check("weight_hh", weightHh, hidden, hidden), b,
                nonlinearity);
    }

    @Override
    public int inputSize() {
        return in;
    }

    @Override
    public int outputSize() {
        return units;
    }

    @Override
    public int[] stateSizes() {
        return new int[] {units};
    }

    static final class State extends CellState {
        final float[] pre;

        State(int batch, int units) {
            super(batch, new int[] {units});
            this.pre = CellState.buffer(batch, units);
        }
    }

    @Override
    public CellState zeroState(int batch) {
        return new State(batch, units);
    }

    @Override
    public int projectionSize() {
        return units;
    }

    @Override
    public void projectInputs(float[] x, int xOff, int rows, float[] gx, int gxOff) {
        k.matMul(wx, x, xOff, in, rows, gx, gxOff, units, false);
    }

    @Override
    public void step(float[] x, int xOff, CellState state, float[] output, int outOff) {
        StepChecks.step(this, x, xOff, in, state, State.class, units, -1, output, outOff, units);
        State s = (State) state;
        k.matMul(wx, x, xOff, in, s.batch, s.pre, 0, units, false);
        recurrent(s.pre, 0, s, output, outOff);
    }

    @Override
    public void stepProjected(float[] gx, int gxOff, CellState state, float[] output, int outOff) {
        StepChecks.step(this, gx, gxOff, units, state, State.class, units, -1, output, outOff, units);
        recurrent(gx, gxOff, (State) state, output, outOff);
    }

    private void recurrent(float[] pre, int off, State s, float[] output, int outOff) {
        final float[] h = s.parts[0];
        k.matMul(wh, h, 0, units, s.batch, pre, off, units, true);
        if (clip != Float.POSITIVE_INFINITY) {
            k.clamp(pre, off, s.batch * units, -clip, clip);
        }
        k.activate(act, pre, off, h, 0, s.batch * units);
        System.arraycopy(h, 0, output, outOff, s.batch * units);
    }

    @Override
    public String toString() {
        return "SimpleRnnCell[in=" + in + ", units=" + units + ", " + act + (clip != Float.POSITIVE_INFINITY ? ", clip=" + clip : "") + "]";
    }

    /** Kind, sizes and every weight ({@link RnnCell#fingerprint()}). */
    @Override
    public long fingerprint() {
        return RnnCell.fingerprint(this, Float.floatToRawIntBits(clip), wx, wh);
    }
}
