package io.github.panamarnn.flink;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.model.Dense;
import io.github.panamarnn.model.Model;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The jobs' data and model: tick {@code t} of key {@code k} is record {@code t * keys + k} of the source, its three
 * features a function of (k, t); the model an LSTM(20) under a GRU(12) and a dense head of 2 (odd sizes, so vector tails
 * run), built the same in every task and in the reference.
 */
final class Telemetry {
    static final int IN = 3;

    private Telemetry() {
    }

    /** A tick: POJO for Flink (public fields, no-argument constructor). */
    public static final class Tick {
        public int key;
        public int t;

        public Tick() {
        }

        public Tick(int key, int t) {
            this.key = key;
            this.t = t;
        }
    }

    /** A prediction: the tick's key and time and the model's output. */
    public static final class Out {
        public int key;
        public int t;
        public float[] y;

        public Out() {
        }

        public Out(int key, int t, float[] y) {
            this.key = key;
            this.t = t;
            this.y = y;
        }
    }

    static Model model() {
        RnnCell cell = new MultiRnnCell(List.of(Initializers.kerasLstm(IN, 20, 11), Initializers.kerasGru(20, 12, 12)));
        SplittableRandom r = new SplittableRandom(13);
        float[] w = new float[12 * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble(-1, 1);
        }
        return new Model("telemetry test model", IN, 0, List.of(
                new Model.Recurrent("rnn", "LSTM(20) + GRU(12)", cell, null, null, false, io.github.panamarnn.unroll.SequenceRunner.Order.FORWARD, false, false, 0),
                new Model.Pointwise("head", Dense.of(12, 2, w, new float[] {0.05f, -0.1f}), Activation.TANH)));
    }

    static void features(int key, int t, float[] x, int off) {
        for (int j = 0; j < IN; j++) {
            x[off + j] = (float) Math.sin(0.37 * key + 0.11 * t + 1.3 * j);
        }
    }

    static KeyedModel<Tick, Out> operator() {
        return KeyedModel.of(Telemetry::model, (Tick k, float[] x, int off) -> features(k.key, k.t, x, off),
                (Tick k, float[] y, int off, int len) -> new Out(k.key, k.t, java.util.Arrays.copyOfRange(y, off, off + len)),
                org.apache.flink.api.common.typeinfo.TypeInformation.of(Out.class)).warmUp(50);
    }
}
