package io.github.panamarnn.cells;

import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.kernels.PackedMatrix;

/**
 * TF1 {@code OutputProjectionWrapper} and {@code InputProjectionWrapper} (SEMANTICS.md 2): a dense
 * layer {@code y = act(v @ kernel + bias)} after the cell's output, or before its input
 * ({@code act} is the wrappers' {@code activation}, None (linear) by default). The state is the
 * inner cell's (an output projection does not feed back). Immutable and thread-safe; a state
 * belongs to one stream.
 */
public final class ProjectionWrapper extends CellWrapper {
    private final boolean onOutput;
    private final int in;
    private final int out;
    private final PackedMatrix w;
    private final Activation act;
    private final int[] innerSizes;
    private final Kernels k = KernelProvider.get();

    private ProjectionWrapper(RnnCell inner, boolean onOutput, int rows, int cols, float[] kernel, float[] bias, Activation act) {
        super(inner);
        this.act = java.util.Objects.requireNonNull(act, "activation");
        this.innerSizes = inner.stateSizes();
        Shapes.check(onOutput ? "output projection kernel" : "input projection kernel", kernel, rows, cols);
        if (bias != null) {
            Shapes.check("projection bias", bias, cols);
        }
        this.onOutput = onOutput;
        this.in = onOutput ? inner.inputSize() : rows;
        this.out = onOutput ? cols : inner.outputSize();
        this.w = k.pack(rows, cols, (r, c) -> kernel[r * cols + c], bias);
    }

    /** {@code OutputProjectionWrapper(cell, output_size)}: {@code kernel [cell output, output_size]}, {@code bias [output_size]}. */
    public static ProjectionWrapper output(RnnCell inner, int outputSize, float[] kernel, float[] bias) {
        return output(inner, outputSize, kernel, bias, Activation.LINEAR);
    }

    /** {@code OutputProjectionWrapper(cell, output_size, activation)}. */
    public static ProjectionWrapper output(RnnCell inner, int outputSize, float[] kernel, float[] bias, Activation activation) {
        return new ProjectionWrapper(inner, true, inner.outputSize(), Shapes.positive("output_size", outputSize), kernel, bias, activation);
    }

    /** {@code InputProjectionWrapper(cell, num_proj)} on inputs of width {@code inputSize}: {@code kernel [inputSize, cell input]}. */
    public static ProjectionWrapper input(RnnCell inner, int inputSize, float[] kernel, float[] bias) {
        return input(inner, inputSize, kernel, bias, Activation.LINEAR);
    }

    /** {@code InputProjectionWrapper(cell, num_proj, activation)}. */
    public static ProjectionWrapper input(RnnCell inner, int inputSize, float[] kernel, float[] bias, Activation activation) {
        return new ProjectionWrapper(inner, false, Shapes.positive("input size", inputSize), inner.inputSize(), kernel, bias, activation);
    }

    /** The activation after the projection ({@link Activation#LINEAR} when none). */
    public Activation activation() {
        return act;
    }

    @Override
    public int inputSize() {
        return in;
    }

    @Override
    public int outputSize() {
        return out;
    }

    @Override
    public CellState zeroState(int batch) {
        return new WrappedState(inner.zeroState(batch), batch * (onOutput ? inner.outputSize() : inner.inputSize()));
    }

    @Override
    public void step(float[] x, int xOff, CellState state, float[] output, int outOff) {
        StepChecks.state(this, state, WrappedState.class, innerSizes);
        StepChecks.range(this, "input", x, xOff, (long) state.batch * in);
        StepChecks.range(this, "output", output, outOff, (long) state.batch * out);
        WrappedState s = (WrappedState) state;
        if (onOutput) {
            inner.step(x, xOff, s.inner, s.scratch, 0);
            k.matMul(w, s.scratch, 0, inner.outputSize(), s.batch, output, outOff, out, false);
            if (act.kind() != Activation.Kind.LINEAR) {
                k.activate(act, output, outOff, output, outOff, s.batch * out);
            }
        } else {
            k.matMul(w, x, xOff, in, s.batch, s.scratch, 0, inner.inputSize(), false);
            if (act.kind() != Activation.Kind.LINEAR) {
                k.activate(act, s.scratch, 0, s.scratch, 0, s.batch * inner.inputSize());
            }
            inner.step(s.scratch, 0, s.inner, output, outOff);
        }
    }

    @Override
    public String toString() {
        return (onOutput ? "OutputProjectionWrapper[" : "InputProjectionWrapper[") + inner + " -> " + out
                + (act.kind() == Activation.Kind.LINEAR ? "" : ", " + act) + "]";
    }
}
