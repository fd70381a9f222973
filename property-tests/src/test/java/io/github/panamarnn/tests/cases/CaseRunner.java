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
import io.github.panamarnn.kernels.Activation;
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

    static Map<String, float[]> run(ReferenceCase c) {
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

    /** Runs {@code cell} over {@code x} ({@code [B, T, D]}, or {@code [T, B, D]} when timeMajor); returns outputs {@code [B, T, out]}. */
    static float[] forward(RnnCell cell, CellState state, float[] x, int batch, int steps, boolean timeMajor) {
        int d = cell.inputSize();
        int o = cell.outputSize();
        float[] xt = new float[batch * d];
        float[] yt = new float[batch * o];
        float[] out = new float[batch * steps * o];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int src = timeMajor ? (t * batch + b) * d : (b * steps + t) * d;
                System.arraycopy(x, src, xt, b * d, d);
            }
            cell.step(xt, 0, state, yt, 0);
            for (int b = 0; b < batch; b++) {
                System.arraycopy(yt, b * o, out, (b * steps + t) * o, o);
            }
        }
        return out;
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
    static RnnCell tf1Cell(ReferenceCase c, JsonNode cc, String prefix, int in) {
        String kind = cc.path("cell").asText();
        int units = cc.path("num_units").asInt();
        Activation a = act(cc.get("activation"), Activation.TANH);
        switch (kind) {
            case "BasicRNNCell":
                return SimpleRnnCell.tf1(in, units, c.weight(prefix + "basic_rnn_cell/kernel"), c.weight(prefix + "basic_rnn_cell/bias"), a);
            case "GRUCell":
                return GruCell.tf1(in, units, c.weight(prefix + "gru_cell/gates/kernel"), c.weight(prefix + "gru_cell/gates/bias"),
                        c.weight(prefix + "gru_cell/candidate/kernel"), c.weight(prefix + "gru_cell/candidate/bias"), a);
            case "BasicLSTMCell":
                return LstmCell.tf1Basic(in, units, c.weight(prefix + "basic_lstm_cell/kernel"), c.weight(prefix + "basic_lstm_cell/bias"),
                        (float) cc.path("forget_bias").asDouble(1.0), a);
            case "LSTMCell": {
                LstmCell.Tf1Options o = new LstmCell.Tf1Options(in, units).forgetBias((float) cc.path("forget_bias").asDouble(1.0)).activation(a);
                if (cc.path("use_peepholes").asBoolean(false)) {
                    o.usePeepholes(true);
                }
                if (cc.hasNonNull("cell_clip")) {
                    o.cellClip((float) cc.get("cell_clip").asDouble());
                }
                if (cc.hasNonNull("num_proj")) {
                    o.numProj(cc.get("num_proj").asInt());
                }
                if (cc.hasNonNull("proj_clip")) {
                    o.projClip((float) cc.get("proj_clip").asDouble());
                }
                return LstmCell.tf1(o, c.weight(prefix + "lstm_cell/kernel"), c.weight(prefix + "lstm_cell/bias"),
                        c.weight(prefix + "lstm_cell/w_f_diag"), c.weight(prefix + "lstm_cell/w_i_diag"), c.weight(prefix + "lstm_cell/w_o_diag"),
                        c.weight(prefix + "lstm_cell/projection/kernel"));
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

    static Map<String, float[]> tf1(ReferenceCase c) {
        String mode = c.config.path("mode").asText();
        if (mode.equals("bidirectional_dynamic_rnn")) {
            throw new Skip("bidirectional_dynamic_rnn needs the runners (issue 4)");
        }
        if (c.hasInput("sequence_length")) {
            throw new Skip("sequence_length needs the runners (issue 4)");
        }
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
        Map<String, float[]> got = new LinkedHashMap<>();
        if (mode.equals("single_step")) {
            float[] out = forward(cell, state, x, batch, 1, false);
            got.put("output", out);
            for (int i = 0; i < names.size(); i++) {
                got.put("new_state_" + names.get(i), state.part(i).clone());
            }
            return got;
        }
        got.put("outputs", forward(cell, state, x, batch, steps, false));
        if (flat) {
            float[] f = new float[batch * state.flatSize()];
            state.readFlat(f, 0);
            got.put("final_state_concat", f);
        } else {
            for (int i = 0; i < names.size(); i++) {
                got.put("final_state_" + names.get(i), state.part(i).clone());
            }
        }
        return got;
    }

    /** The TF.js basicLSTMCell / multiRNNCell cases: x time-major, states c0_l/h0_l, outputs time-major. */
    static Map<String, float[]> tfjsTf1(ReferenceCase c) {
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
        Map<String, float[]> got = new LinkedHashMap<>();
        got.put("outputs", toTimeMajor(forward(cell, state, c.input("x"), batch, steps, true), batch, steps, units));
        for (int l = 0; l < layers; l++) {
            got.put("final_c_" + l, state.part(2 * l).clone());
            got.put("final_h_" + l, state.part(2 * l + 1).clone());
        }
        return got;
    }

    // ---------------------------------------------------------------------------------------------
    // Keras (and TF.js layers)

    static Map<String, float[]> keras(ReferenceCase c) {
        String type = c.config.path("case_type").asText("plain");
        if (type.equals("ln_simple_rnn")) {
            return lnSimpleRnn(c);
        }
        if (!type.equals("plain")) {
            throw new Skip(type + " needs the runners (issue 4)");
        }
        if (c.cfg("masking") != null) {
            throw new Skip("masking needs the runners (issue 4)");
        }
        if (c.config.path("go_backwards").asBoolean(false)) {
            throw new Skip("go_backwards needs the runners (issue 4)");
        }
        int batch = c.config.path("batch").asInt();
        int steps = c.config.path("timesteps").asInt();
        int in = c.config.path("input_size").asInt();
        int units = c.config.path("units").asInt();
        Activation a = act(c.cfg("activation"), Activation.TANH);
        Activation ra = act(c.cfg("recurrent_activation"), Activation.SIGMOID);
        float[] bias = c.config.path("use_bias").asBoolean(true) ? c.weight("bias") : null;
        RnnCell cell = switch (c.cell) {
            case "LSTM" -> LstmCell.keras(in, units, c.weight("kernel"), c.weight("recurrent_kernel"), bias, a, ra);
            case "GRU" -> {
                boolean resetAfter = c.cfg("reset_after") != null ? c.cfg("reset_after").asBoolean()
                        : bias != null && bias.length == 6 * units;
                yield GruCell.keras(in, units, resetAfter, c.weight("kernel"), c.weight("recurrent_kernel"), bias, a, ra);
            }
            case "SimpleRNN" -> SimpleRnnCell.keras(in, units, c.weight("kernel"), c.weight("recurrent_kernel"), bias, a);
            default -> throw new Skip("Keras layer " + c.cell + " is not built yet");
        };
        CellState state = cell.zeroState(batch);
        // Keras state order is [h, c]; the library's LSTM state is (c, h).
        if (c.hasInput("initial_h")) {
            state.setPart(c.cell.equals("LSTM") ? 1 : 0, c.input("initial_h"));
        }
        if (c.hasInput("initial_c")) {
            state.setPart(0, c.input("initial_c"));
        }
        float[] seq = forward(cell, state, c.input("x"), batch, steps, false);
        Map<String, float[]> got = new LinkedHashMap<>();
        got.put("output", c.config.path("return_sequences").asBoolean(true) ? seq : lastStep(seq, batch, steps, units));
        got.put("final_h", state.part(c.cell.equals("LSTM") ? 1 : 0).clone());
        if (c.cell.equals("LSTM")) {
            got.put("final_c", state.part(0).clone());
        }
        return got;
    }

    static Map<String, float[]> lnSimpleRnn(ReferenceCase c) {
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
        Map<String, float[]> got = new LinkedHashMap<>();
        got.put("output", c.config.path("return_sequences").asBoolean(true) ? seq : lastStep(seq, batch, steps, units));
        got.put("final_h", state.part(0).clone());
        return got;
    }

    // ---------------------------------------------------------------------------------------------
    // ONNX

    static Map<String, float[]> onnx(ReferenceCase c) {
        String direction = c.config.path("direction").asText("forward");
        if (!direction.equals("forward")) {
            throw new Skip("direction=" + direction + " needs the runners (issue 4)");
        }
        if (c.hasInput("sequence_lens")) {
            throw new Skip("sequence_lens needs the runners (issue 4)");
        }
        int hidden = c.config.path("hidden_size").asInt();
        int layout = c.config.path("layout").asInt(0);
        float[] x = c.input("X");
        int[] xs = ReferenceCase.shape(c.inputs.get("X"));
        int steps = layout == 0 ? xs[0] : xs[1];
        int batch = layout == 0 ? xs[1] : xs[0];
        int in = xs[2];
        JsonNode acts = c.config.get("activations");
        JsonNode alphas = c.cfg("activation_alpha");
        JsonNode betas = c.cfg("activation_beta");
        Activation[] f = new Activation[acts.size()];
        for (int i = 0; i < f.length; i++) {
            float al = alphas != null && i < alphas.size() ? (float) alphas.get(i).asDouble() : Float.NaN;
            float be = betas != null && i < betas.size() ? (float) betas.get(i).asDouble() : Float.NaN;
            f[i] = Activation.onnx(acts.get(i).asText(), al, be);
        }
        float clip = c.cfg("clip") == null ? Float.POSITIVE_INFINITY : (float) c.cfg("clip").asDouble();
        RnnCell cell = switch (c.cell) {
            case "LSTM" -> LstmCell.onnx(in, hidden, c.weight("W"), c.weight("R"), c.hasInput("B") ? c.input("B") : c.weight("B"),
                    c.hasInput("P") ? c.input("P") : c.weight("P"), clip, c.config.path("input_forget").asInt(0) != 0, f[0], f[1], f[2]);
            case "GRU" -> GruCell.onnx(in, hidden, c.weight("W"), c.weight("R"), c.hasInput("B") ? c.input("B") : c.weight("B"),
                    c.config.path("linear_before_reset").asInt(0) != 0, clip, f[0], f[1]);
            case "RNN" -> SimpleRnnCell.onnx(in, hidden, c.weight("W"), c.weight("R"), c.hasInput("B") ? c.input("B") : c.weight("B"), f[0]);
            default -> throw new Skip("ONNX op " + c.cell + " unknown");
        };
        CellState state = cell.zeroState(batch);
        // initial_h [1, B, H] (layout 0) and [B, 1, H] (layout 1) flatten alike for one direction.
        if (c.hasInput("initial_h")) {
            state.setPart(c.cell.equals("LSTM") ? 1 : 0, c.input("initial_h"));
        }
        if (c.hasInput("initial_c")) {
            state.setPart(0, c.input("initial_c"));
        }
        float[] seq = forward(cell, state, x, batch, steps, layout == 0);
        Map<String, float[]> got = new LinkedHashMap<>();
        got.put("Y", layout == 0 ? toTimeMajor(seq, batch, steps, hidden) : seq);
        got.put("Y_h", state.part(c.cell.equals("LSTM") ? 1 : 0).clone());
        if (c.cell.equals("LSTM")) {
            got.put("Y_c", state.part(0).clone());
        }
        return got;
    }

    // ---------------------------------------------------------------------------------------------
    // PyTorch

    static Map<String, float[]> torch(ReferenceCase c) {
        if (c.config.path("bidirectional").asBoolean(false)) {
            throw new Skip("bidirectional needs the runners (issue 4)");
        }
        if (c.hasInput("lengths")) {
            throw new Skip("packed sequences need the runners (issue 4)");
        }
        int layers = c.config.path("num_layers").asInt(1);
        int hidden = c.config.path("hidden_size").asInt();
        int in = c.config.path("input_size").asInt();
        int batch = c.config.path("batch").asInt();
        int steps = c.config.path("timesteps").asInt();
        boolean batchFirst = c.config.path("batch_first").asBoolean(false);
        int proj = c.cfg("proj_size") == null ? 0 : c.cfg("proj_size").asInt();
        List<RnnCell> cells = new ArrayList<>();
        int depth = in;
        for (int l = 0; l < layers; l++) {
            String s = "_l" + l;
            RnnCell cell = switch (c.cell) {
                case "LSTM" -> LstmCell.torch(depth, hidden, proj, c.weight("weight_ih" + s), c.weight("weight_hh" + s),
                        c.weight("bias_ih" + s), c.weight("bias_hh" + s), c.weight("weight_hr" + s));
                case "GRU" -> GruCell.torch(depth, hidden, c.weight("weight_ih" + s), c.weight("weight_hh" + s), c.weight("bias_ih" + s),
                        c.weight("bias_hh" + s));
                case "RNN" -> SimpleRnnCell.torch(depth, hidden, c.weight("weight_ih" + s), c.weight("weight_hh" + s), c.weight("bias_ih" + s),
                        c.weight("bias_hh" + s), Activation.named(c.config.path("nonlinearity").asText("tanh")));
                default -> throw new Skip("torch module " + c.cell + " unknown");
            };
            cells.add(cell);
            depth = cell.outputSize();
        }
        MultiRnnCell stack = new MultiRnnCell(cells);
        CellState state = stack.zeroState(batch);
        boolean lstm = c.cell.equals("LSTM");
        int hw = lstm && proj > 0 ? proj : hidden;
        float[] h0 = c.input("h0");
        float[] c0 = c.input("c0");
        for (int l = 0; l < layers; l++) {
            if (h0 != null) {
                float[] part = new float[batch * hw];
                System.arraycopy(h0, l * batch * hw, part, 0, part.length);
                state.setPart(lstm ? 2 * l + 1 : l, part);
            }
            if (c0 != null) {
                float[] part = new float[batch * hidden];
                System.arraycopy(c0, l * batch * hidden, part, 0, part.length);
                state.setPart(2 * l, part);
            }
        }
        float[] seq = forward(stack, state, c.input("x"), batch, steps, !batchFirst);
        Map<String, float[]> got = new LinkedHashMap<>();
        got.put("output", batchFirst ? seq : toTimeMajor(seq, batch, steps, hw));
        float[] hn = new float[layers * batch * hw];
        float[] cn = new float[layers * batch * hidden];
        for (int l = 0; l < layers; l++) {
            System.arraycopy(state.part(lstm ? 2 * l + 1 : l), 0, hn, l * batch * hw, batch * hw);
            if (lstm) {
                System.arraycopy(state.part(2 * l), 0, cn, l * batch * hidden, batch * hidden);
            }
        }
        got.put("h_n", hn);
        if (lstm) {
            got.put("c_n", cn);
        }
        return got;
    }
}
