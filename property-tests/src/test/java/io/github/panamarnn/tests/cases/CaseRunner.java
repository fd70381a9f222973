package io.github.panamarnn.tests.cases;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.LayerNormSimpleRnnCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.ProjectionWrapper;
import io.github.panamarnn.cells.ResidualWrapper;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxSession;
import io.github.panamarnn.formats.onnx.OnnxValue;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.formats.tf1.Tf1Variables;
import io.github.panamarnn.formats.torch.TorchModules;
import io.github.panamarnn.formats.torch.TorchRecurrent;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.unroll.LayeredRunner;
import io.github.panamarnn.unroll.LayeredRunner.Merge;
import io.github.panamarnn.unroll.SequenceRunner;
import io.github.panamarnn.unroll.StaticRunner;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import io.github.panamarnn.unroll.SequenceRunner.Padding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a case's cells through the library's public API and runs them. Plain forward runs over a
 * sequence are a hand loop of {@link RnnCell#step}; anything that needs the runners of the unroll
 * module (sequence lengths, masks, go_backwards, bidirectional, stateful calls) or a cell that is not
 * built yet is skipped with that reason.
 */
final class CaseRunner {
    /** Thrown to skip a case, with the reason. */
    static final class Skip extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skip(String reason) {
            super(reason);
        }
    }

    private CaseRunner() {
    }

    /** An output as the library computed it: its shape and its row-major values. */
    record Result(int[] shape, float[] data) {
    }

    /** The outputs of a case by expected name, each with the shape the library produced it in. */
    static final class Got extends LinkedHashMap<String, Result> {
        private static final long serialVersionUID = 1L;

        void put(String name, float[] data, int... shape) {
            put(name, new Result(shape, data));
        }

        /** State part {@code i} as {@code [batch, width]}. */
        void state(String name, CellState s, int i) {
            float[] v = s.part(i).clone();
            put(name, v, s.batch(), v.length / s.batch());
        }
    }

    static Got run(ReferenceCase c) {
        return switch (c.semantics) {
            case "tf1" -> c.source.startsWith("tfjs") ? tfjsTf1(c) : tf1(c);
            case "keras" -> keras(c);
            case "onnx" -> onnx(c);
            case "torch" -> torch(c);
            default -> throw new Skip("unknown semantics '" + c.semantics + "'");
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Sequences by hand: a loop of cell steps.

    /** Runs {@code cell} over {@code x} from {@code state} (updated), plain forward; returns outputs {@code [B, T, out]}. */
    static float[] forward(RnnCell cell, CellState state, float[] x, int batch, int steps, boolean timeMajor) {
        return sequence(cell, state, x, batch, steps, timeMajor, null, null, Order.FORWARD, Padding.ZERO);
    }

    /**
     * Runs {@code cell} through a {@link SequenceRunner} from {@code state} (updated to the final state);
     * returns outputs {@code [B, T, out]} batch-major whatever the input layout.
     */
    static float[] sequence(RnnCell cell, CellState state, float[] x, int batch, int steps, boolean timeMajor, int[] lengths,
                            boolean[] mask, Order order, Padding padding) {
        SequenceRunner runner = new SequenceRunner(cell, batch, Math.max(steps, 1));
        for (int i = 0; i < state.partCount(); i++) {
            runner.state().setPart(i, state.part(i));
        }
        int o = cell.outputSize();
        float[] out = new float[batch * steps * o];
        runner.run(x, steps, timeMajor, lengths, mask, order, padding, out);
        for (int i = 0; i < state.partCount(); i++) {
            state.setPart(i, runner.state().part(i));
        }
        return timeMajor ? toBatchMajor(out, batch, steps, o) : out;
    }

    /** TF static_rnn through the {@link StaticRunner} (batched input projections); state in and out as {@link #sequence}. */
    static float[] unrolled(RnnCell cell, CellState state, float[] x, int batch, int steps, int[] lengths) {
        StaticRunner runner = new StaticRunner(cell, batch, steps);
        int part = 0;
        for (int l = 0; l < runner.layerCount(); l++) {
            for (int p = 0; p < runner.state(l).partCount(); p++, part++) {
                runner.state(l).setPart(p, state.part(part));
            }
        }
        float[] out = new float[batch * steps * cell.outputSize()];
        runner.run(x, false, lengths, out);
        part = 0;
        for (int l = 0; l < runner.layerCount(); l++) {
            for (int p = 0; p < runner.state(l).partCount(); p++, part++) {
                state.setPart(part, runner.state(l).part(p));
            }
        }
        return out;
    }

    static float[] toBatchMajor(float[] tb, int batch, int steps, int width) {
        float[] bt = new float[tb.length];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(tb, (t * batch + b) * width, bt, (b * steps + t) * width, width);
            }
        }
        return bt;
    }

    static int[] ints(ReferenceCase c, String input) {
        com.fasterxml.jackson.databind.JsonNode d = c.inputs.get(input).get("data");
        int[] a = new int[d.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = d.get(i).asInt();
        }
        return a;
    }

    static float[] toTimeMajor(float[] bt, int batch, int steps, int width) {
        float[] tb = new float[bt.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                System.arraycopy(bt, (b * steps + t) * width, tb, (t * batch + b) * width, width);
            }
        }
        return tb;
    }

    static float[] lastStep(float[] bt, int batch, int steps, int width) {
        float[] last = new float[batch * width];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(bt, (b * steps + steps - 1) * width, last, b * width, width);
        }
        return last;
    }

    static Activation act(JsonNode v, Activation dflt) {
        if (v == null) {
            return dflt;
        }
        String s = v.asText();
        if (s.startsWith("hardSigmoid")) {
            return Activation.HARD_SIGMOID; // TF.js / Keras 2: clip(0.2x + 0.5)
        }
        return Activation.named(s.split(" ")[0]);
    }

    // ---------------------------------------------------------------------------------------------
    // TF1

    /** One TF1 cell from its config, weights under {@code prefix} (e.g. "multi_rnn_cell/cell_0/"). */
    static Map<String, Tensor> weightMap(ReferenceCase c) {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        var names = c.weights.properties().stream().map(java.util.Map.Entry::getKey).iterator();
        while (names.hasNext()) {
            String n = names.next();
            sd.put(n, new Tensor(n, ReferenceCase.shape(c.weights.get(n)), ReferenceCase.floats(c.weights.get(n))));
        }
        return sd;
    }

    static RnnCell tf1Cell(ReferenceCase c, JsonNode cc, String prefix, int in) {
        String kind = cc.path("cell").asText();
        int units = cc.path("num_units").asInt();
        Activation a = act(cc.get("activation"), Activation.TANH);
        switch (kind) {
            case "BasicRNNCell", "GRUCell", "BasicLSTMCell", "LSTMCell": {
                // Through the library's TF1 variable-name loader, with the constructor arguments the variables do not hold.
                Tf1Variables.Options o = new Tf1Variables.Options((float) cc.path("forget_bias").asDouble(1.0), a,
                        cc.hasNonNull("cell_clip") ? (float) cc.get("cell_clip").asDouble() : Float.POSITIVE_INFINITY,
                        cc.hasNonNull("proj_clip") ? (float) cc.get("proj_clip").asDouble() : Float.POSITIVE_INFINITY);
                try {
                    RnnCell cell = Tf1Variables.cell(weightMap(c), prefix, o);
                    if (cell.inputSize() != in || cell.outputSize() != (cc.hasNonNull("num_proj") ? cc.get("num_proj").asInt() : units)) {
                        throw new AssertionError(c.id + ": loaded " + kind + " has sizes " + cell.inputSize() + " -> " + cell.outputSize());
                    }
                    return cell;
                } catch (ModelFormatException e) {
                    throw new AssertionError(c.id + ": " + e.getMessage(), e);
                }
            }
            case "MultiRNNCell": {
                List<RnnCell> layers = new ArrayList<>();
                int depth = in;
                JsonNode ls = cc.get("layers");
                for (int l = 0; l < ls.size(); l++) {
                    RnnCell layer = tf1Cell(c, ls.get(l), prefix + "multi_rnn_cell/cell_" + l + "/", depth);
                    layers.add(layer);
                    depth = layer.outputSize();
                }
                return new MultiRnnCell(layers);
            }
            case "ResidualWrapper":
                return new ResidualWrapper(tf1Cell(c, cc.get("inner"), prefix, in));
            case "OutputProjectionWrapper": {
                String p = prefix + "output_projection_wrapper/";
                RnnCell inner = tf1Cell(c, cc.get("inner"), p, in);
                int size = cc.path("output_size").asInt();
                return ProjectionWrapper.output(inner, size, c.weight(p + "kernel"), c.weight(p + "bias"));
            }
            default:
                throw new Skip("TF1 cell " + kind + " is not built yet");
        }
    }

    /** Names of the state parts in order: "" + "c"/"h" per LSTM layer, "cell_<l>_" prefixes for stacks. */
    static List<String> tf1StateNames(RnnCell cell) {
        List<String> names = new ArrayList<>();
        if (cell instanceof MultiRnnCell m) {
            for (int l = 0; l < m.layerCount(); l++) {
                for (String s : tf1StateNames(m.layer(l))) {
                    names.add("cell_" + l + "_" + s);
                }
            }
        } else if (cell instanceof ResidualWrapper r) {
            names.addAll(tf1StateNames(r.inner()));
        } else if (cell instanceof ProjectionWrapper p) {
            names.addAll(tf1StateNames(p.inner()));
        } else if (cell instanceof LstmCell) {
            names.add("c");
            names.add("h");
        } else {
            names.add("h");
        }
        return names;
    }

    static Got tf1(ReferenceCase c) {
        String mode = c.config.path("mode").asText();
        if (mode.equals("bidirectional_dynamic_rnn")) {
            return tf1Bidirectional(c);
        }
        int[] lengths = c.hasInput("sequence_length") ? ints(c, "sequence_length") : null;
        int batch = c.config.path("batch").asInt();
        int steps = c.config.path("timesteps").asInt();
        int in = c.config.path("input_size").asInt();
        JsonNode cc = c.config.get("cell_config");
        if (cc == null) {
            throw new Skip("wrapper cell " + c.cell + " is not built yet (rest of issue 3)");
        }
        RnnCell cell = tf1Cell(c, cc, cc.path("cell").asText().equals("MultiRNNCell") ? "" : "", in);
        CellState state = cell.zeroState(batch);
        List<String> names = tf1StateNames(cell);
        boolean flat = c.config.path("state_names").toString().contains("concat");
        if (flat) {
            if (c.hasInput("initial_concat")) {
                state.writeFlat(c.input("initial_concat"), 0);
            }
        } else {
            for (int i = 0; i < names.size(); i++) {
                float[] v = c.input("initial_" + names.get(i));
                if (v != null) {
                    state.setPart(i, v);
                }
            }
        }
        float[] x = c.input("x");
        Got got = new Got();
        if (mode.equals("single_step")) {
            float[] out = forward(cell, state, x, batch, 1, false);
            got.put("output", out, batch, cell.outputSize());
            for (int i = 0; i < names.size(); i++) {
                got.state("new_state_" + names.get(i), state, i);
            }
            return got;
        }
        if (mode.equals("static_rnn")) {
            got.put("outputs", unrolled(cell, state, x, batch, steps, lengths), batch, steps, cell.outputSize());
        } else {
            got.put("outputs", sequence(cell, state, x, batch, steps, false, lengths, null, Order.FORWARD, Padding.ZERO), batch, steps,
                    cell.outputSize());
        }
        if (flat) {
            float[] f = new float[batch * state.flatSize()];
            state.readFlat(f, 0);
            got.put("final_state_concat", f, batch, state.flatSize());
        } else {
            for (int i = 0; i < names.size(); i++) {
                got.state("final_state_" + names.get(i), state, i);
            }
        }
        return got;
    }

    /** TF1 bidirectional_dynamic_rnn through {@link LayeredRunner} (outputs kept apart, aligned with the input). */
    static Got tf1Bidirectional(ReferenceCase c) {
        int batch = c.config.path("batch").asInt();
        int steps = c.config.path("timesteps").asInt();
        int in = c.config.path("input_size").asInt();
        int[] lengths = c.hasInput("sequence_length") ? ints(c, "sequence_length") : null;
        RnnCell fwCell = tf1Cell(c, c.config.get("cell_fw"), "fw/", in);
        RnnCell bwCell = tf1Cell(c, c.config.get("cell_bw"), "bw/", in);
        LayeredRunner runner = new LayeredRunner(List.of(LayeredRunner.Layer.bidirectional(fwCell, bwCell, Merge.NONE)), batch, steps);
        String[] dirs = {"fw", "bw"};
        CellState[] states = {runner.state(0, 0), runner.state(0, 1)};
        List<String> names = tf1StateNames(fwCell);
        for (int d = 0; d < 2; d++) {
            for (int i = 0; i < names.size(); i++) {
                float[] v = c.input("initial_" + dirs[d] + "_" + names.get(i));
                if (v != null) {
                    states[d].setPart(i, v);
                }
            }
        }
        int o = fwCell.outputSize();
        float[] fw = new float[batch * steps * o];
        float[] bw = new float[batch * steps * o];
        runner.run(c.input("x"), steps, false, lengths, null, Padding.ZERO, fw, bw);
        Got got = new Got();
        got.put("outputs_fw", fw, batch, steps, o);
        got.put("outputs_bw", bw, batch, steps, o);
        for (int d = 0; d < 2; d++) {
            for (int i = 0; i < names.size(); i++) {
                got.state("final_state_" + dirs[d] + "_" + names.get(i), states[d], i);
            }
        }
        return got;
    }

    /** The TF.js basicLSTMCell / multiRNNCell cases: x time-major, states c0_l/h0_l, outputs time-major. */
    static Got tfjsTf1(ReferenceCase c) {
        int batch = c.config.path("batch").asInt();
        int steps = c.config.path("timesteps").asInt();
        int in = c.config.path("input_size").asInt();
        int units = c.config.path("num_units").asInt();
        int layers = c.config.path("num_layers").asInt(1);
        float fb = (float) c.config.path("forget_bias").asDouble(1.0);
        List<RnnCell> cells = new ArrayList<>();
        int depth = in;
        for (int l = 0; l < layers; l++) {
            cells.add(LstmCell.tf1Basic(depth, units, c.weight("cell_" + l + "/kernel"), c.weight("cell_" + l + "/bias"), fb, Activation.TANH));
            depth = units;
        }
        MultiRnnCell cell = new MultiRnnCell(cells);
        CellState state = cell.zeroState(batch);
        for (int l = 0; l < layers; l++) {
            if (c.hasInput("c0_" + l)) {
                state.setPart(2 * l, c.input("c0_" + l));
            }
            if (c.hasInput("h0_" + l)) {
                state.setPart(2 * l + 1, c.input("h0_" + l));
            }
        }
        Got got = new Got();
        got.put("outputs", toTimeMajor(forward(cell, state, c.input("x"), batch, steps, true), batch, steps, units), steps, batch, units);
        for (int l = 0; l < layers; l++) {
            got.state("final_c_" + l, state, 2 * l);
            got.state("final_h_" + l, state, 2 * l + 1);
        }
        return got;
    }

    // ---------------------------------------------------------------------------------------------
    // Keras (and TF.js layers)

    /** A Keras layer's cell from weights {@code prefix + kernel/recurrent_kernel/bias}. */
    static RnnCell kerasCell(ReferenceCase c, String prefix, int in, int units) {
        Activation a = act(c.cfg("activation"), Activation.TANH);
        Activation ra = act(c.cfg("recurrent_activation"), Activation.SIGMOID);
        float[] bias = c.config.path("use_bias").asBoolean(true) ? c.weight(prefix + "bias") : null;
        return switch (c.cell) {
            case "LSTM" -> LstmCell.keras(in, units, c.weight(prefix + "kernel"), c.weight(prefix + "recurrent_kernel"), bias, a, ra);
            case "GRU" -> {
                boolean resetAfter = c.cfg("reset_after") != null ? c.cfg("reset_after").asBoolean()
                        : bias != null && bias.length == 6 * units;
                yield GruCell.keras(in, units, resetAfter, c.weight(prefix + "kernel"), c.weight(prefix + "recurrent_kernel"), bias, a, ra);
            }
            case "SimpleRNN" -> SimpleRnnCell.keras(in, units, c.weight(prefix + "kernel"), c.weight(prefix + "recurrent_kernel"), bias, a);
            default -> throw new Skip("Keras layer " + c.cell + " is not built yet");
        };
    }

    /** Keras Masking: a step is masked iff all its features equal mask_value; null without masking. */
    static boolean[] kerasMask(ReferenceCase c, float[] x, int batch, int steps, int in) {
        JsonNode m = c.cfg("masking");
        if (m == null) {
            return null;
        }
        float value = (float) m.path("mask_value").asDouble(0.0);
        boolean[] mask = new boolean[batch * steps];
        for (int i = 0; i < batch * steps; i++) {
            boolean allEqual = true;
            for (int k = 0; k < in; k++) {
                allEqual &= x[i * in + k] == value;
            }
            mask[i] = !allEqual;
        }
        return mask;
    }

    static Got keras(ReferenceCase c) {
        String type = c.config.path("case_type").asText("plain");
        switch (type) {
            case "ln_simple_rnn":
                return lnSimpleRnn(c);
            case "bidirectional":
                return kerasBidirectional(c);
            case "stateful_two_chunks":
                return kerasStateful(c);
            case "plain":
                break;
            default:
                throw new Skip("Keras case type " + type + " unknown");
        }
        int batch = c.config.path("batch").asInt();
        int steps = c.config.path("timesteps").asInt();
        int in = c.config.path("input_size").asInt();
        int units = c.config.path("units").asInt();
        boolean lstm = c.cell.equals("LSTM");
        RnnCell cell = kerasCell(c, "", in, units);
        CellState state = cell.zeroState(batch);
        // Keras state order is [h, c]; the library's LSTM state is (c, h).
        if (c.hasInput("initial_h")) {
            state.setPart(lstm ? 1 : 0, c.input("initial_h"));
        }
        if (c.hasInput("initial_c")) {
            state.setPart(0, c.input("initial_c"));
        }
        float[] x = c.input("x");
        Order order = c.config.path("go_backwards").asBoolean(false) ? Order.BACKWARDS : Order.FORWARD;
        float[] seq = sequence(cell, state, x, batch, steps, false, null, kerasMask(c, x, batch, steps, in), order, Padding.REPEAT_PREVIOUS);
        Got got = new Got();
        boolean rs = c.config.path("return_sequences").asBoolean(true);
        got.put("output", rs ? seq : lastStep(seq, batch, steps, units), rs ? new int[] {batch, steps, units} : new int[] {batch, units});
        got.state("final_h", state, lstm ? 1 : 0);
        if (lstm) {
            got.state("final_c", state, 0);
        }
        return got;
    }

    /**
     * Keras Bidirectional: the forward layer, and the backward copy over the reversed sequence, flipped back to line up
     * with the input; under a mask both output zeros at masked steps (zero_output_for_mask = return_sequences).
     */
    static Got kerasBidirectional(ReferenceCase c) {
        int batch = c.config.path("batch").asInt();
        int steps = c.config.path("timesteps").asInt();
        int in = c.config.path("input_size").asInt();
        int units = c.config.path("units").asInt();
        boolean lstm = c.cell.equals("LSTM");
        boolean returnSequences = c.config.path("return_sequences").asBoolean(true);
        float[] x = c.input("x");
        boolean[] mask = kerasMask(c, x, batch, steps, in);
        Padding pad = returnSequences ? Padding.ZERO : Padding.REPEAT_PREVIOUS;
        Got got = new Got();
        String[] names = {"forward", "backward"};
        JsonNode mm0 = c.cfg("merge_mode");
        if (returnSequences) {
            RnnCell fwCell = kerasCell(c, "forward/", in, units);
            RnnCell bwCell = kerasCell(c, "backward/", in, units);
            Merge merge = mm0 == null ? Merge.NONE : Merge.valueOf(mm0.asText().toUpperCase(java.util.Locale.ROOT));
            LayeredRunner runner = new LayeredRunner(List.of(LayeredRunner.Layer.bidirectional(fwCell, bwCell, merge)), batch, steps);
            float[] merged = new float[batch * steps * runner.outputWidth()];
            float[] fo = new float[batch * steps * units];
            float[] bo = new float[batch * steps * units];
            runner.run(x, steps, false, null, mask, Padding.ZERO, merge == Merge.NONE ? fo : merged, bo);
            if (merge == Merge.NONE) {
                got.put("output_forward", fo, batch, steps, units);
                got.put("output_backward", bo, batch, steps, units);
            } else {
                got.put("output", merged, batch, steps, runner.outputWidth());
            }
            CellState[] st = {runner.state(0, 0), runner.state(0, 1)};
            for (int d = 0; d < 2; d++) {
                got.state(names[d] + "_h", st[d], lstm ? 1 : 0);
                if (lstm) {
                    got.state(names[d] + "_c", st[d], 0);
                }
            }
            return got;
        }
        float[][] ys = new float[2][];
        for (int d = 0; d < 2; d++) {
            RnnCell cell = kerasCell(c, names[d] + "/", in, units);
            CellState state = cell.zeroState(batch);
            float[] seq = sequence(cell, state, x, batch, steps, false, null, mask, d == 0 ? Order.FORWARD : Order.REVERSE_WITHIN_LENGTH, pad);
            ys[d] = returnSequences ? seq : state.part(lstm ? 1 : 0).clone();
            got.state(names[d] + "_h", state, lstm ? 1 : 0);
            if (lstm) {
                got.state(names[d] + "_c", state, 0);
            }
        }
        JsonNode mm = c.cfg("merge_mode");
        if (mm == null) {
            got.put("output_forward", ys[0], batch, units);
            got.put("output_backward", ys[1], batch, units);
            return got;
        }
        int rows = ys[0].length / units;
        String mode = mm.asText();
        float[] merged = new float[mode.equals("concat") ? 2 * ys[0].length : ys[0].length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < units; j++) {
                float f = ys[0][r * units + j];
                float b = ys[1][r * units + j];
                switch (mode) {
                    case "concat" -> {
                        merged[r * 2 * units + j] = f;
                        merged[r * 2 * units + units + j] = b;
                    }
                    case "sum" -> merged[r * units + j] = f + b;
                    case "mul" -> merged[r * units + j] = f * b;
                    case "ave" -> merged[r * units + j] = (f + b) / 2;
                    default -> throw new Skip("merge_mode " + mode + " unknown");
                }
            }
        }
        got.put("output", merged, batch, mode.equals("concat") ? 2 * units : units);
        return got;
    }

    /** Keras stateful: the second call starts from the states the first call left. */
    static Got kerasStateful(ReferenceCase c) {
        int batch = c.config.path("batch").asInt();
        int in = c.config.path("input_size").asInt();
        int units = c.config.path("units").asInt();
        boolean lstm = c.cell.equals("LSTM");
        RnnCell cell = kerasCell(c, "", in, units);
        CellState state = cell.zeroState(batch);
        Got got = new Got();
        for (int chunk = 1; chunk <= 2; chunk++) {
            int steps = c.config.path("timesteps").get(chunk - 1).asInt();
            float[] seq = forward(cell, state, c.input("x_chunk" + chunk), batch, steps, false);
            boolean rs = c.config.path("return_sequences").asBoolean(true);
            got.put("output_chunk" + chunk, rs ? seq : lastStep(seq, batch, steps, units), rs ? new int[] {batch, steps, units} : new int[] {batch, units});
            got.state("state_h_after_chunk" + chunk, state, lstm ? 1 : 0);
            if (lstm) {
                got.state("state_c_after_chunk" + chunk, state, 0);
            }
        }
        return got;
    }

    static Got lnSimpleRnn(ReferenceCase c) {
        int batch = c.config.path("batch").asInt();
        int steps = c.config.path("timesteps").asInt();
        int in = c.config.path("input_size").asInt();
        int units = c.config.path("units").asInt();
        float eps = (float) c.config.path("layer_norm").path("epsilon").asDouble(1e-3);
        RnnCell cell = LayerNormSimpleRnnCell.keras(in, units, c.weight("simple_rnn_cell/kernel"), c.weight("simple_rnn_cell/recurrent_kernel"),
                c.weight("simple_rnn_cell/bias"), c.weight("layer_norm/gamma"), c.weight("layer_norm/beta"), eps, Activation.TANH);
        CellState state = cell.zeroState(batch);
        if (c.hasInput("initial_h")) {
            state.setPart(0, c.input("initial_h"));
        }
        float[] seq = forward(cell, state, c.input("x"), batch, steps, false);
        Got got = new Got();
        boolean rs = c.config.path("return_sequences").asBoolean(true);
        got.put("output", rs ? seq : lastStep(seq, batch, steps, units), rs ? new int[] {batch, steps, units} : new int[] {batch, units});
        got.state("final_h", state, 0);
        return got;
    }

    // ---------------------------------------------------------------------------------------------
    // ONNX

    /**
     * ONNX cases through the library's ONNX reader and graph runner: the case becomes a one-node
     * {@code ModelProto} (its attributes, W/R/B/P as initializers, the other tensors as graph inputs),
     * written to protobuf bytes, read back and run by {@link OnnxSession}.
     */
    static Got onnx(ReferenceCase c) {
        if (!List.of("LSTM", "GRU", "RNN").contains(c.cell)) {
            throw new Skip("ONNX op " + c.cell + " unknown");
        }
        Map<String, OnnxModel.Attribute> attrs = new LinkedHashMap<>();
        JsonNode given = c.config.path("attributes_as_in_model");
        given.properties().forEach(e -> attrs.put(e.getKey(), attribute(e.getKey(), e.getValue())));
        for (String n : List.of("direction", "hidden_size", "layout", "clip", "input_forget", "linear_before_reset", "activation_alpha",
                "activation_beta", "activations")) {
            JsonNode v = c.config.get(n);
            boolean defaulted = n.equals("activations") && c.config.path("activations_defaulted").asBoolean(false);
            if (!attrs.containsKey(n) && v != null && !v.isNull() && !defaulted) {
                attrs.put(n, attribute(n, v));
            }
        }
        String[] inputNames = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};
        List<String> nodeInputs = new ArrayList<>();
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        List<OnnxModel.ValueInfo> graphInputs = new ArrayList<>();
        Map<String, OnnxValue> feed = new LinkedHashMap<>();
        for (String n : inputNames) {
            JsonNode t = c.hasInput(n) ? c.inputs.get(n) : c.weights.get(n);
            if (t == null || (c.cell.equals("GRU") || c.cell.equals("RNN")) && (n.equals("initial_c") || n.equals("P"))) {
                nodeInputs.add("");
                continue;
            }
            nodeInputs.add(n);
            int[] shape = ReferenceCase.shape(t);
            OnnxValue value;
            if (n.equals("sequence_lens")) {
                int[] l = ints(c, n);
                long[] ll = new long[l.length];
                for (int i = 0; i < l.length; i++) {
                    ll[i] = l[i];
                }
                value = OnnxValue.ofLongs(n, ll, shape);
            } else {
                value = OnnxValue.of(n, ReferenceCase.floats(t), shape);
            }
            if (c.hasInput(n)) {
                feed.put(n, value);
                graphInputs.add(new OnnxModel.ValueInfo(n, value.isFloat() ? OnnxModel.FLOAT : OnnxModel.INT64, shape, List.of()));
            } else {
                init.put(n, value);
            }
        }
        while (nodeInputs.get(nodeInputs.size() - 1).isEmpty()) {
            nodeInputs.remove(nodeInputs.size() - 1);
        }
        boolean lstm = c.cell.equals("LSTM");
        List<String> outs = lstm ? List.of("Y", "Y_h", "Y_c") : List.of("Y", "Y_h");
        OnnxModel.Node node = new OnnxModel.Node("case", c.cell, "", nodeInputs, outs, attrs);
        List<OnnxModel.ValueInfo> graphOutputs = outs.stream().map(o -> new OnnxModel.ValueInfo(o, OnnxModel.FLOAT, new int[0], List.of())).toList();
        int opset = c.config.path("opset").asInt(14);
        OnnxModel built = new OnnxModel(c.id, 8, opset, "", List.of(node), init, graphInputs, graphOutputs);
        Map<String, OnnxValue> out;
        try {
            out = new OnnxSession(OnnxModel.read(built.toBytes(), c.id)).run(feed);
        } catch (ModelFormatException e) {
            throw new AssertionError(c.id + ": " + e.getMessage(), e);
        }
        Got got = new Got();
        out.forEach((k, v) -> got.put(k, v.floats(), v.shape()));
        return got;
    }

    /** An ONNX attribute from a JSON value: number, string, or a list of numbers or strings. */
    static OnnxModel.Attribute attribute(String name, JsonNode v) {
        if (v.isTextual()) {
            return OnnxModel.Attribute.of(name, v.asText());
        }
        if (v.isIntegralNumber() && !name.equals("clip")) {
            return OnnxModel.Attribute.of(name, v.asLong());
        }
        if (v.isNumber()) {
            return OnnxModel.Attribute.of(name, (float) v.asDouble());
        }
        if (v.isArray() && !v.isEmpty() && v.get(0).isTextual()) {
            List<String> s = new ArrayList<>();
            v.forEach(x -> s.add(x.asText()));
            return OnnxModel.Attribute.ofStrings(name, s);
        }
        if (v.isArray() && (name.startsWith("activation_") || !v.isEmpty() && v.get(0).isFloatingPointNumber())) {
            float[] f = new float[v.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) v.get(i).asDouble();
            }
            return OnnxModel.Attribute.ofFloats(name, f);
        }
        if (v.isArray()) {
            long[] l = new long[v.size()];
            for (int i = 0; i < l.length; i++) {
                l[i] = v.get(i).asLong();
            }
            return OnnxModel.Attribute.ofInts(name, l);
        }
        throw new AssertionError("attribute " + name + ": cannot read " + v);
    }

    // ---------------------------------------------------------------------------------------------
    // PyTorch

    /** PyTorch modules through the library's {@link TorchRecurrent}, from the case's state_dict tensors. */
    static Got torch(ReferenceCase c) {
        int batch = c.config.path("batch").asInt();
        int steps = c.config.path("timesteps").asInt();
        boolean batchFirst = c.config.path("batch_first").asBoolean(false);
        TorchModules.Kind kind = switch (c.cell) {
            case "LSTM" -> TorchModules.Kind.LSTM;
            case "GRU" -> TorchModules.Kind.GRU;
            case "RNN" -> c.config.path("nonlinearity").asText("tanh").equals("relu") ? TorchModules.Kind.RNN_RELU : TorchModules.Kind.RNN_TANH;
            default -> throw new Skip("torch module " + c.cell + " unknown");
        };
        Map<String, Tensor> sd = weightMap(c);
        TorchRecurrent module;
        try {
            module = TorchRecurrent.of(sd, "", kind, batch, steps);
        } catch (ModelFormatException e) {
            throw new AssertionError(c.id + ": " + e.getMessage(), e);
        }
        boolean lstm = kind == TorchModules.Kind.LSTM;
        int layers = module.layers();
        int dirs = module.directions();
        int hw = module.outputWidth() / dirs;
        int hidden = c.config.path("hidden_size").asInt();
        float[] output = new float[batch * steps * module.outputWidth()];
        float[] hn = new float[layers * dirs * batch * hw];
        float[] cn = lstm ? new float[layers * dirs * batch * hidden] : null;
        module.run(c.input("x"), steps, batchFirst, c.hasInput("lengths") ? ints(c, "lengths") : null, c.input("h0"), c.input("c0"),
                output, hn, cn);
        Got got = new Got();
        got.put("output", output, batchFirst ? new int[] {batch, steps, module.outputWidth()} : new int[] {steps, batch, module.outputWidth()});
        got.put("h_n", hn, layers * dirs, batch, hw);
        if (lstm) {
            got.put("c_n", cn, layers * dirs, batch, hidden);
        }
        return got;
    }
}
