package io.github.panamarnn.formats.tf1;

import io.github.panamarnn.formats.LoadOptions;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.Tensor;

import io.github.panamarnn.model.Model;

import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.unroll.LayeredRunner.Merge;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * TF1 variables in an {@code .npz} (or {@code .safetensors}) as a whole {@link Model}: the
 * {@code dynamic_rnn} of the cell they hold (outputs at every step, from zero state), or the
 * {@code bidirectional_dynamic_rnn} of two cells under {@code .../fw/} and {@code .../bw/} (its two
 * outputs side by side, named {@code fw} and {@code bw} in {@link Model#outputs()}). The
 * cells come from {@link Tf1Variables}; what the variables do not record comes from
 * {@link LoadOptions#tf1()}, TF1's defaults otherwise, listed in {@link Model#assumptions()}.
 */
public final class Tf1Models {
    private Tf1Models() {
    }

    /** The scope names that start a TF1 cell's variables (after the user's scope, e.g. {@code rnn/}). */
    private static final String[] CELL_SCOPES = {"multi_rnn_cell/", "basic_lstm_cell/", "lstm_cell/", "lstm_fused_cell/", "gru_cell/",
        "GRUBlockCell/", "basic_rnn_cell/", "output_projection_wrapper/", "input_projection_wrapper/", "embedding_wrapper/"};

    /** The user scope of a variable name: what precedes its first cell scope, or null when it has none. */
    private static String root(String name) {
        int best = -1;
        for (String s : CELL_SCOPES) {
            int at = name.startsWith(s) ? 0 : name.indexOf("/" + s);
            if (at > 0) {
                at++;
            }
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best < 0 ? null : name.substring(0, best);
    }

    /** True when the tensors are TF1 variables: every name lies under a TF1 cell scope. */
    public static boolean looksLikeTf1(Map<String, Tensor> vars) {
        if (vars.isEmpty()) {
            return false;
        }
        for (String k : vars.keySet()) {
            if (root(k) == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * The {@code dynamic_rnn} of the cell under one TF1 scope, or the {@code bidirectional_dynamic_rnn} of the cells under
     * {@code .../fw/} and {@code .../bw/}, built from {@code vars} with the TF1 options of {@code options}.
     */
    public static Model model(Map<String, Tensor> vars, String source, LoadOptions options) throws ModelFormatException {
        TreeSet<String> roots = new TreeSet<>();
        for (String k : vars.keySet()) {
            roots.add(root(k));
        }
        List<Tf1Variables.Options> opts = options.tf1() == null ? List.of(Tf1Variables.Options.defaults()) : options.tf1();
        List<String> assumed = new ArrayList<>();
        if (options.tf1() == null) {
            assumed.add("TF1 cell arguments not in the variables: forget_bias 1.0, activation tanh, no cell_clip or proj_clip, "
                    + "projection wrappers without activation (TF1's defaults; say them with LoadOptions.withTf1)");
        }
        try {
            if (roots.size() == 1) {
                String r = roots.first();
                RnnCell cell = cell(vars, r, opts);
                String name = r.isEmpty() ? "rnn" : r.substring(0, r.length() - 1);
                Model.Recurrent rec = new Model.Recurrent(name, "TF1 dynamic_rnn(" + cell + ")", cell, null, null, true, Order.FORWARD,
                        false, false, params(vars));
                return new Model(source, cell.inputSize(), 0, List.of(rec), assumed);
            }
            if (roots.size() == 2 && roots.first().endsWith("bw/") && roots.last().endsWith("fw/")
                    && roots.first().substring(0, roots.first().length() - 3).equals(roots.last().substring(0, roots.last().length() - 3))) {
                String parent = roots.first().substring(0, roots.first().length() - 3);
                RnnCell fw = cell(vars, parent + "fw/", opts);
                RnnCell bw = cell(vars, parent + "bw/", opts);
                String name = parent.isEmpty() ? "bidirectional_rnn" : parent.substring(0, parent.length() - 1);
                Model.Recurrent rec = new Model.Recurrent(name, "TF1 bidirectional_dynamic_rnn(" + fw + ", " + bw + ")", fw, bw,
                        Merge.CONCAT, true, Order.FORWARD, false, false, params(vars));
                return new Model(source, fw.inputSize(), 0, List.of(rec), assumed).withOutputs(List.of(
                        new Model.Output("fw", fw.outputSize()), new Model.Output("bw", bw.outputSize())));
            }
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": " + e.getMessage(), e);
        }
        throw new ModelFormatException(source + ": TF1 variables under the scopes " + roots + "; expected one cell, or two under .../fw/ and "
                + ".../bw/ (bidirectional_dynamic_rnn)");
    }

    private static RnnCell cell(Map<String, Tensor> vars, String scope, List<Tf1Variables.Options> opts) throws ModelFormatException {
        return opts.size() == 1 ? Tf1Variables.cell(vars, scope, opts.get(0)) : Tf1Variables.cell(vars, scope, opts);
    }

    private static long params(Map<String, Tensor> vars) {
        long n = 0;
        for (Tensor t : vars.values()) {
            n += t.size();
        }
        return n;
    }
}
