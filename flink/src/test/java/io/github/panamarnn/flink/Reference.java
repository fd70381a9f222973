package io.github.panamarnn.flink;

import io.github.panamarnn.model.Model;

/**
 * The single-machine run of every key, one key at a time on a plain batch-1 {@code Stream}: outputs and the whole
 * state after each tick. The operator's batched steps must give these bits (every row of a batch is computed as a
 * batch of one: {@code Model.rowBlock()} is 1).
 */
final class Reference {
    final int keys;
    final int ticks;
    final float[][][] outputs;
    final float[][][] states;

    Reference(int keys, int ticks) {
        this.keys = keys;
        this.ticks = ticks;
        Model m = Telemetry.model();
        Model.Stream one = m.newStream();
        outputs = new float[keys][ticks][];
        states = new float[keys][ticks][];
        float[] x = new float[Telemetry.IN];
        for (int k = 0; k < keys; k++) {
            one.reset();
            for (int t = 0; t < ticks; t++) {
                Telemetry.features(k, t, x, 0);
                outputs[k][t] = new float[m.outputSize()];
                one.step(x, 0, outputs[k][t], 0);
                states[k][t] = new float[m.stateSize()];
                one.snapshot(states[k][t], 0);
            }
        }
    }
}
