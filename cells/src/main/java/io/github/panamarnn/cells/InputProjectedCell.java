package io.github.panamarnn.cells;

/**
 * A cell whose step splits into the input half, {@code x @ Wx + b}, which does not depend on the
 * recurrence, and the recurrent half. A runner that knows all inputs in advance computes the input
 * half of every step in ONE matrix-matrix product (as cuDNN, oneDNN, onnxruntime and TF's
 * LSTMBlockFusedCell do) and then runs only the recurrent half per step.
 */
public interface InputProjectedCell extends RnnCell {

    /** Width of one row of the input projection (LSTM 4u, GRU 3u, simple RNN u). */
    int projectionSize();

    /** {@code gx[gxOff + r*projectionSize() ..] = x[xOff + r*inputSize() ..] @ Wx + b} for {@code rows} rows at once. */
    void projectInputs(float[] x, int xOff, int rows, float[] gx, int gxOff);

    /**
     * One step from projected inputs: {@code gx[gxOff ..]} holds the state's batch of rows
     * ({@code [batch, projectionSize()]}) made by {@link #projectInputs}; they are consumed (used as
     * scratch). Same result as {@link #step} on the inputs they were projected from.
     */
    void stepProjected(float[] gx, int gxOff, CellState state, float[] out, int outOff);
}
