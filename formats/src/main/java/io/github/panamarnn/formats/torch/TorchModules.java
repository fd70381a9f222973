package io.github.panamarnn.formats.torch;

import io.github.panamarnn.formats.LoadOptions;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.formats.tensors.SafeTensors;
import io.github.panamarnn.formats.tensors.Tensor;

import io.github.panamarnn.model.Model;
import io.github.panamarnn.model.Dense;

import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.kernels.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * PyTorch modules from their {@code state_dict} names (SEMANTICS.md 6), whatever file they came
 * from ({@link SafeTensors}, {@link NumPy#readNpz}): {@code nn.LSTM} (with {@code proj_size}),
 * {@code nn.GRU} and {@code nn.RNN} with {@code num_layers}, and {@code nn.Linear} heads.
 * {@link #recurrent} gives a unidirectional stack as one cell; {@link TorchRecurrent} runs any module,
 * bidirectional ones included.
 */
public final class TorchModules {
    private TorchModules() {
    }

    /** The kind of recurrent module; {@link #detect} reads it from the shapes. */
    public enum Kind {
        /** {@code nn.LSTM}. */
        LSTM,
        /** {@code nn.GRU}. */
        GRU,
        /** {@code nn.RNN(nonlinearity='tanh')}. */
        RNN_TANH,
        /** {@code nn.RNN(nonlinearity='relu')}. */
        RNN_RELU
    }

    static Tensor need(Map<String, Tensor> sd, String name, String what) throws ModelFormatException {
        Tensor t = sd.get(name);
        if (t == null) {
            throw new ModelFormatException(what + ": tensor '" + name + "' is missing (have " + sd.keySet() + ")");
        }
        return t;
    }

    static void expectShape(Tensor t, int... shape) throws ModelFormatException {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException("tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
    }

    /**
     * LSTM when {@code weight_hr_l0} exists or the gate rows are 4x the hidden size, GRU at 3x, RNN at
     * 1x ({@code tanh}; pass {@link Kind#RNN_RELU} explicitly for relu, which the weights do not show).
     */
    public static Kind detect(Map<String, Tensor> sd, String prefix) throws ModelFormatException {
        Tensor hh = need(sd, prefix + "weight_hh_l0", "recurrent module '" + prefix + "'");
        if (sd.containsKey(prefix + "weight_hr_l0")) {
            return Kind.LSTM;
        }
        int[] s = hh.shape();
        if (s.length != 2 || s[1] == 0 || s[0] % s[1] != 0) {
            throw new ModelFormatException("tensor " + hh.name() + " has shape " + Arrays.toString(s) + ", expected [G*hidden, hidden]");
        }
        return switch (s[0] / s[1]) {
            case 4 -> Kind.LSTM;
            case 3 -> Kind.GRU;
            case 1 -> Kind.RNN_TANH;
            default -> throw new ModelFormatException("tensor " + hh.name() + " " + Arrays.toString(s)
                    + ": gate rows are " + s[0] / s[1] + "x the hidden size; expected 4 (LSTM), 3 (GRU) or 1 (RNN)");
        };
    }

    /** The recurrent module under {@code prefix} (e.g. {@code "lstm."}): one cell per layer, stacked. */
    public static RnnCell recurrent(Map<String, Tensor> sd, String prefix, Kind kind) throws ModelFormatException {
        if (sd.containsKey(prefix + "weight_ih_l0_reverse")) {
            throw new ModelFormatException("recurrent module '" + prefix + "' is bidirectional (" + prefix
                    + "weight_ih_l0_reverse): one cell cannot hold it; use TorchRecurrent.of");
        }
        int layers = 0;
        while (sd.containsKey(prefix + "weight_ih_l" + layers)) {
            layers++;
        }
        if (layers == 0) {
            throw new ModelFormatException("recurrent module '" + prefix + "': no " + prefix + "weight_ih_l0 (have " + sd.keySet() + ")");
        }
        List<RnnCell> cells = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            cells.add(layer(sd, prefix, kind, l, false));
        }
        try {
            return cells.size() == 1 ? cells.get(0) : new MultiRnnCell(cells);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("recurrent module '" + prefix + "': " + e.getMessage(), e);
        }
    }

    /** Layer {@code l} of the module under {@code prefix}, its reverse direction when {@code reverse}. */
    static RnnCell layer(Map<String, Tensor> sd, String prefix, Kind kind, int l, boolean reverse) throws ModelFormatException {
        int g = kind == Kind.LSTM ? 4 : kind == Kind.GRU ? 3 : 1;
        String s = "_l" + l + (reverse ? "_reverse" : "");
        Tensor ih = need(sd, prefix + "weight_ih" + s, prefix);
        Tensor hh = need(sd, prefix + "weight_hh" + s, prefix);
        Tensor hr = sd.get(prefix + "weight_hr" + s);
        for (Tensor t : new Tensor[] {ih, hh, hr}) {
            if (t != null && (t.shape().length != 2 || t.shape()[0] == 0 || t.shape()[1] == 0)) {
                throw new ModelFormatException("tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected a non-empty matrix");
            }
        }
        if (ih.shape()[0] % g != 0) {
            throw new ModelFormatException("tensor " + ih.name() + " has " + ih.shape()[0] + " rows, expected a multiple of " + g + " (the gates)");
        }
        Tensor bih = sd.get(prefix + "bias_ih" + s);
        Tensor bhh = sd.get(prefix + "bias_hh" + s);
        int hidden = ih.shape()[0] / g;
        int proj = hr == null ? 0 : hr.shape()[0];
        int in = ih.shape()[1];
        expectShape(ih, g * hidden, in);
        expectShape(hh, g * hidden, proj > 0 ? proj : hidden);
        if (hr != null) {
            expectShape(hr, proj, hidden);
        }
        if ((bih == null) != (bhh == null)) {
            throw new ModelFormatException(prefix + "layer " + l + ": bias_ih and bias_hh must both be present or both absent");
        }
        if (bih != null) {
            expectShape(bih, g * hidden);
            expectShape(bhh, g * hidden);
        }
        float[] bi = bih == null ? null : bih.data();
        float[] bh = bhh == null ? null : bhh.data();
        try {
            return switch (kind) {
                case LSTM -> LstmCell.torch(in, hidden, proj, ih.data(), hh.data(), bi, bh, hr == null ? null : hr.data());
                case GRU -> GruCell.torch(in, hidden, ih.data(), hh.data(), bi, bh);
                case RNN_TANH -> SimpleRnnCell.torch(in, hidden, ih.data(), hh.data(), bi, bh, Activation.TANH);
                case RNN_RELU -> SimpleRnnCell.torch(in, hidden, ih.data(), hh.data(), bi, bh, Activation.RELU);
            };
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(prefix + "layer " + l + (reverse ? " (reverse)" : "") + ": " + e.getMessage(), e);
        }
    }

    /** {@code nn.Linear} under {@code prefix} (e.g. {@code "head."}): {@code weight [out, in]}, optional {@code bias [out]}. */
    public static Dense linear(Map<String, Tensor> sd, String prefix) throws ModelFormatException {
        Tensor w = need(sd, prefix + "weight", "linear layer '" + prefix + "'");
        if (w.shape().length != 2) {
            throw new ModelFormatException("tensor " + w.name() + " has shape " + Arrays.toString(w.shape()) + ", expected [out, in]");
        }
        Tensor b = sd.get(prefix + "bias");
        int out = w.shape()[0];
        int in = w.shape()[1];
        if (b != null) {
            expectShape(b, out);
        }
        return Dense.transposed(in, out, w.data(), b == null ? null : b.data());
    }

    /**
     * A whole model from a state_dict as the zoo's modules are built: one recurrent module (found by
     * its {@code weight_ih_l0}), its output at the last step, and an {@code nn.Linear} head when the
     * state_dict has one whose input width matches ({@code <head>.weight [out, width]}). Bidirectional
     * layers concatenate their directions, as PyTorch does.
     */
    public static Model model(Map<String, Tensor> sd, String source) throws ModelFormatException {
        return model(sd, source, LoadOptions.DEFAULTS);
    }

    /**
     * {@link #model(Map, String)} with what the state_dict cannot say ({@link LoadOptions}): an
     * {@code nn.RNN}'s nonlinearity ({@code tanh} assumed, and listed in
     * {@link Model#assumptions()}, when not given).
     */
    public static Model model(Map<String, Tensor> sd, String source, LoadOptions options) throws ModelFormatException {
        List<String> prefixes = new ArrayList<>();
        for (String k : sd.keySet()) {
            if (k.endsWith("weight_ih_l0")) {
                prefixes.add(k.substring(0, k.length() - "weight_ih_l0".length()));
            }
        }
        if (prefixes.size() != 1) {
            throw new ModelFormatException(source + ": expected one recurrent module (a '<prefix>weight_ih_l0' tensor), found " + prefixes.size()
                    + (prefixes.isEmpty() ? " (have " + sd.keySet() + ")" : ": " + prefixes));
        }
        String prefix = prefixes.get(0);
        Kind kind = detect(sd, prefix);
        List<String> assumed = new ArrayList<>();
        LoadOptions.TorchNonlinearity nl = options.torchNonlinearity();
        if (kind == Kind.RNN_TANH) {
            if (nl == LoadOptions.TorchNonlinearity.RELU) {
                kind = Kind.RNN_RELU;
            } else if (nl == null) {
                assumed.add("nn.RNN nonlinearity: tanh (PyTorch's default; a state_dict does not record it, say relu if the module was "
                        + "built with nonlinearity='relu')");
            }
        } else if (nl != null) {
            throw new ModelFormatException(source + ": a nonlinearity (" + nl.name().toLowerCase(java.util.Locale.ROOT) + ") was given, but the "
                    + "recurrent module '" + prefix + "' is an nn." + kind + ", not an nn.RNN; only nn.RNN has that option");
        }
        boolean bidirectional = sd.containsKey(prefix + "weight_ih_l0_reverse");
        List<Model.Layer> layers = new ArrayList<>();
        for (int l = 0; sd.containsKey(prefix + "weight_ih_l" + l); l++) {
            RnnCell fw = layer(sd, prefix, kind, l, false);
            RnnCell bw = bidirectional ? layer(sd, prefix, kind, l, true) : null;
            long params = 0;
            for (String sfx : bidirectional ? new String[] {"_l" + l, "_l" + l + "_reverse"} : new String[] {"_l" + l}) {
                for (String w : new String[] {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"}) {
                    Tensor t = sd.get(prefix + w + sfx);
                    params += t == null ? 0 : t.size();
                }
            }
            String desc = "torch " + kind + " layer " + l + ", hidden " + (fw instanceof io.github.panamarnn.cells.LstmCell lc ? lc.units() : fw.outputSize())
                    + (fw.outputSize() != sd.get(prefix + "weight_ih_l" + l).shape()[0] / (kind == Kind.LSTM ? 4 : kind == Kind.GRU ? 3 : 1)
                    ? ", proj_size " + fw.outputSize() : "") + (bidirectional ? ", bidirectional" : "");
            layers.add(new Model.Recurrent(prefix + "l" + l, desc, fw, bw, bidirectional ? io.github.panamarnn.unroll.LayeredRunner.Merge.CONCAT : null,
                    true, io.github.panamarnn.unroll.SequenceRunner.Order.FORWARD, false, false, params));
        }
        layers.add(new Model.LastStep("last step"));
        int width = ((Model.Recurrent) layers.get(layers.size() - 2)).outputWidth();
        // Every tensor outside the recurrent module must be the head: one nn.Linear [out, width] (+ bias [out]) on the last step.
        // Anything else (another module, a head of the wrong rank or width) is refused, never dropped: dropping it would
        // print the recurrent state as if it were the model's output.
        List<String> others = new ArrayList<>();
        for (String k : sd.keySet()) {
            if (!k.startsWith(prefix)) {
                others.add(k);
            }
        }
        if (!others.isEmpty()) {
            String head = null;
            for (String k : others) {
                if (k.endsWith("weight")) {
                    head = k.substring(0, k.length() - "weight".length());
                }
            }
            List<String> expected = head == null ? List.of() : List.of(head + "weight", head + "bias");
            for (String k : others) {
                if (!expected.contains(k)) {
                    throw new ModelFormatException(source + ": tensor '" + k + "' is neither in the recurrent module '" + prefix + "' nor an "
                            + "nn.Linear head (one '<name>.weight' [out, " + width + "] and its bias); this loader reads one recurrent module, its "
                            + "last step and such a head");
                }
            }
            Tensor w = sd.get(head + "weight");
            if (w.shape().length != 2 || w.shape()[1] != width || w.shape()[0] == 0) {
                throw new ModelFormatException(source + ": head tensor '" + w.name() + "' has shape " + Arrays.toString(w.shape()) + ", expected [out, "
                        + width + "] (an nn.Linear on the recurrent module's " + width + " outputs)");
            }
            layers.add(new Model.Pointwise(head.isEmpty() ? "linear" : head.substring(0, head.length() - 1), linear(sd, head),
                    Activation.LINEAR));
        }
        try {
            return new Model(source, layers.get(0) instanceof Model.Recurrent r ? r.forward().inputSize() : 0, 0, layers, assumed);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": " + e.getMessage(), e);
        }
    }
}
