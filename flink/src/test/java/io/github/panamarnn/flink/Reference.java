package io.github.panamarnn.flink;

import io.github.panamarnn.model.SequenceModel;

/**
 * The single-machine run of every key, one key at a time: outputs and the whole state after each tick. {@code padded}
 * steps each key at row 0 of a batch of the model's row block (what the operator computes, bit for bit, whatever the
 * other rows); the plain batch-1 stream is kept too, equal within rounding.
 */
final class Reference {
    final int keys;
    final int ticks;
    final float[][][] outputs;
    final float[][][] single;
    final float[][][] states;

    Reference(int keys, int ticks) {
        this.keys = keys;
        this.ticks = ticks;
        SequenceModel m = Telemetry.model();
        SequenceModel.Stream padded = m.newStream(m.rowBlock());
        SequenceModel.Stream one = m.newStream();
        outputs = new float[keys][ticks][];
        single = new float[keys][ticks][];
        states = new float[keys][ticks][];
        float[] x = new float[m.rowBlock() * Telemetry.IN];
        float[] y = new float[m.rowBlock() * m.outputSize()];
        for (int k = 0; k < keys; k++) {
            padded.reset();
            one.reset();
            for (int t = 0; t < ticks; t++) {
                Telemetry.features(k, t, x, 0);
                padded.step(x, 0, y, 0);
                outputs[k][t] = java.util.Arrays.copyOf(y, m.outputSize());
                states[k][t] = new float[m.stateSize()];
                padded.snapshot(0, states[k][t], 0);
                single[k][t] = new float[m.outputSize()];
                one.step(x, 0, single[k][t], 0);
            }
        }
    }
}
