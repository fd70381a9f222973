package io.github.panamarnn.formats.onnx;

import static io.github.panamarnn.formats.onnx.OnnxSession.clampAxis;
import static io.github.panamarnn.formats.onnx.OnnxSession.intAttr;
import static io.github.panamarnn.formats.onnx.OnnxSession.longs;

import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.model.Dense;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.unroll.LayeredRunner.Merge;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An ONNX graph made of recurrent nodes and the glue exporters emit around them, compiled to the layers of a
 * {@link Model}, so that it streams one tick at a time and runs with no allocation per call. The compiler
 * interprets the graph over abstract values:
 * <ul>
 *   <li>constants: initializers, {@code Constant} and any node whose inputs are all constants, folded by the
 *       interpreter itself ({@link OnnxSession#execute});</li>
 *   <li>shape vectors whose entries may be the batch or the time size ({@code Shape} of the data, then {@code Gather},
 *       {@code Unsqueeze}, {@code Concat}, {@code Slice}, {@code Squeeze}, {@code Cast}: data movement only);</li>
 *   <li>zeros: {@code ConstantOfShape} of value 0 (and slices, transposes and reshapes of it): an initial state that
 *       equals the layers' zero state;</li>
 *   <li>the data: a chain of layers so far and the meaning of each axis (batch, time, features, the direction axis of a
 *       bidirectional node, or a size-1 axis), moved by {@code Transpose}, {@code Squeeze}, {@code Unsqueeze} and
 *       {@code Reshape} (size-1 axes dropped or inserted, the direction axis merged into the features right after it:
 *       the {@code [.., 2, h]} to {@code [.., 2h]} that torch.onnx writes after a bidirectional node), taken at the last
 *       step by {@code Gather} or {@code Slice}, extended by {@code LSTM}/{@code GRU}/{@code RNN} (forward, reverse or
 *       bidirectional, no {@code sequence_lens}, zero or absent initial state; {@code Y} every step's outputs,
 *       {@code Y_h} each direction's final output), {@code Gemm}/{@code MatMul} with constant weights, {@code Add} of a
 *       constant bias and {@code Relu}/{@code Tanh}/{@code Sigmoid} after them.</li>
 * </ul>
 * Anything else (another op on the data, a non-zero initial state, two graph outputs, {@code Y_c}, a reshape that mixes
 * the batch or time into another axis) is refused, naming the node: such a graph runs in {@link OnnxSession}. A
 * compiled model is checked once against the
 * interpreter on a random probe input before it is returned (batch 2 and 3 steps, or the sizes the input declares), so
 * a pattern the compiler misreads is refused, never run.
 */
final class OnnxCompiler {
    /** Axis meanings of the data. */
    private static final int BATCH = 0;
    private static final int TIME = 1;
    private static final int FEAT = 2;
    private static final int ONE = 3;
    /** The direction axis of a bidirectional node's outputs (size 2); merged into the features by a Reshape. */
    private static final int DIR = 4;
    /** Shape entries standing for the batch and the time size in a shape vector (never a real size). */
    private static final long SYM_BATCH = -7_000_001L;
    private static final long SYM_TIME = -7_000_002L;

    private sealed interface Value permits Known, Zeros, Data, Unusable {
    }

    /** A constant; {@code symbolic} when it holds batch or time entries (then only data movement may touch it). */
    private record Known(OnnxValue t, boolean symbolic) implements Value {
    }

    private record Zeros() implements Value {
    }

    /** An output the layers cannot give (an LSTM's Y_c): an error only if something reads it. */
    private record Unusable(String why) implements Value {
    }

    /**
     * The data: the layers so far, each axis's meaning, the feature width; {@code dense} when the last layer is a dense
     * layer this compiler made (so a following bias or activation folds into it).
     */
    private record Data(List<Model.Layer> layers, int[] axes, int width, DenseSpec dense) implements Value {
        Data with(Model.Layer l, int[] newAxes, int newWidth, DenseSpec d) {
            List<Model.Layer> ls = new ArrayList<>(layers);
            ls.add(l);
            return new Data(ls, newAxes, newWidth, d);
        }

        Data replaceLast(Model.Layer l, DenseSpec d) {
            List<Model.Layer> ls = new ArrayList<>(layers);
            ls.set(ls.size() - 1, l);
            return new Data(ls, axes, width, d);
        }

        Data axes(int[] a) {
            return new Data(layers, a, width, dense);
        }
    }

    private record DenseSpec(String name, int in, int out, float[] kernel, float[] bias, Activation activation) {
        Model.Pointwise layer() {
            return new Model.Pointwise(name, Dense.of(in, out, kernel, bias), activation);
        }
    }

    /** Thrown when the graph is not of the compiled kind; the message names the node and why. */
    static final class NotCompilable extends Exception {
        private static final long serialVersionUID = 1L;

        NotCompilable(String message) {
            super(message);
        }
    }

    private final OnnxModel model;
    private final OnnxSession session;
    private final Map<String, Value> values = new HashMap<>();

    private OnnxCompiler(OnnxModel model, OnnxSession session) {
        this.model = model;
        this.session = session;
    }

    /** {@code model} as layers, checked against {@code session} (the interpreter of the same model) on a probe input. */
    static Model compile(OnnxModel model, OnnxSession session) throws NotCompilable {
        return new OnnxCompiler(model, session).compile();
    }

    private Model compile() throws NotCompilable {
        List<OnnxModel.ValueInfo> inputs = new ArrayList<>();
        for (OnnxModel.ValueInfo in : model.inputs()) {
            if (!model.initializers().containsKey(in.name())) {
                inputs.add(in);
            }
        }
        if (inputs.size() != 1 || model.outputs().size() != 1) {
            throw new NotCompilable("the graph has " + inputs.size() + " inputs and " + model.outputs().size() + " outputs; layers take one of each");
        }
        OnnxModel.ValueInfo input = inputs.get(0);
        int[] dims = input.dims();
        if (dims == null || dims.length != 3 || dims[2] < 1) {
            throw new NotCompilable("input '" + input.name() + "' has dims " + (dims == null ? "none" : Arrays.toString(dims))
                    + "; layers read [batch, time, features] with a known number of features");
        }
        for (Map.Entry<String, OnnxValue> e : model.initializers().entrySet()) {
            values.put(e.getKey(), new Known(e.getValue(), false));
        }
        values.put(input.name(), new Data(List.of(), new int[] {BATCH, TIME, FEAT}, dims[2], null));
        for (OnnxModel.Node n : model.nodes()) {
            node(n);
        }
        Value out = values.get(model.outputs().get(0).name());
        if (!(out instanceof Data d) || d.layers().isEmpty()) {
            throw new NotCompilable("the graph output '" + model.outputs().get(0).name() + "' is not computed from the input by layers");
        }
        boolean sequence = Arrays.equals(d.axes(), new int[] {BATCH, TIME, FEAT});
        if (!sequence && !Arrays.equals(d.axes(), new int[] {BATCH, FEAT})) {
            throw new NotCompilable("the graph output '" + model.outputs().get(0).name() + "' has axes " + names(d.axes())
                    + "; layers give [batch, features] or [batch, time, features]");
        }
        Model m;
        try {
            m = new Model("ONNX " + model.source() + " (ir_version " + model.irVersion() + ", opset " + model.opset() + ", producer '"
                    + model.producer() + "'; " + model.nodes().size() + " nodes compiled to layers)", dims[2], Math.max(0, dims[1]), d.layers());
        } catch (IllegalArgumentException e) {
            throw new NotCompilable("the layers do not chain: " + e.getMessage());
        }
        probe(m, input, dims);
        return m;
    }

    /** Runs the compiled model and the interpreter on one random input: they must agree (1e-4 absolute and relative). */
    private void probe(Model m, OnnxModel.ValueInfo input, int[] dims) throws NotCompilable {
        int batch = dims[0] > 0 ? dims[0] : 2;
        int steps = dims[1] > 0 ? dims[1] : 3;
        float[] x = new float[batch * steps * dims[2]];
        SplittableRandom r = new SplittableRandom(0x5052);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1.5, 1.5);
        }
        float[] theirs;
        try {
            theirs = session.run(Map.of(input.name(), OnnxValue.of(input.name(), x, batch, steps, dims[2]))).get(model.outputs().get(0).name()).floats();
        } catch (RuntimeException e) {
            throw new NotCompilable("the interpreter cannot run a probe of [" + batch + ", " + steps + ", " + dims[2] + "]: " + e.getMessage());
        }
        float[] ours = new float[m.outputLength(batch, steps)];
        m.newSession(batch, steps).run(x, steps, ours);
        if (theirs == null || theirs.length != ours.length) {
            throw new NotCompilable("the layers give " + ours.length + " values for a probe, the interpreter " + (theirs == null ? "none" : theirs.length));
        }
        for (int i = 0; i < ours.length; i++) {
            if (!(Math.abs(ours[i] - theirs[i]) <= 1e-4 + 1e-4 * Math.abs(theirs[i]))) {
                throw new NotCompilable("the layers disagree with the interpreter on a probe (value " + i + ": " + ours[i] + " vs " + theirs[i] + ")");
            }
        }
    }

    private Value in(OnnxModel.Node n, int i) {
        if (i >= n.inputs().size() || n.inputs().get(i).isEmpty()) {
            return null;
        }
        return values.get(n.inputs().get(i));
    }

    private void out(OnnxModel.Node n, int i, Value v) {
        if (i < n.outputs().size() && !n.outputs().get(i).isEmpty()) {
            values.put(n.outputs().get(i), v);
        }
    }

    private static NotCompilable refuse(OnnxModel.Node n, String why) {
        return new NotCompilable("node '" + n.name() + "' (" + n.opType() + "): " + why);
    }

    private void node(OnnxModel.Node n) throws NotCompilable {
        boolean allKnown = true;
        boolean symbolic = false;
        for (int i = 0; i < n.inputs().size(); i++) {
            Value v = in(n, i);
            if (n.inputs().get(i).isEmpty()) {
                continue;
            }
            if (v instanceof Unusable u) {
                throw refuse(n, "it reads " + n.inputs().get(i) + ", " + u.why());
            }
            allKnown &= v instanceof Known;
            symbolic |= v instanceof Known k && k.symbolic();
        }
        if (allKnown && symbolic && n.opType().equals("ConstantOfShape")) {
            x0Zeros(n);
            return;
        }
        if (allKnown && !n.opType().equals("Shape") && !isRecurrent(n)) {
            fold(n, symbolic);
            return;
        }
        Value x = in(n, 0);
        switch (n.opType()) {
            case "ConstantOfShape" -> x0Zeros(n);
            case "Identity", "Dropout", "Cast" -> {
                if (n.opType().equals("Cast") && x instanceof Data && n.attributes().containsKey("to") && n.attributes().get("to").i() != OnnxModel.FLOAT) {
                    throw refuse(n, "casts the data to type " + n.attributes().get("to").i());
                }
                out(n, 0, x);
            }
            case "Shape" -> {
                if (x instanceof Known k) {
                    fold(n, k.symbolic());
                } else if (x instanceof Data d) {
                    long[] s = sizes(d);
                    int start = (int) clampAxis(intAttr(n, "start", 0), s.length);
                    int end = (int) clampAxis(intAttr(n, "end", s.length), s.length);
                    long[] o = Arrays.copyOfRange(s, start, Math.max(start, end));
                    out(n, 0, new Known(OnnxValue.ofLongs(null, o, o.length), true));
                } else {
                    throw refuse(n, "the shape of zeros of an unknown size");
                }
            }
            case "Transpose", "Squeeze", "Unsqueeze", "Slice", "Reshape", "Gather" -> {
                if (x instanceof Zeros) {
                    out(n, 0, x);
                } else if (x instanceof Data d) {
                    out(n, 0, move(n, d));
                } else {
                    throw refuse(n, "its input is neither constant nor the data");
                }
            }
            case "LSTM", "GRU", "RNN" -> recurrent(n);
            case "Gemm" -> gemm(n, x);
            case "MatMul" -> {
                Data d = data(n, x);
                Known w = known(n, in(n, 1));
                if (w.t().rank() != 2 || w.t().shape()[0] != d.width() || !w.t().isFloat()) {
                    throw refuse(n, "weights " + w.t() + " for " + d.width() + " features");
                }
                int outW = w.t().shape()[1];
                DenseSpec spec = new DenseSpec(n.name(), d.width(), outW, w.t().floats().clone(), new float[outW], Activation.LINEAR);
                out(n, 0, d.with(spec.layer(), d.axes(), outW, spec));
            }
            case "Add" -> {
                Value a = x;
                Value b = in(n, 1);
                Data d = a instanceof Data da ? da : b instanceof Data db ? db : null;
                Known k = a instanceof Known ka ? ka : b instanceof Known kb ? kb : null;
                if (d == null || k == null || d.dense() == null || d.dense().activation() != Activation.LINEAR || !k.t().isFloat()) {
                    throw refuse(n, "only a constant bias added right after a MatMul or Gemm compiles");
                }
                float[] add = broadcastRow(n, k.t(), d.width());
                float[] bias = d.dense().bias().clone();
                for (int j = 0; j < bias.length; j++) {
                    bias[j] += add[j];
                }
                DenseSpec spec = new DenseSpec(d.dense().name(), d.dense().in(), d.dense().out(), d.dense().kernel(), bias, Activation.LINEAR);
                out(n, 0, d.replaceLast(spec.layer(), spec));
            }
            case "Relu", "Tanh", "Sigmoid" -> {
                Data d = data(n, x);
                if (d.dense() == null || d.dense().activation() != Activation.LINEAR) {
                    throw refuse(n, "an activation compiles only right after a MatMul or Gemm");
                }
                Activation act = switch (n.opType()) {
                    case "Relu" -> Activation.RELU;
                    case "Tanh" -> Activation.TANH;
                    default -> Activation.SIGMOID;
                };
                DenseSpec spec = new DenseSpec(d.dense().name(), d.dense().in(), d.dense().out(), d.dense().kernel(), d.dense().bias(), act);
                out(n, 0, d.replaceLast(spec.layer(), spec));
            }
            default -> throw refuse(n, "this op on the data does not compile to layers");
        }
    }

    /** ConstantOfShape of a size that depends on the batch or time: zeros (any other fill value is refused). */
    private void x0Zeros(OnnxModel.Node n) throws NotCompilable {
        OnnxModel.Attribute a = n.attributes().get("value");
        if (a != null && a.t() != null && !allZero(a.t())) {
            throw refuse(n, "fills with " + a.t() + ", not zeros");
        }
        out(n, 0, new Zeros());
    }

    private static boolean isRecurrent(OnnxModel.Node n) {
        return n.opType().equals("LSTM") || n.opType().equals("GRU") || n.opType().equals("RNN");
    }

    /** Runs a node whose inputs are all constants in the interpreter; a symbolic input allows data movement only. */
    private void fold(OnnxModel.Node n, boolean symbolic) throws NotCompilable {
        if (symbolic && !List.of("Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Identity", "Cast", "Reshape").contains(n.opType())) {
            throw refuse(n, "it computes with the batch or time size, which layers do not");
        }
        Map<String, OnnxValue> v = new HashMap<>();
        for (String name : n.inputs()) {
            if (!name.isEmpty()) {
                v.put(name, ((Known) values.get(name)).t());
            }
        }
        try {
            session.execute(n, v);
        } catch (RuntimeException e) {
            throw refuse(n, "folding its constants failed: " + e.getMessage());
        }
        for (int i = 0; i < n.outputs().size(); i++) {
            String o = n.outputs().get(i);
            if (!o.isEmpty() && v.containsKey(o)) {
                values.put(o, new Known(v.get(o), symbolic));
            }
        }
    }

    private Data data(OnnxModel.Node n, Value v) throws NotCompilable {
        if (v instanceof Data d) {
            return d;
        }
        throw refuse(n, "expected the data as its first input");
    }

    private Known known(OnnxModel.Node n, Value v) throws NotCompilable {
        if (v instanceof Known k && !k.symbolic()) {
            return k;
        }
        throw refuse(n, "expected constant weights");
    }

    /** Transpose, Squeeze, Unsqueeze, Slice, Reshape and Gather of the data: axes moved, or the last step taken. */
    private Data move(OnnxModel.Node n, Data d) throws NotCompilable {
        int[] axes = d.axes();
        int r = axes.length;
        switch (n.opType()) {
            case "Transpose" -> {
                long[] perm = n.attributes().containsKey("perm") ? n.attributes().get("perm").ints() : null;
                int[] o = new int[r];
                for (int i = 0; i < r; i++) {
                    o[i] = axes[perm == null ? r - 1 - i : (int) perm[i]];
                }
                return d.axes(o);
            }
            case "Squeeze", "Unsqueeze" -> {
                long[] list = axesArg(n);
                if (list == null) {
                    throw refuse(n, "without axes its result depends on the batch size");
                }
                if (n.opType().equals("Squeeze")) {
                    List<Integer> keep = new ArrayList<>();
                    boolean[] drop = new boolean[r];
                    for (long a : list) {
                        int ax = (int) clampAxis(a, r);
                        if (axes[ax] != ONE) {
                            throw refuse(n, "squeezes the " + names(new int[] {axes[ax]}) + " axis");
                        }
                        drop[ax] = true;
                    }
                    for (int i = 0; i < r; i++) {
                        if (!drop[i]) {
                            keep.add(axes[i]);
                        }
                    }
                    return d.axes(keep.stream().mapToInt(Integer::intValue).toArray());
                }
                int outR = r + list.length;
                int[] o = new int[outR];
                Arrays.fill(o, -1);
                for (long a : list) {
                    o[(int) clampAxis(a, outR)] = ONE;
                }
                for (int i = 0, j = 0; i < outR; i++) {
                    if (o[i] == -1) {
                        o[i] = axes[j++];
                    }
                }
                return d.axes(o);
            }
            case "Gather" -> {
                Known idx = known(n, in(n, 1));
                int ax = (int) clampAxis(intAttr(n, "axis", 0), r);
                if (idx.t().size() != 1) {
                    throw refuse(n, "gathers " + idx.t().size() + " entries");
                }
                long i = idx.t().longAt(0);
                int[] o = idx.t().rank() == 0 ? remove(axes, ax) : replace(axes, ax, ONE);
                if (axes[ax] == ONE && (i == 0 || i == -1)) {
                    return d.axes(o);
                }
                if (axes[ax] == TIME && i == -1) {
                    return d.with(new Model.LastStep(n.name()), o, d.width(), null);
                }
                throw refuse(n, "gathers entry " + i + " of the " + names(new int[] {axes[ax]}) + " axis (only the last step compiles)");
            }
            case "Slice" -> {
                long[] starts = longs(known(n, in(n, 1)).t());
                long[] ends = longs(known(n, in(n, 2)).t());
                Value av = in(n, 3);
                Value sv = in(n, 4);
                long[] sliceAxes = av == null ? null : longs(known(n, av).t());
                long[] steps = sv == null ? null : longs(known(n, sv).t());
                Data cur = d;
                for (int j = 0; j < starts.length; j++) {
                    int ax = (int) clampAxis(sliceAxes == null ? j : sliceAxes[j], r);
                    long st = steps == null ? 1 : steps[j];
                    boolean whole = starts[j] == 0 && ends[j] >= Integer.MAX_VALUE && st == 1;
                    boolean last = starts[j] == -1 && ends[j] >= Integer.MAX_VALUE && st == 1;
                    if (whole || axes[ax] == ONE && (last || starts[j] == 0 && ends[j] >= 1 && st == 1)) {
                        continue;
                    }
                    if (axes[ax] == TIME && last) {
                        cur = cur.with(new Model.LastStep(n.name()), replace(cur.axes(), ax, ONE), cur.width(), null);
                        continue;
                    }
                    throw refuse(n, "slices [" + starts[j] + ", " + ends[j] + ") step " + st + " of the " + names(new int[] {axes[ax]})
                            + " axis (only the whole axis or its last step compiles)");
                }
                return cur;
            }
            case "Reshape" -> {
                return reshape(n, d);
            }
            default -> throw refuse(n, "moves the data in a way layers do not");
        }
    }

    /** Each axis's size: the batch and time as their symbols, the direction axis 2, the features per direction. */
    private static long[] sizes(Data d) {
        int[] axes = d.axes();
        boolean dirs = false;
        for (int a : axes) {
            dirs |= a == DIR;
        }
        long[] s = new long[axes.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = switch (axes[i]) {
                case BATCH -> SYM_BATCH;
                case TIME -> SYM_TIME;
                case FEAT -> dirs ? d.width() / 2 : d.width();
                case DIR -> 2;
                default -> 1;
            };
        }
        return s;
    }

    /**
     * A Reshape of the data that only drops or inserts size-1 axes and merges the direction axis into the features right
     * after it ({@code [.., directions, features]} to {@code [.., directions * features]}: both directions side by side,
     * as a bidirectional layer's concatenated output). Anything that mixes the batch or time into another axis, or puts
     * the features before the direction, is refused.
     */
    private Data reshape(OnnxModel.Node n, Data d) throws NotCompilable {
        if (!(in(n, 1) instanceof Known k)) {
            throw refuse(n, "its target shape is computed from the data");
        }
        if (k.t().size() > 8) {
            // The data has at most five axes; a longer target cannot hold them and would only make the matching search long.
            throw refuse(n, "reshapes the data to " + k.t().size() + " axes");
        }
        long[] target = longs(k.t()).clone();
        long[] size = sizes(d);
        int[] axes = d.axes();
        boolean allowZero = intAttr(n, "allowzero", 0) != 0;
        int inferred = -1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == 0 && !allowZero) {
                if (i >= size.length) {
                    throw refuse(n, "copies axis " + i + " of a " + size.length + "-axis input");
                }
                target[i] = size[i];
            } else if (target[i] == -1) {
                if (inferred >= 0) {
                    throw refuse(n, "infers two axes");
                }
                inferred = i;
            } else if (target[i] < 1 && target[i] != SYM_BATCH && target[i] != SYM_TIME) {
                throw refuse(n, "target entry " + target[i]);
            }
        }
        int[] out = match(target, 0, axes, size, 0, new int[target.length]);
        if (out == null) {
            throw refuse(n, "the target " + Arrays.toString(longs(k.t())) + " does not hold the data's axes " + names(axes)
                    + " (layers allow size-1 axes dropped or inserted and the direction axis merged into the features after it)");
        }
        return d.axes(out);
    }

    /**
     * The meaning of each target entry from {@code ti} on, matched to consecutive groups of input axes from {@code ai}
     * on (shortest groups first, backtracking), or null when no matching exists.
     */
    private static int[] match(long[] target, int ti, int[] axes, long[] size, int ai, int[] out) {
        if (ti == target.length) {
            for (int i = ai; i < axes.length; i++) {
                if (axes[i] != ONE) {
                    return null;
                }
            }
            return out;
        }
        for (int e = ai; e <= axes.length; e++) {
            int kind = groupKind(axes, size, ai, e, target[ti]);
            if (kind >= 0) {
                out[ti] = kind;
                if (match(target, ti + 1, axes, size, e, out) != null) {
                    return out;
                }
            }
        }
        return null;
    }

    /**
     * The meaning of input axes {@code [from, to)} as one target entry of size {@code want} (-1: inferred), or -1 when
     * they cannot be one: size-1 axes alone, the batch or the time alone, or the direction, the features, or the
     * direction followed by the features (merged: both directions side by side); size-1 axes may join any group.
     */
    private static int groupKind(int[] axes, long[] size, int from, int to, long want) {
        int[] kinds = new int[2];
        int count = 0;
        long product = 1;
        for (int i = from; i < to; i++) {
            if (axes[i] == ONE) {
                continue;
            }
            if (count == 2) {
                return -1;
            }
            kinds[count++] = axes[i];
            product *= size[i];
        }
        if (count == 0) {
            return want == 1 || want == -1 ? ONE : -1;
        }
        if (count == 1 && (kinds[0] == BATCH || kinds[0] == TIME)) {
            return want == (kinds[0] == BATCH ? SYM_BATCH : SYM_TIME) || want == -1 ? kinds[0] : -1;
        }
        boolean numeric = count == 1 || kinds[0] == DIR && kinds[1] == FEAT;
        if (!numeric || kinds[0] == BATCH || kinds[0] == TIME) {
            return -1;
        }
        if (want != product && want != -1) {
            return -1;
        }
        return count == 2 || kinds[0] == FEAT ? FEAT : DIR;
    }

    private long[] axesArg(OnnxModel.Node n) throws NotCompilable {
        if (n.attributes().containsKey("axes")) {
            return n.attributes().get("axes").ints();
        }
        Value a = in(n, 1);
        return a == null ? null : longs(known(n, a).t());
    }

    private void recurrent(OnnxModel.Node n) throws NotCompilable {
        RnnCell[] cells = session.cellsOf(n);
        if (cells == null) {
            throw refuse(n, "its weights are computed, not initializers");
        }
        String direction = n.attributes().containsKey("direction") ? n.attributes().get("direction").s() : "forward";
        if (!List.of("forward", "reverse", "bidirectional").contains(direction)) {
            throw refuse(n, "direction " + direction);
        }
        if (in(n, 4) != null) {
            throw refuse(n, "sequence_lens (layers run every step of every row)");
        }
        for (int i = 5; i <= 6; i++) {
            Value s = in(n, i);
            if (s != null && !(s instanceof Zeros) && !(s instanceof Known k && !k.symbolic() && k.t().isFloat() && allZero(k.t()))) {
                throw refuse(n, (i == 5 ? "initial_h" : "initial_c") + " is not zeros (layers start from the zero state)");
            }
        }
        Data x = data(n, in(n, 0));
        int layout = (int) intAttr(n, "layout", 0);
        int[] want = layout == 0 ? new int[] {TIME, BATCH, FEAT} : new int[] {BATCH, TIME, FEAT};
        if (!Arrays.equals(x.axes(), want)) {
            throw refuse(n, "X has axes " + names(x.axes()) + ", layout " + layout + " reads " + names(want));
        }
        RnnCell cell = cells[0];
        if (cell.inputSize() != x.width()) {
            throw refuse(n, "reads " + cell.inputSize() + " features, the data has " + x.width());
        }
        long params = 0;
        for (int i = 1; i <= 3; i++) {
            Value w = in(n, i);
            params += w instanceof Known k ? k.t().size() : 0;
        }
        int h = cell.outputSize();
        boolean bi = direction.equals("bidirectional");
        Order order = direction.equals("reverse") ? Order.REVERSE_WITHIN_LENGTH : Order.FORWARD;
        String desc = "ONNX " + n.opType() + "(" + h + ")" + (bi ? ", bidirectional" : order == Order.FORWARD ? "" : ", reverse");
        int dir = bi ? DIR : ONE;
        int width = bi ? 2 * h : h;
        RnnCell backward = bi ? cells[1] : null;
        Merge merge = bi ? Merge.CONCAT : null;
        // Y: every step's outputs, [time, directions, batch, features] (layout 1: [batch, time, directions, features]).
        Model.Recurrent rec = new Model.Recurrent(n.name(), desc, cell, backward, merge, true, order, false, false, params);
        out(n, 0, x.with(rec, layout == 0 ? new int[] {TIME, dir, BATCH, FEAT} : new int[] {BATCH, TIME, dir, FEAT}, width, null));
        // Y_h: each direction's final output, [directions, batch, features] (layout 1: [batch, directions, features]): the
        // same layer without its sequence (a reverse direction ends at time 0, not at the last step).
        Model.Recurrent last = new Model.Recurrent(n.name() + "/Y_h", desc, cell, backward, merge, false, order, false, false,
                params);
        out(n, 1, x.with(last, layout == 0 ? new int[] {dir, BATCH, FEAT} : new int[] {BATCH, dir, FEAT}, width, null));
        out(n, 2, new Unusable("the cell state Y_c, which layers do not output"));
    }

    private void gemm(OnnxModel.Node n, Value x) throws NotCompilable {
        Data d = data(n, x);
        if (!Arrays.equals(d.axes(), new int[] {BATCH, FEAT})) {
            throw refuse(n, "A has axes " + names(d.axes()) + ", expected [batch, features]");
        }
        if (intAttr(n, "transA", 0) != 0) {
            throw refuse(n, "transA = 1 on the data");
        }
        Known b = known(n, in(n, 1));
        boolean transB = intAttr(n, "transB", 0) != 0;
        if (b.t().rank() != 2 || !b.t().isFloat() || b.t().shape()[transB ? 1 : 0] != d.width()) {
            throw refuse(n, "B " + b.t() + " for " + d.width() + " features" + (transB ? " (transB)" : ""));
        }
        int outW = b.t().shape()[transB ? 0 : 1];
        float alpha = n.attributes().containsKey("alpha") ? n.attributes().get("alpha").f() : 1f;
        float beta = n.attributes().containsKey("beta") ? n.attributes().get("beta").f() : 1f;
        float[] kernel = new float[d.width() * outW];
        float[] w = b.t().floats();
        for (int i = 0; i < d.width(); i++) {
            for (int j = 0; j < outW; j++) {
                kernel[i * outW + j] = alpha * (transB ? w[j * d.width() + i] : w[i * outW + j]);
            }
        }
        float[] bias = new float[outW];
        Value c = in(n, 2);
        if (c != null) {
            float[] row = broadcastRow(n, known(n, c).t(), outW);
            for (int j = 0; j < outW; j++) {
                bias[j] = beta * row[j];
            }
        }
        DenseSpec spec = new DenseSpec(n.name(), d.width(), outW, kernel, bias, Activation.LINEAR);
        out(n, 0, d.with(spec.layer(), d.axes(), outW, spec));
    }

    /** A constant that broadcasts to one row of {@code width} (size {@code width} or 1, every other dimension 1). */
    private static float[] broadcastRow(OnnxModel.Node n, OnnxValue t, int width) throws NotCompilable {
        if (!t.isFloat() || t.size() != width && t.size() != 1) {
            throw refuse(n, "the constant " + t + " is not one row of " + width);
        }
        for (int i = 0; i < t.rank() - 1; i++) {
            if (t.shape()[i] != 1) {
                throw refuse(n, "the constant " + t + " varies along another axis than the features");
            }
        }
        float[] row = new float[width];
        for (int j = 0; j < width; j++) {
            row[j] = t.floats()[t.size() == 1 ? 0 : j];
        }
        return row;
    }

    private static boolean allZero(OnnxValue t) {
        for (int i = 0; i < t.size(); i++) {
            if (t.isFloat() ? t.floats()[i] != 0f : t.longAt(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static int[] remove(int[] a, int i) {
        int[] o = new int[a.length - 1];
        System.arraycopy(a, 0, o, 0, i);
        System.arraycopy(a, i + 1, o, i, a.length - i - 1);
        return o;
    }

    private static int[] replace(int[] a, int i, int v) {
        int[] o = a.clone();
        o[i] = v;
        return o;
    }

    private static String names(int[] axes) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < axes.length; i++) {
            s.append(i == 0 ? "" : ", ").append(switch (axes[i]) {
                case BATCH -> "batch";
                case TIME -> "time";
                case FEAT -> "features";
                case DIR -> "directions";
                default -> "1";
            });
        }
        return s.append(']').toString();
    }
}
