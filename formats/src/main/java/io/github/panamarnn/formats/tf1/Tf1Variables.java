package io.github.panamarnn.formats.tf1;

import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.formats.tensors.Tensor;

import io.github.panamarnn.cells.EmbeddingWrapper;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.ProjectionWrapper;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.kernels.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TF1 {@code rnn_cell_impl} cells from their variable names (SEMANTICS.md 2), as a checkpoint
 * exported to {@code .npz} holds them ({@link NumPy#readNpz}; a {@code :0} suffix is ignored):
 * <ul>
 * <li>{@code <scope>/basic_lstm_cell/kernel|bias}: {@code BasicLSTMCell};</li>
 * <li>{@code <scope>/lstm_cell/kernel|bias}, optional {@code w_f_diag|w_i_diag|w_o_diag}
 *     (peepholes) and {@code projection/kernel} ({@code num_proj}): {@code LSTMCell};</li>
 * <li>{@code <scope>/gru_cell/gates/kernel|bias}, {@code <scope>/gru_cell/candidate/kernel|bias}: {@code GRUCell};</li>
 * <li>{@code <scope>/basic_rnn_cell/kernel|bias}: {@code BasicRNNCell};</li>
 * <li>{@code <scope>/lstm_fused_cell/kernel|bias} (and peepholes): {@code LSTMBlockFusedCell}; the
 *     contrib {@code LSTMBlockCell} saves {@code lstm_cell/...} like {@code LSTMCell} and loads as it;</li>
 * <li>{@code <scope>/gru_cell/w_ru|b_ru|w_c|b_c} (or under {@code GRUBlockCell/}): the contrib
 *     {@code GRUBlockCell} (v1 names; {@code GRUBlockCellV2} saves {@code GRUCell}'s);</li>
 * <li>{@code <scope>/multi_rnn_cell/cell_<k>/<cell>/...}: {@code MultiRNNCell} of those;</li>
 * <li>the wrappers' scopes, around any of those: {@code output_projection_wrapper/kernel|bias} with the
 *     cell under {@code output_projection_wrapper/}, {@code input_projection_wrapper/kernel|bias}
 *     likewise, {@code embedding_wrapper/embedding} with the cell under {@code embedding_wrapper/}.</li>
 * </ul>
 * A partitioned variable ({@code kernel/part_0 .. part_k}, as {@code num_unit_shards} /
 * {@code num_proj_shards} or a {@code fixed_size_partitioner} make them) is joined along axis 0, the
 * axis TF1's partitioners split; parts must be numbered without gaps and agree on the other axes.
 * What the variables do not record (forget_bias, activation, cell_clip, proj_clip, the projection
 * wrappers' activation) comes from {@link Options}, with TF1's defaults, one per layer of a
 * {@code MultiRNNCell} when they differ. The sizes come from the shapes, checked against each other.
 */
public final class Tf1Variables {
    private Tf1Variables() {
    }

    /**
     * Constructor arguments the checkpoint does not hold. {@code wrapperActivation}: the
     * {@code activation} of an {@code OutputProjectionWrapper} / {@code InputProjectionWrapper}
     * (None, linear, by default).
     */
    public record Options(float forgetBias, Activation activation, float cellClip, float projClip, Activation wrapperActivation) {
        /** The options a TF1 cell was built with. */
        public Options(float forgetBias, Activation activation, float cellClip, float projClip) {
            this(forgetBias, activation, cellClip, projClip, Activation.LINEAR);
        }

        /** TF1's defaults: forget_bias 1.0, tanh, no clipping, linear projection wrappers. */
        public static Options defaults() {
            return new Options(1f, Activation.TANH, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY);
        }

        /** These options with the activation of a wrapper around the cell. */
        public Options withWrapperActivation(Activation a) {
            return new Options(forgetBias, activation, cellClip, projClip, a);
        }

        /**
         * Options from {@code key=value} pairs separated by commas, the rest TF1's defaults:
         * {@code forget_bias}, {@code activation}, {@code cell_clip}, {@code proj_clip},
         * {@code wrapper_activation} (activation names as TF spells them; {@code leaky_relu} is
         * {@code tf.nn.leaky_relu}'s slope 0.2), e.g. {@code "forget_bias=0,activation=relu"}.
         *
         * @throws IllegalArgumentException naming an unknown key, a bad number or an unknown activation
         */
        public static Options parse(String spec) {
            Options o = defaults();
            for (String pair : spec.split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("TF1 option '" + pair.trim() + "', expected key=value");
                }
                String k = pair.substring(0, eq).trim();
                String v = pair.substring(eq + 1).trim();
                o = switch (k) {
                    case "forget_bias" -> new Options(number(k, v), o.activation, o.cellClip, o.projClip, o.wrapperActivation);
                    case "activation" -> new Options(o.forgetBias, tfActivation(v), o.cellClip, o.projClip, o.wrapperActivation);
                    case "cell_clip" -> new Options(o.forgetBias, o.activation, positive(k, v), o.projClip, o.wrapperActivation);
                    case "proj_clip" -> new Options(o.forgetBias, o.activation, o.cellClip, positive(k, v), o.wrapperActivation);
                    case "wrapper_activation" -> new Options(o.forgetBias, o.activation, o.cellClip, o.projClip, tfActivation(v));
                    default -> throw new IllegalArgumentException("TF1 option '" + k + "', expected forget_bias, activation, cell_clip, proj_clip "
                            + "or wrapper_activation");
                };
            }
            return o;
        }

        private static float number(String k, String v) {
            try {
                float f = Float.parseFloat(v);
                if (Float.isFinite(f)) {
                    return f;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("TF1 option " + k + "='" + v + "', expected a finite number");
        }

        private static float positive(String k, String v) {
            float f = number(k, v);
            if (f <= 0) {
                throw new IllegalArgumentException("TF1 option " + k + "=" + v + ", expected a positive number");
            }
            return f;
        }

        /** A TF activation name: {@code leaky_relu} is {@code tf.nn.leaky_relu} (slope 0.2), {@code None} is linear. */
        static Activation tfActivation(String name) {
            return switch (name) {
                case "leaky_relu" -> Activation.leakyRelu(0.2f);
                case "None", "none", "linear" -> Activation.LINEAR;
                default -> Activation.named(name);
            };
        }
    }

    private static final Pattern PART = Pattern.compile("(.*)/part_(\\d+)");

    /** The variables with any {@code :0} suffix removed and partitioned variables joined. */
    static Map<String, Tensor> normalized(Map<String, Tensor> vars) throws ModelFormatException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Map<String, TreeMap<Integer, Tensor>> parts = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : vars.entrySet()) {
            String k = e.getKey().endsWith(":0") ? e.getKey().substring(0, e.getKey().length() - 2) : e.getKey();
            Matcher m = PART.matcher(k);
            if (m.matches()) {
                int index;
                try {
                    index = Integer.parseInt(m.group(2));
                } catch (NumberFormatException ex) {
                    throw new ModelFormatException("TF1 variable '" + k + "': partition number out of range", ex);
                }
                parts.computeIfAbsent(m.group(1), x -> new TreeMap<>()).put(index, e.getValue());
            } else {
                out.put(k, e.getValue());
            }
        }
        for (Map.Entry<String, TreeMap<Integer, Tensor>> e : parts.entrySet()) {
            if (out.containsKey(e.getKey())) {
                throw new ModelFormatException("TF1 variable '" + e.getKey() + "' is there both whole and in parts " + e.getValue().keySet());
            }
            out.put(e.getKey(), joined(e.getKey(), e.getValue()));
        }
        return out;
    }

    /** Parts 0..k-1 joined along axis 0; the other axes must agree. */
    private static Tensor joined(String name, TreeMap<Integer, Tensor> parts) throws ModelFormatException {
        if (parts.firstKey() != 0 || parts.lastKey() != parts.size() - 1) {
            throw new ModelFormatException("TF1 partitioned variable '" + name + "' has parts " + parts.keySet() + ", expected part_0 .. part_"
                    + (parts.size() - 1) + " without gaps");
        }
        int[] first = parts.firstEntry().getValue().shape();
        if (first.length == 0) {
            throw new ModelFormatException("TF1 partitioned variable '" + name + "' has scalar parts");
        }
        long rows = 0;
        long total = 0;
        for (Map.Entry<Integer, Tensor> p : parts.entrySet()) {
            int[] s = p.getValue().shape();
            if (s.length != first.length || !Arrays.equals(Arrays.copyOfRange(s, 1, s.length), Arrays.copyOfRange(first, 1, first.length))) {
                throw new ModelFormatException("TF1 partitioned variable '" + name + "': part_" + p.getKey() + " has shape " + Arrays.toString(s)
                        + ", part_0 " + Arrays.toString(first) + "; parts are joined along axis 0 and must agree on the other axes");
            }
            rows += s[0];
            total += p.getValue().size();
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new ModelFormatException("TF1 partitioned variable '" + name + "' joins to " + total + " values, over the 2^31 limit of one tensor");
        }
        float[] data = new float[(int) total];
        int at = 0;
        for (Tensor t : parts.values()) {
            System.arraycopy(t.data(), 0, data, at, t.size());
            at += t.size();
        }
        int[] shape = first.clone();
        shape[0] = (int) rows;
        return new Tensor(name, shape, data);
    }

    /**
     * The cell whose variables are under {@code scope} (e.g. {@code "rnn"}, the default scope of
     * {@code dynamic_rnn}), with TF1's default options.
     */
    public static RnnCell cell(Map<String, Tensor> vars, String scope) throws ModelFormatException {
        return cell(vars, scope, Options.defaults());
    }

    /** The cell (or stack) stored under {@code scope}, built with the options {@code o} (the variables do not record them). */
    public static RnnCell cell(Map<String, Tensor> vars, String scope, Options o) throws ModelFormatException {
        return cell(vars, scope, List.of(o), true);
    }

    /**
     * The cell under {@code scope} with one {@link Options} per layer of its {@code MultiRNNCell}
     * (layer k gets {@code perLayer.get(k)}); a single cell takes a list of one.
     *
     * @throws ModelFormatException when the list's length is not the number of layers, naming both
     */
    public static RnnCell cell(Map<String, Tensor> vars, String scope, List<Options> perLayer) throws ModelFormatException {
        return cell(vars, scope, perLayer, false);
    }

    private static RnnCell cell(Map<String, Tensor> vars, String scope, List<Options> perLayer, boolean shared) throws ModelFormatException {
        if (perLayer.isEmpty()) {
            throw new ModelFormatException("TF1 options: expected one Options per layer, got none");
        }
        Map<String, Tensor> v = normalized(vars);
        String p = scope.isEmpty() || scope.endsWith("/") ? scope : scope + "/";
        return at(v, p, perLayer, shared);
    }

    /** The (possibly wrapped, possibly stacked) cell whose variables start with {@code p}. */
    private static RnnCell at(Map<String, Tensor> v, String p, List<Options> perLayer, boolean shared) throws ModelFormatException {
        try {
            String w = p + "output_projection_wrapper/";
            if (v.containsKey(w + "kernel")) {
                RnnCell inner = at(v, w, perLayer, shared);
                Tensor k = need(v, w + "kernel");
                int size = dim(k, 1, 2);
                return ProjectionWrapper.output(inner, size, k.data(), optional(v, w + "bias"), wrapperActivation(p, perLayer));
            }
            w = p + "input_projection_wrapper/";
            if (v.containsKey(w + "kernel")) {
                RnnCell inner = at(v, w, perLayer, shared);
                Tensor k = need(v, w + "kernel");
                return ProjectionWrapper.input(inner, dim(k, 0, 2), k.data(), optional(v, w + "bias"), wrapperActivation(p, perLayer));
            }
            w = p + "embedding_wrapper/";
            if (v.containsKey(w + "embedding")) {
                RnnCell inner = at(v, w, perLayer, shared);
                Tensor e = need(v, w + "embedding");
                return new EmbeddingWrapper(inner, dim(e, 0, 2), dim(e, 1, 2), e.data());
            }
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("TF1 wrapper under '" + p + "': " + e.getMessage(), e);
        }
        if (has(v, p + "multi_rnn_cell/cell_0/")) {
            int layers = 0;
            while (has(v, p + "multi_rnn_cell/cell_" + layers + "/")) {
                layers++;
            }
            if (!shared && perLayer.size() != layers) {
                throw new ModelFormatException("TF1 options: " + perLayer.size() + " Options for the " + layers + " layers of " + p
                        + "multi_rnn_cell; expected one per layer");
            }
            List<RnnCell> cells = new ArrayList<>();
            for (int k = 0; k < layers; k++) {
                cells.add(at(v, p + "multi_rnn_cell/cell_" + k + "/", List.of(perLayer.get(shared ? 0 : k)), true));
            }
            try {
                return new MultiRnnCell(cells);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(p + "multi_rnn_cell: " + e.getMessage(), e);
            }
        }
        if (!shared && perLayer.size() != 1) {
            throw new ModelFormatException("TF1 options: " + perLayer.size() + " Options for the single cell under '" + p + "'; expected one");
        }
        return single(v, p, perLayer.get(0));
    }

    /** A wrapper outside a stack has one activation: the layers' options must agree on it. */
    private static Activation wrapperActivation(String p, List<Options> perLayer) throws ModelFormatException {
        Activation a = perLayer.get(0).wrapperActivation();
        for (Options o : perLayer) {
            if (!o.wrapperActivation().is(a)) {
                throw new ModelFormatException("TF1 options: the projection wrapper under '" + p + "' wraps the whole stack, but the layers' "
                        + "options give it different activations (" + a + " and " + o.wrapperActivation() + ")");
            }
        }
        return a;
    }

    private static float[] optional(Map<String, Tensor> v, String name) {
        Tensor t = v.get(name);
        return t == null ? null : t.data();
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
            if (v.containsKey(p + "lstm_cell/kernel") || v.containsKey(p + "lstm_fused_cell/kernel")) {
                String c = p + (v.containsKey(p + "lstm_cell/kernel") ? "lstm_cell/" : "lstm_fused_cell/");
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
            for (String scope : new String[] {"gru_cell/", "GRUBlockCell/"}) {
                String c = p + scope;
                if (v.containsKey(c + "w_ru")) {
                    if (!o.activation().is(Activation.TANH)) {
                        throw new ModelFormatException("TF1 GRUBlockCell under '" + c + "' always uses tanh; the options ask for " + o.activation());
                    }
                    Tensor gk = need(v, c + "w_ru");
                    Tensor ck = need(v, c + "w_c");
                    int units = dim(ck, 1, 2);
                    int in = dim(gk, 0, 2) - units;
                    return GruCell.tf1(in, units, gk.data(), need(v, c + "b_ru").data(), ck.data(), need(v, c + "b_c").data(), Activation.TANH);
                }
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
                + "lstm_fused_cell/kernel, " + p + "gru_cell/gates/kernel, " + p + "gru_cell/w_ru, " + p + "basic_rnn_cell/kernel, " + p
                + "multi_rnn_cell/cell_0/... or a wrapper scope (output_projection_wrapper/, input_projection_wrapper/, embedding_wrapper/) "
                + "(have " + v.keySet() + ")");
    }
}
