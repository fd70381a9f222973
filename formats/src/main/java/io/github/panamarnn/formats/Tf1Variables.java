package io.github.panamarnn.formats;

import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.kernels.Activation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TF1 {@code rnn_cell_impl} cells from their variable names (SEMANTICS.md 2), as a checkpoint
 * exported to {@code .npz} holds them ({@link NumPy#readNpz}; a {@code :0} suffix is ignored):
 * <ul>
 * <li>{@code <scope>/basic_lstm_cell/kernel|bias}: {@code BasicLSTMCell};</li>
 * <li>{@code <scope>/lstm_cell/kernel|bias}, optional {@code w_f_diag|w_i_diag|w_o_diag}
 *     (peepholes) and {@code projection/kernel} ({@code num_proj}): {@code LSTMCell};</li>
 * <li>{@code <scope>/gru_cell/gates/kernel|bias}, {@code <scope>/gru_cell/candidate/kernel|bias}: {@code GRUCell};</li>
 * <li>{@code <scope>/basic_rnn_cell/kernel|bias}: {@code BasicRNNCell};</li>
 * <li>{@code <scope>/multi_rnn_cell/cell_<k>/<cell>/...}: {@code MultiRNNCell} of those.</li>
 * </ul>
 * What the variables do not record (forget_bias, activation, cell_clip, proj_clip) comes from
 * {@link Options}, with TF1's defaults. The sizes come from the shapes, checked against each other.
 */
public final class Tf1Variables {
    private Tf1Variables() {
    }

    /** Constructor arguments the checkpoint does not hold. */
    public record Options(float forgetBias, Activation activation, float cellClip, float projClip) {
        /** TF1's defaults: forget_bias 1.0, tanh, no clipping. */
        public static Options defaults() {
            return new Options(1f, Activation.TANH, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY);
        }
    }

    /** The variables with any {@code :0} suffix removed. */
    static Map<String, Tensor> normalized(Map<String, Tensor> vars) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        vars.forEach((k, v) -> out.put(k.endsWith(":0") ? k.substring(0, k.length() - 2) : k, v));
        return out;
    }

    /**
     * The cell whose variables are under {@code scope} (e.g. {@code "rnn"}, the default scope of
     * {@code dynamic_rnn}), with TF1's default options.
     */
    public static RnnCell cell(Map<String, Tensor> vars, String scope) throws ModelFormatException {
        return cell(vars, scope, Options.defaults());
    }

    public static RnnCell cell(Map<String, Tensor> vars, String scope, Options o) throws ModelFormatException {
        Map<String, Tensor> v = normalized(vars);
        String p = scope.isEmpty() || scope.endsWith("/") ? scope : scope + "/";
        if (has(v, p + "multi_rnn_cell/cell_0/")) {
            List<RnnCell> cells = new ArrayList<>();
            for (int k = 0; has(v, p + "multi_rnn_cell/cell_" + k + "/"); k++) {
                cells.add(single(v, p + "multi_rnn_cell/cell_" + k + "/", o));
            }
            try {
                return new MultiRnnCell(cells);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(p + "multi_rnn_cell: " + e.getMessage(), e);
            }
        }
        return single(v, p, o);
    }

    private static boolean has(Map<String, Tensor> v, String prefix) {
        for (String k : v.keySet()) {
            if (k.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static Tensor need(Map<String, Tensor> v, String name) throws ModelFormatException {
        Tensor t = v.get(name);
        if (t == null) {
            throw new ModelFormatException("TF1 variable '" + name + "' is missing (have " + v.keySet() + ")");
        }
        return t;
    }

    private static int dim(Tensor t, int axis, int rank) throws ModelFormatException {
        if (t.shape().length != rank) {
            throw new ModelFormatException("TF1 variable '" + t.name() + "' has shape " + java.util.Arrays.toString(t.shape()) + ", expected rank " + rank);
        }
        return t.shape()[axis];
    }

    private static RnnCell single(Map<String, Tensor> v, String p, Options o) throws ModelFormatException {
        try {
            if (v.containsKey(p + "basic_lstm_cell/kernel")) {
                Tensor k = need(v, p + "basic_lstm_cell/kernel");
                Tensor b = need(v, p + "basic_lstm_cell/bias");
                int units = dim(b, 0, 1) / 4;
                int in = dim(k, 0, 2) - units;
                return LstmCell.tf1Basic(in, units, k.data(), b.data(), o.forgetBias(), o.activation());
            }
            if (v.containsKey(p + "lstm_cell/kernel")) {
                String c = p + "lstm_cell/";
                Tensor k = need(v, c + "kernel");
                Tensor b = need(v, c + "bias");
                Tensor proj = v.get(c + "projection/kernel");
                int units = dim(b, 0, 1) / 4;
                int hDepth = proj == null ? units : dim(proj, 1, 2);
                int in = dim(k, 0, 2) - hDepth;
                LstmCell.Tf1Options opts = new LstmCell.Tf1Options(in, units).forgetBias(o.forgetBias()).activation(o.activation());
                boolean peep = v.containsKey(c + "w_f_diag");
                opts.usePeepholes(peep);
                if (o.cellClip() != Float.POSITIVE_INFINITY) {
                    opts.cellClip(o.cellClip());
                }
                if (proj != null) {
                    opts.numProj(hDepth);
                    if (o.projClip() != Float.POSITIVE_INFINITY) {
                        opts.projClip(o.projClip());
                    }
                }
                return LstmCell.tf1(opts, k.data(), b.data(), peep ? need(v, c + "w_f_diag").data() : null,
                        peep ? need(v, c + "w_i_diag").data() : null, peep ? need(v, c + "w_o_diag").data() : null,
                        proj == null ? null : proj.data());
            }
            if (v.containsKey(p + "gru_cell/gates/kernel")) {
                String c = p + "gru_cell/";
                Tensor gk = need(v, c + "gates/kernel");
                Tensor ck = need(v, c + "candidate/kernel");
                int units = dim(ck, 1, 2);
                int in = dim(gk, 0, 2) - units;
                return GruCell.tf1(in, units, gk.data(), need(v, c + "gates/bias").data(), ck.data(), need(v, c + "candidate/bias").data(),
                        o.activation());
            }
            if (v.containsKey(p + "basic_rnn_cell/kernel")) {
                Tensor k = need(v, p + "basic_rnn_cell/kernel");
                int units = dim(k, 1, 2);
                return SimpleRnnCell.tf1(dim(k, 0, 2) - units, units, k.data(), need(v, p + "basic_rnn_cell/bias").data(), o.activation());
            }
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("TF1 cell under '" + p + "': " + e.getMessage(), e);
        }
        throw new ModelFormatException("no TF1 cell under '" + p + "': expected " + p + "basic_lstm_cell/kernel, " + p + "lstm_cell/kernel, " + p
                + "gru_cell/gates/kernel, " + p + "basic_rnn_cell/kernel or " + p + "multi_rnn_cell/cell_0/... (have " + v.keySet() + ")");
    }
}
