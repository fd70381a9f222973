package io.github.panamarnn.cells;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;

/**
 * The layer-normalised simple cell of the seeds ({@code LNSimpleRNNCell}, SEMANTICS.md 4):
 * {@code z = x@W + b + h@U}, {@code h' = act(LayerNorm(z))} with
 * {@code LayerNorm(z) = (z - mean) / sqrt(var + epsilon) * gamma + beta} over the units of each row
 * (population variance). State and output: {@code h}. Immutable and thread-safe; a state belongs to
 * one stream.
 */
public final class LayerNormSimpleRnnCell implements RnnCell {
    private final Kernels k = KernelProvider.get();
    private final int in;
    private final int units;
    private final PackedMatrix wx;
    private final PackedMatrix wh;
    private final float[] gamma;
    private final float[] beta;
    private final float epsilon;
    private final Activation act;

    private LayerNormSimpleRnnCell(int in, int units, float[] kernel, float[] rec, float[] bias, float[] gamma, float[] beta, float epsilon,
                                   Activation act) {
        this.in = in;
        this.units = Shapes.positive("units", units);
        Shapes.check("simple_rnn_cell/kernel", kernel, in, units);
        Shapes.check("simple_rnn_cell/recurrent_kernel", rec, units, units);
        if (bias != null) {
            Shapes.check("simple_rnn_cell/bias", bias, units);
        }
        this.gamma = Shapes.check("layer_norm/gamma", gamma, units).clone();
        this.beta = Shapes.check("layer_norm/beta", beta, units).clone();
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("layer norm epsilon must be positive, got " + epsilon);
        }
        this.epsilon = epsilon;
        this.act = act;
        this.wx = k.pack(in, units, (r, c) -> kernel[r * units + c], bias);
        this.wh = k.pack(units, units, (r, c) -> rec[r * units + c], null);
    }

    /** Keras weights: {@code kernel [in, u]}, {@code recurrent_kernel [u, u]}, {@code bias [u]} or null, {@code gamma}, {@code beta}. */
    public static LayerNormSimpleRnnCell keras(int in, int units, float[] kernel, float[] recurrentKernel, float[] bias, float[] gamma,
                                               float[] beta, float epsilon, Activation activation) {
        return new LayerNormSimpleRnnCell(in, units, kernel, recurrentKernel, bias, gamma, beta, epsilon, activation);
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

    @Override
    public CellState zeroState(int batch) {
        return new WrappedState(new CellState(batch, new int[] {units}), batch * units);
    }

    @Override
    public void step(float[] x, int xOff, CellState state, float[] out, int outOff) {
        StepChecks.step(this, x, xOff, in, state, WrappedState.class, units, -1, out, outOff, units);
        WrappedState s = (WrappedState) state;
        final float[] h = s.parts[0];
        final float[] z = s.scratch;
        k.matMul(wx, x, xOff, in, s.batch, z, 0, units, false);
        k.matMul(wh, h, 0, units, s.batch, z, 0, units, true);
        for (int b = 0; b < s.batch; b++) {
            int o = b * units;
            double mean = 0;
            for (int j = 0; j < units; j++) {
                mean += z[o + j];
            }
            mean /= units;
            double var = 0;
            for (int j = 0; j < units; j++) {
                double d = z[o + j] - mean;
                var += d * d;
            }
            var /= units;
            float inv = (float) (1 / Math.sqrt(var + epsilon));
            float m = (float) mean;
            for (int j = 0; j < units; j++) {
                z[o + j] = (z[o + j] - m) * inv * gamma[j] + beta[j];
            }
        }
        k.activate(act, z, 0, h, 0, s.batch * units);
        System.arraycopy(h, 0, out, outOff, s.batch * units);
    }

    @Override
    public String toString() {
        return "LayerNormSimpleRnnCell[in=" + in + ", units=" + units + ", epsilon=" + epsilon + ", " + act + "]";
    }
}
