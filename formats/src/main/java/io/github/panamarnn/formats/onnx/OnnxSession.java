package io.github.panamarnn.formats.onnx;

import io.github.panamarnn.formats.ModelFormatException;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.unroll.LayeredRunner;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import io.github.panamarnn.unroll.SequenceRunner.Padding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs an {@link OnnxModel}: the recurrent nodes {@code LSTM}, {@code GRU} and {@code RNN} with every
 * attribute of SEMANTICS.md 5 (directions, layouts, {@code sequence_lens}, initial states, peepholes,
 * clip, {@code input_forget}, {@code linear_before_reset}, activations with alpha/beta) on this
 * library's cells and runners, and the plain nodes exporters put around them
 * ({@link #SUPPORTED}). The recurrent weights are converted once, when the session is made, if they
 * are initializers.
 *
 * <p>A node of any other type is an error when the session is made, naming the node and its op
 * type; nothing is skipped. Not thread-safe (it keeps runners and buffers per node); make one per
 * thread. The buffers of every intermediate tensor are planned by the first run of an input shape
 * and kept: {@link #runShared} of repeated shapes allocates nothing, {@link #run} copies the outputs
 * out. A graph of recurrent nodes and their glue also compiles to layers ({@link #toLayers}): it then
 * streams one step at a time.
 */
public final class OnnxSession {
    /** The op types this session runs. */
    public static final Set<String> SUPPORTED = Set.of("LSTM", "GRU", "RNN", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Squeeze",
            "Unsqueeze", "Transpose", "Slice", "Gather", "Concat", "Shape", "ConstantOfShape", "Constant", "Identity", "Reshape", "Cast",
            "Relu", "Tanh", "Sigmoid", "Dropout");

    private final OnnxModel model;
    /** The nodes in order, and per node its cells (recurrent nodes whose weights are initializers), runner and arrays. */
    private final OnnxModel.Node[] nodes;
    /** Filled when the session is made, read-only after: sessions of one graph share it. */
    private final Map<OnnxModel.Node, RnnCell[]> cells;
    private final LayeredRunner[] runners;
    private final Scratch[] scratch;
    /** Per node: its value when it is a Constant, made once. */
    private final OnnxValue[] constants;
    private final OnnxModel.ValueInfo[] inputs;
    private final String[] outputs;
    /** Every value of a run by name: the initializers, the inputs and each node's outputs (overwritten run by run). */
    private final Map<String, OnnxValue> values;
    /** The graph outputs of the last run ({@link #runShared}), in graph order, and a read-only view handed out. */
    private final Map<String, OnnxValue> outputValues = new LinkedHashMap<>();
    private final Map<String, OnnxValue> outputView = java.util.Collections.unmodifiableMap(outputValues);

    /** A session of {@code model}: every node's operator and attributes checked before any run. */
    public OnnxSession(OnnxModel model) throws ModelFormatException {
        this.model = model;
        this.nodes = model.nodes().toArray(new OnnxModel.Node[0]);
        this.cells = new java.util.IdentityHashMap<>();
        this.runners = new LayeredRunner[nodes.length];
        this.scratch = reusingScratch(nodes.length);
        this.constants = new OnnxValue[nodes.length];
        this.inputs = model.inputs().toArray(new OnnxModel.ValueInfo[0]);
        this.outputs = new String[model.outputs().size()];
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = model.outputs().get(i).name();
        }
        this.values = new HashMap<>(model.initializers());
        // The graph's wiring, checked once: every node reads only values computed before it (ONNX requires topological
        // order), and every graph output is computed, so a damaged name is refused here rather than at the first run.
        java.util.Set<String> available = new java.util.HashSet<>(model.initializers().keySet());
        for (OnnxModel.ValueInfo in : model.inputs()) {
            available.add(in.name());
        }
        for (OnnxModel.Node n : model.nodes()) {
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !available.contains(in)) {
                    throw new ModelFormatException(model.source() + ": node '" + n.name() + "' reads '" + in + "', which no graph input, "
                            + "initializer or earlier node provides");
                }
            }
            available.addAll(n.outputs());
        }
        for (OnnxModel.ValueInfo o : model.outputs()) {
            if (!available.contains(o.name())) {
                throw new ModelFormatException(model.source() + ": graph output '" + o.name() + "' is not computed by any node");
            }
        }
        for (OnnxModel.Node n : model.nodes()) {
            checkAttributeTypes(model, n);
            try {
                checkAttributeValues(model, n);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(model.source() + ": " + n + ": " + e.getMessage(), e);
            }
        }
        for (OnnxModel.Node n : model.nodes()) {
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
                throw new ModelFormatException(model.source() + ": " + n + " is in domain '" + n.domain() + "', which is not supported");
            }
            if (!SUPPORTED.contains(n.opType())) {
                throw new ModelFormatException(model.source() + ": node '" + n.name() + "' has op type '" + n.opType()
                        + "', which is not supported; supported: " + new java.util.TreeSet<>(SUPPORTED));
            }
            if (isRecurrent(n) && weightsAreInitializers(n)) {
                try {
                    cells.put(n, buildCells(n, model.initializers()));
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(model.source() + ": " + n + ": " + e.getMessage(), e);
                }
            }
        }
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i].opType().equals("Constant")) {
                try {
                    constants[i] = constant(nodes[i]);
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(model.source() + ": " + nodes[i] + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Another session of {@code shared}'s graph: its checks, converted weights and constants shared (they never change),
     * its own runners and buffers.
     */
    OnnxSession(OnnxSession shared) {
        this.model = shared.model;
        this.nodes = shared.nodes;
        this.cells = shared.cells;
        this.runners = new LayeredRunner[nodes.length];
        this.scratch = reusingScratch(nodes.length);
        this.constants = shared.constants;
        this.inputs = shared.inputs;
        this.outputs = shared.outputs;
        this.values = new HashMap<>(model.initializers());
    }

    private static Scratch[] reusingScratch(int nodes) {
        Scratch[] s = new Scratch[nodes];
        for (int i = 0; i < nodes; i++) {
            s[i] = Scratch.reusing();
        }
        return s;
    }

    /** The graph this session runs. */
    public OnnxModel model() {
        return model;
    }

    /** The type each attribute this runner reads must have; an attribute of another type is refused at load, naming it. */
    private static final Map<String, OnnxModel.Attribute.Type> ATTRIBUTE_TYPES = Map.ofEntries(
            Map.entry("direction", OnnxModel.Attribute.Type.STRING), Map.entry("hidden_size", OnnxModel.Attribute.Type.INT),
            Map.entry("layout", OnnxModel.Attribute.Type.INT), Map.entry("clip", OnnxModel.Attribute.Type.FLOAT),
            Map.entry("input_forget", OnnxModel.Attribute.Type.INT), Map.entry("linear_before_reset", OnnxModel.Attribute.Type.INT),
            Map.entry("activations", OnnxModel.Attribute.Type.STRINGS), Map.entry("activation_alpha", OnnxModel.Attribute.Type.FLOATS),
            Map.entry("activation_beta", OnnxModel.Attribute.Type.FLOATS), Map.entry("perm", OnnxModel.Attribute.Type.INTS),
            Map.entry("axis", OnnxModel.Attribute.Type.INT), Map.entry("axes", OnnxModel.Attribute.Type.INTS),
            Map.entry("starts", OnnxModel.Attribute.Type.INTS), Map.entry("ends", OnnxModel.Attribute.Type.INTS),
            Map.entry("steps", OnnxModel.Attribute.Type.INTS), Map.entry("to", OnnxModel.Attribute.Type.INT),
            Map.entry("transA", OnnxModel.Attribute.Type.INT), Map.entry("transB", OnnxModel.Attribute.Type.INT),
            Map.entry("allowzero", OnnxModel.Attribute.Type.INT), Map.entry("value", OnnxModel.Attribute.Type.TENSOR),
            Map.entry("value_float", OnnxModel.Attribute.Type.FLOAT), Map.entry("value_floats", OnnxModel.Attribute.Type.FLOATS),
            Map.entry("value_int", OnnxModel.Attribute.Type.INT), Map.entry("value_ints", OnnxModel.Attribute.Type.INTS));

    /**
     * What can be checked of a node's arguments before any input is known, so that a damaged graph is refused
     * at load rather than at its first run: a permutation is one, axes do not repeat, slices have matching
     * lists, a cast names a supported type, and a constant shape (an initializer) fits the budget and has at
     * most one inferred dimension.
     */
    private static void checkAttributeValues(OnnxModel model, OnnxModel.Node n) {
        switch (n.opType()) {
            case "Transpose" -> {
                long[] perm = intsAttr(n, "perm");
                if (perm != null) {
                    boolean[] seen = new boolean[perm.length];
                    for (long p : perm) {
                        if (p < 0 || p >= perm.length || seen[(int) p]) {
                            throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " is not a permutation of 0.." + (perm.length - 1));
                        }
                        seen[(int) p] = true;
                    }
                }
            }
            case "Squeeze", "Unsqueeze" -> {
                long[] axes = intsAttr(n, "axes");
                OnnxValue given = n.input(1).isEmpty() ? null : model.initializers().get(n.input(1));
                long[] a = axes != null ? axes : given != null && !given.isFloat() ? given.longs() : null;
                if (a != null) {
                    for (int i = 0; i < a.length; i++) {
                        for (int j = 0; j < i; j++) {
                            if (a[i] == a[j]) {
                                throw new IllegalArgumentException("axes " + Arrays.toString(a) + " repeat axis " + a[i]);
                            }
                        }
                    }
                }
            }
            case "Slice" -> {
                long[] starts = intsAttr(n, "starts");
                long[] ends = intsAttr(n, "ends");
                long[] axes = intsAttr(n, "axes");
                long[] steps = intsAttr(n, "steps");
                if ((starts == null) != (ends == null) || starts != null && (starts.length != ends.length
                        || axes != null && axes.length != starts.length || steps != null && steps.length != starts.length)) {
                    throw new IllegalArgumentException("starts, ends, axes and steps must have one value per sliced axis, got "
                            + Arrays.toString(starts) + ", " + Arrays.toString(ends) + ", " + Arrays.toString(axes) + ", " + Arrays.toString(steps));
                }
                if (steps != null) {
                    for (long st : steps) {
                        if (st == 0) {
                            throw new IllegalArgumentException("a slice step is 0");
                        }
                    }
                }
            }
            case "Cast" -> {
                long to = intAttr(n, "to", OnnxModel.FLOAT);
                if (to != OnnxModel.FLOAT && to != OnnxModel.DOUBLE && to != OnnxModel.INT32 && to != OnnxModel.INT64) {
                    throw new IllegalArgumentException("Cast to data type " + to + " is not supported; expected FLOAT, DOUBLE, INT32 or INT64");
                }
            }
            case "Reshape" -> {
                OnnxValue shape = n.input(1).isEmpty() ? null : model.initializers().get(n.input(1));
                if (shape != null && !shape.isFloat()) {
                    int inferred = 0;
                    for (long d : shape.longs()) {
                        if (d < -1) {
                            throw new IllegalArgumentException("target shape " + Arrays.toString(shape.longs()) + " has dimension " + d);
                        }
                        inferred += d == -1 ? 1 : 0;
                    }
                    if (inferred > 1) {
                        throw new IllegalArgumentException("target shape " + Arrays.toString(shape.longs()) + " infers more than one dimension");
                    }
                }
            }
            case "ConstantOfShape" -> {
                OnnxValue shape = n.input(0).isEmpty() ? null : model.initializers().get(n.input(0));
                if (shape != null && !shape.isFloat()) {
                    int[] dims = new int[shape.size()];
                    for (int k = 0; k < dims.length; k++) {
                        long d = shape.longs()[k];
                        if (d < 0 || d > Integer.MAX_VALUE) {
                            throw new IllegalArgumentException("shape " + Arrays.toString(shape.longs()) + " has dimension " + d);
                        }
                        dims[k] = (int) d;
                    }
                    values(dims);
                }
            }
            default -> {
            }
        }
    }

    private static void checkAttributeTypes(OnnxModel model, OnnxModel.Node n) throws ModelFormatException {
        for (OnnxModel.Attribute a : n.attributes().values()) {
            OnnxModel.Attribute.Type want = ATTRIBUTE_TYPES.get(a.name());
            // A whole-number float (clip = 1) may be stored as an int; floatAttr reads either.
            boolean numeric = want == OnnxModel.Attribute.Type.FLOAT && a.type() == OnnxModel.Attribute.Type.INT;
            if (want != null && a.type() != want && !numeric) {
                throw new ModelFormatException(model.source() + ": " + n + ": attribute '" + a.name() + "' is " + a.type() + ", expected " + want);
            }
        }
    }

    private static boolean isRecurrent(OnnxModel.Node n) {
        return n.opType().equals("LSTM") || n.opType().equals("GRU") || n.opType().equals("RNN");
    }

    private boolean weightsAreInitializers(OnnxModel.Node n) {
        for (int i : new int[] {1, 2, 3, 7}) {
            String in = n.input(i);
            if (!in.isEmpty() && !model.initializers().containsKey(in)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs the graph on {@code inputs} (by graph input name) and returns every graph output by name, in graph order: new
     * tensors, the caller's to keep.
     *
     * @throws IllegalArgumentException for a missing input or one of another rank or fixed dimension, or a node that
     *                                  cannot run on these values, naming it
     */
    public Map<String, OnnxValue> run(Map<String, OnnxValue> inputs) {
        Map<String, OnnxValue> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : runShared(inputs).entrySet()) {
            OnnxValue t = e.getValue();
            out.put(e.getKey(), new OnnxValue(t.name(), t.shape().clone(), t.isFloat() ? t.floats().clone() : null,
                    t.isFloat() ? null : t.longs().clone()));
        }
        return out;
    }

    /**
     * {@link #run}, returning this session's own tensors: they hold the outputs until the next run, which overwrites
     * them (copy what you keep). The arrays of every intermediate tensor are planned by the first run of an input shape
     * and kept, so a repeated run with inputs of the same shapes allocates nothing (given inputs that are the same
     * {@link OnnxValue}s with their values changed in place; a recurrent node whose weights are computed by the graph
     * rather than stored builds its cells each run). The returned map is read-only and the same every run.
     *
     * @throws IllegalArgumentException as {@link #run} does
     */
    public Map<String, OnnxValue> runShared(Map<String, OnnxValue> inputs) {
        for (OnnxModel.ValueInfo in : this.inputs) {
            OnnxValue t = inputs.get(in.name());
            if (t == null) {
                throw new IllegalArgumentException("graph input '" + in.name() + "' was not given (given: " + inputs.keySet() + ")");
            }
            int[] dims = in.dims();
            if (dims.length > 0 && dims.length != t.rank()) {
                throw new IllegalArgumentException("graph input '" + in.name() + "' has rank " + dims.length + " " + in.dimNames() + ", got " + t);
            }
            for (int k = 0; k < dims.length; k++) {
                if (dims[k] >= 0 && dims[k] != t.shape()[k]) {
                    throw new IllegalArgumentException("graph input '" + in.name() + "' has dimension " + k + " = " + dims[k] + ", got " + t);
                }
            }
        }
        for (OnnxModel.ValueInfo in : this.inputs) {
            values.put(in.name(), inputs.get(in.name()));
        }
        for (int i = 0; i < nodes.length; i++) {
            OnnxModel.Node n = nodes[i];
            try {
                if (constants[i] != null) {
                    put(n, values, 0, constants[i]);
                } else if (isRecurrent(n)) {
                    recurrent(i, n, values, scratch[i].begin());
                } else {
                    execute(n, values, scratch[i]);
                }
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException(n + ": " + e.getMessage(), e);
            } catch (IndexOutOfBoundsException | NegativeArraySizeException | NullPointerException e) {
                // A node whose attributes or inputs no check above anticipated: still a refusal naming the node, never a raw crash.
                throw new IllegalArgumentException(n + ": malformed attributes or inputs (" + e + ")", e);
            }
        }
        for (String o : outputs) {
            outputValues.put(o, values.get(o)); // computed: checked when the session was made
        }
        return outputView;
    }

    // ---------------------------------------------------------------------------------------------
    // Attributes and inputs

    private static OnnxValue in(OnnxModel.Node n, Map<String, OnnxValue> v, int i) {
        String name = n.input(i);
        if (name.isEmpty()) {
            return null;
        }
        OnnxValue t = v.get(name);
        if (t == null) {
            throw new IllegalArgumentException("input " + i + " '" + name + "' is not computed before this node");
        }
        return t;
    }

    private static OnnxValue need(OnnxModel.Node n, Map<String, OnnxValue> v, int i) {
        OnnxValue t = in(n, v, i);
        if (t == null) {
            throw new IllegalArgumentException("input " + i + " is required");
        }
        return t;
    }

    static long intAttr(OnnxModel.Node n, String name, long dflt) {
        OnnxModel.Attribute a = n.attributes().get(name);
        return a == null ? dflt : a.i();
    }

    private static float floatAttr(OnnxModel.Node n, String name, float dflt) {
        OnnxModel.Attribute a = n.attributes().get(name);
        return a == null ? dflt : a.type() == OnnxModel.Attribute.Type.INT ? a.i() : a.f();
    }

    private static long[] intsAttr(OnnxModel.Node n, String name) {
        OnnxModel.Attribute a = n.attributes().get(name);
        return a == null ? null : a.ints();
    }

    private static void put(OnnxModel.Node n, Map<String, OnnxValue> v, int i, OnnxValue t) {
        if (i < n.outputs().size() && !n.outputs().get(i).isEmpty()) {
            v.put(n.outputs().get(i), t);
        }
    }

    static long[] longs(OnnxValue t) {
        return longs(t, Scratch.NONE);
    }

    private static long[] longs(OnnxValue t, Scratch m) {
        long[] a = m.longs(t.size());
        for (int i = 0; i < a.length; i++) {
            a[i] = t.longAt(i);
        }
        return a;
    }

    private static int axis(long a, int rank) {
        long x = a < 0 ? a + rank : a;
        if (x < 0 || x >= rank) {
            throw new IllegalArgumentException("axis " + a + " is out of range for rank " + rank);
        }
        return (int) x;
    }

    private static int[] strides(int[] shape, Scratch m) {
        int[] s = m.ints(shape.length);
        int acc = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            s[k] = acc;
            acc *= shape[k];
        }
        return s;
    }

    /** A tensor of {@code t}'s type with {@code shape}, element {@code i} taken from {@code t} at {@code src[i]}. */
    private static OnnxValue gather(OnnxValue t, int[] shape, int[] src, Scratch m) {
        if (t.isFloat()) {
            float[] f = m.floats(src.length);
            for (int i = 0; i < src.length; i++) {
                f[i] = t.floats()[src[i]];
            }
            return m.value(shape, f, null);
        }
        long[] l = m.longs(src.length);
        for (int i = 0; i < src.length; i++) {
            l[i] = t.longs()[src[i]];
        }
        return m.value(shape, null, l);
    }

    private static OnnxValue reshaped(OnnxValue t, int[] shape, Scratch m) {
        return m.value(shape, t.floats(), t.longs());
    }

    // ---------------------------------------------------------------------------------------------
    // The nodes

    /**
     * This graph as the layers of a {@link io.github.panamarnn.model.Model} ({@link OnnxCompiler}): it then streams
     * one tick at a time and runs with no allocation per call. Checked against this interpreter on a probe input first.
     *
     * @throws ModelFormatException when the graph is not made of recurrent nodes and the glue that compiles, naming the
     *                              node and why (this session still runs it)
     */
    public io.github.panamarnn.model.Model toLayers() throws ModelFormatException {
        try {
            return OnnxCompiler.compile(model, this);
        } catch (OnnxCompiler.NotCompilable e) {
            throw new ModelFormatException(model.source() + ": this ONNX graph does not compile to layers (" + e.getMessage()
                    + "); run it with OnnxSession, the general interpreter", e);
        }
    }

    /**
     * This graph as a {@link io.github.panamarnn.model.Model}: its layers when it compiles to them ({@link #toLayers}),
     * else one {@link io.github.panamarnn.model.Model.Graph} layer that runs it in this interpreter (whole sequences,
     * 0 bytes per repeated run; it cannot stream).
     *
     * @throws ModelFormatException when it does neither: it does not compile, and does not read one
     *                              {@code [batch, time, features]} input into outputs of the batch (naming why)
     */
    public io.github.panamarnn.model.Model toModel() throws ModelFormatException {
        try {
            return OnnxCompiler.compile(model, this);
        } catch (OnnxCompiler.NotCompilable e) {
            return OnnxGraphFunction.model(this, e.getMessage());
        }
    }

    /** The cells of a recurrent node whose weights are initializers, built once at construction (null otherwise). */
    RnnCell[] cellsOf(OnnxModel.Node n) {
        return cells.get(n);
    }

    /** Runs one node on the values in {@code v}, every array new (constant folding: {@link OnnxCompiler} keeps the values). */
    void execute(OnnxModel.Node n, Map<String, OnnxValue> v) {
        execute(n, v, Scratch.NONE);
    }

    /** Runs one node on the values in {@code v}, its arrays from {@code m} (the interpreter's step). */
    private void execute(OnnxModel.Node n, Map<String, OnnxValue> v, Scratch m) {
        m.begin();
        switch (n.opType()) {
            case "LSTM", "GRU", "RNN" -> recurrent(-1, n, v, m);
            case "Identity", "Dropout" -> put(n, v, 0, need(n, v, 0));
            case "Constant" -> put(n, v, 0, constant(n));
            case "Shape" -> {
                int[] s = need(n, v, 0).shape();
                int r = s.length;
                int start = (int) clampAxis(intAttr(n, "start", 0), r);
                int end = (int) clampAxis(intAttr(n, "end", r), r);
                int len = Math.max(0, end - start);
                long[] out = m.longs(len);
                for (int k = 0; k < len; k++) {
                    out[k] = s[start + k];
                }
                int[] shape = m.ints(1);
                shape[0] = len;
                put(n, v, 0, m.value(shape, null, out));
            }
            case "ConstantOfShape" -> {
                long[] dims = longs(need(n, v, 0), m);
                int[] shape = m.ints(dims.length);
                for (int k = 0; k < dims.length; k++) {
                    shape[k] = Math.toIntExact(dims[k]);
                }
                int size = values(shape);
                OnnxModel.Attribute a = n.attributes().get("value");
                OnnxValue fill = a == null ? null : a.t();
                if (fill == null || fill.isFloat()) {
                    float[] f = m.floats(size);
                    Arrays.fill(f, fill == null ? 0f : fill.floats()[0]);
                    put(n, v, 0, m.value(shape, f, null));
                } else {
                    long[] l = m.longs(size);
                    Arrays.fill(l, fill.longs()[0]);
                    put(n, v, 0, m.value(shape, null, l));
                }
            }
            case "Cast" -> {
                OnnxValue x = need(n, v, 0);
                long to = intAttr(n, "to", OnnxModel.FLOAT);
                if (to == OnnxModel.FLOAT || to == OnnxModel.DOUBLE) {
                    float[] f = m.floats(x.size());
                    for (int i = 0; i < f.length; i++) {
                        f[i] = x.floatAt(i);
                    }
                    put(n, v, 0, m.value(m.copy(x.shape()), f, null));
                } else if (to == OnnxModel.INT64 || to == OnnxModel.INT32) {
                    long[] l = longs(x, m);
                    put(n, v, 0, m.value(m.copy(x.shape()), null, l));
                } else {
                    throw new IllegalArgumentException("Cast to data type " + to + " is not supported; expected FLOAT, DOUBLE, INT32 or INT64");
                }
            }
            case "Squeeze" -> {
                OnnxValue x = need(n, v, 0);
                long[] axes = n.input(1).isEmpty() ? intsAttr(n, "axes") : longs(need(n, v, 1), m);
                boolean[] drop = m.booleans(x.rank());
                Arrays.fill(drop, false);
                if (axes == null) {
                    for (int k = 0; k < drop.length; k++) {
                        drop[k] = x.shape()[k] == 1;
                    }
                } else {
                    for (long a : axes) {
                        int k = axis(a, x.rank());
                        if (x.shape()[k] != 1) {
                            throw new IllegalArgumentException("cannot squeeze axis " + a + " of " + x + ": its size is " + x.shape()[k]);
                        }
                        drop[k] = true;
                    }
                }
                int r = 0;
                for (boolean d : drop) {
                    r += d ? 0 : 1;
                }
                int[] s = m.ints(r);
                r = 0;
                for (int k = 0; k < drop.length; k++) {
                    if (!drop[k]) {
                        s[r++] = x.shape()[k];
                    }
                }
                put(n, v, 0, reshaped(x, s, m));
            }
            case "Unsqueeze" -> {
                OnnxValue x = need(n, v, 0);
                long[] axes = n.input(1).isEmpty() ? intsAttr(n, "axes") : longs(need(n, v, 1), m);
                if (axes == null) {
                    throw new IllegalArgumentException("Unsqueeze needs axes");
                }
                int rank = x.rank() + axes.length;
                boolean[] added = m.booleans(rank);
                Arrays.fill(added, false);
                for (long a : axes) {
                    added[axis(a, rank)] = true;
                }
                int[] s = m.ints(rank);
                int src = 0;
                for (int k = 0; k < rank; k++) {
                    s[k] = added[k] ? 1 : x.shape()[src++];
                }
                put(n, v, 0, reshaped(x, s, m));
            }
            case "Reshape" -> {
                OnnxValue x = need(n, v, 0);
                long[] want = longs(need(n, v, 1), m);
                int[] s = m.ints(want.length);
                int infer = -1;
                long known = 1;
                for (int k = 0; k < s.length; k++) {
                    if (want[k] == -1) {
                        infer = k;
                        continue;
                    }
                    s[k] = want[k] == 0 && intAttr(n, "allowzero", 0) == 0 ? x.shape()[k] : Math.toIntExact(want[k]);
                    known *= s[k];
                }
                if (infer >= 0) {
                    s[infer] = known == 0 ? 0 : (int) (x.size() / known);
                }
                if (OnnxValue.count(s) != x.size()) {
                    throw new IllegalArgumentException("cannot reshape " + x + " to " + Arrays.toString(want));
                }
                put(n, v, 0, reshaped(x, s, m));
            }
            case "Transpose" -> {
                OnnxValue x = need(n, v, 0);
                int r = x.rank();
                long[] perm = intsAttr(n, "perm");
                if (perm != null && perm.length != r) {
                    throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " has " + perm.length + " axes, the input " + x + " has " + r);
                }
                int[] p = m.ints(r);
                for (int k = 0; k < r; k++) {
                    p[k] = perm == null ? r - 1 - k : axis(perm[k], r); // a permutation: checked at load
                }
                int[] s = m.ints(r);
                for (int k = 0; k < r; k++) {
                    s[k] = x.shape()[p[k]];
                }
                int[] xs = strides(x.shape(), m);
                int[] src = m.ints(x.size());
                int[] idx = m.ints(r);
                Arrays.fill(idx, 0);
                for (int i = 0; i < src.length; i++) {
                    int off = 0;
                    for (int k = 0; k < r; k++) {
                        off += idx[k] * xs[p[k]];
                    }
                    src[i] = off;
                    for (int k = r - 1; k >= 0 && ++idx[k] == s[k]; k--) {
                        idx[k] = 0;
                    }
                }
                put(n, v, 0, gather(x, s, src, m));
            }
            case "Gather" -> {
                OnnxValue x = need(n, v, 0);
                OnnxValue ind = need(n, v, 1);
                int ax = axis(intAttr(n, "axis", 0), x.rank());
                int[] xsh = x.shape();
                int outer = 1;
                for (int k = 0; k < ax; k++) {
                    outer *= xsh[k];
                }
                int inner = 1;
                for (int k = ax + 1; k < xsh.length; k++) {
                    inner *= xsh[k];
                }
                int[] s = m.ints(xsh.length - 1 + ind.rank());
                System.arraycopy(xsh, 0, s, 0, ax);
                System.arraycopy(ind.shape(), 0, s, ax, ind.rank());
                System.arraycopy(xsh, ax + 1, s, ax + ind.rank(), xsh.length - ax - 1);
                int[] src = m.ints(values(s));
                int o = 0;
                for (int a = 0; a < outer; a++) {
                    for (int j = 0; j < ind.size(); j++) {
                        long q = ind.longAt(j);
                        long qq = q < 0 ? q + xsh[ax] : q;
                        if (qq < 0 || qq >= xsh[ax]) {
                            throw new IllegalArgumentException("index " + q + " is out of range for axis " + ax + " of " + x);
                        }
                        for (int c = 0; c < inner; c++) {
                            src[o++] = (a * xsh[ax] + (int) qq) * inner + c;
                        }
                    }
                }
                put(n, v, 0, gather(x, s, src, m));
            }
            case "Slice" -> slice(n, v, m);
            case "Concat" -> {
                OnnxValue first = need(n, v, 0);
                int ax = axis(intAttr(n, "axis", 0), first.rank());
                int total = 0;
                for (int i = 0; i < n.inputs().size(); i++) {
                    OnnxValue t = need(n, v, i);
                    if (t.rank() != first.rank() || t.isFloat() != first.isFloat()) {
                        throw new IllegalArgumentException("Concat inputs " + first + " and " + t + " differ in rank or type");
                    }
                    for (int k = 0; k < t.rank(); k++) {
                        if (k != ax && t.shape()[k] != first.shape()[k]) {
                            throw new IllegalArgumentException("Concat inputs " + first + " and " + t + " differ outside axis " + ax);
                        }
                    }
                    total += t.shape()[ax];
                }
                int[] s = m.copy(first.shape());
                s[ax] = total;
                int outer = 1;
                for (int k = 0; k < ax; k++) {
                    outer *= s[k];
                }
                int inner = 1;
                for (int k = ax + 1; k < s.length; k++) {
                    inner *= s[k];
                }
                int size = values(s);
                float[] f = first.isFloat() ? m.floats(size) : null;
                long[] l = first.isFloat() ? null : m.longs(size);
                int at = 0;
                for (int i = 0; i < n.inputs().size(); i++) {
                    OnnxValue t = need(n, v, i);
                    int w = t.shape()[ax] * inner;
                    for (int a = 0; a < outer; a++) {
                        if (f != null) {
                            System.arraycopy(t.floats(), a * w, f, a * total * inner + at, w);
                        } else {
                            System.arraycopy(t.longs(), a * w, l, a * total * inner + at, w);
                        }
                    }
                    at += w;
                }
                put(n, v, 0, m.value(s, f, l));
            }
            case "Add", "Sub", "Mul", "Div" -> put(n, v, 0, binary(n.opType(), need(n, v, 0), need(n, v, 1), m));
            case "Relu", "Tanh", "Sigmoid" -> {
                OnnxValue x = need(n, v, 0);
                Activation a = switch (n.opType()) {
                    case "Relu" -> RELU;
                    case "Tanh" -> TANH;
                    default -> SIGMOID;
                };
                float[] f = m.floats(x.size());
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) a.exact(x.floatAt(i));
                }
                put(n, v, 0, m.value(m.copy(x.shape()), f, null));
            }
            case "Gemm" -> gemm(n, v, m);
            case "MatMul" -> matMul(n, v, m);
            default -> throw new IllegalArgumentException("op type " + n.opType() + " is not supported");
        }
    }

    private static final Activation RELU = Activation.named("Relu");
    private static final Activation TANH = Activation.named("Tanh");
    private static final Activation SIGMOID = Activation.named("Sigmoid");

    /**
     * The most values one intermediate tensor of a run may hold (2^26, 256 MiB of floats) and the most
     * multiply-adds one product may take (2^34): a recurrent model's graph needs far less, and a damaged
     * or hostile one that asks for more is refused at that node instead of exhausting memory or time.
     */
    static final long MAX_VALUES = 1L << 26;
    static final long MAX_WORK = 1L << 34;

    /** The number of values of {@code shape}, checked against {@link #MAX_VALUES}. */
    private static int values(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
            if (n > MAX_VALUES) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds more than " + MAX_VALUES + " values, over the "
                        + "budget of one intermediate tensor");
            }
        }
        return (int) n;
    }

    /** The output size of an {@code m x k} by {@code k x n} product, checked against {@link #MAX_VALUES} and {@link #MAX_WORK}. */
    private static int work(long m, long k, long n) {
        if (m * n > MAX_VALUES || m * k * n > MAX_WORK) {
            throw new IllegalArgumentException("a product of [" + m + ", " + k + "] by [" + k + ", " + n + "] is over the budget of one node ("
                    + MAX_VALUES + " output values, " + MAX_WORK + " multiply-adds)");
        }
        return (int) (m * n);
    }

    static long clampAxis(long a, int r) {
        long x = a < 0 ? a + r : a;
        return Math.max(0, Math.min(r, x));
    }

    private static OnnxValue constant(OnnxModel.Node n) {
        for (OnnxModel.Attribute a : n.attributes().values()) {
            switch (a.name()) {
                case "value" -> {
                    return a.t();
                }
                case "value_float" -> {
                    return OnnxValue.of(null, new float[] {a.f()});
                }
                case "value_floats" -> {
                    return OnnxValue.of(null, a.floats(), a.floats().length);
                }
                case "value_int" -> {
                    return OnnxValue.ofLongs(null, new long[] {a.i()});
                }
                case "value_ints" -> {
                    return OnnxValue.ofLongs(null, a.ints(), a.ints().length);
                }
                default -> {
                }
            }
        }
        throw new IllegalArgumentException("Constant without a supported value attribute (value, value_float(s), value_int(s)): " + n.attributes().keySet());
    }

    private static void slice(OnnxModel.Node n, Map<String, OnnxValue> v, Scratch m) {
        OnnxValue x = need(n, v, 0);
        int r = x.rank();
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (n.inputs().size() > 1) {
            starts = longs(need(n, v, 1), m);
            ends = longs(need(n, v, 2), m);
            OnnxValue a = in(n, v, 3);
            OnnxValue s = in(n, v, 4);
            axes = a == null ? null : longs(a, m);
            steps = s == null ? null : longs(s, m);
        } else {
            starts = intsAttr(n, "starts");
            ends = intsAttr(n, "ends");
            axes = intsAttr(n, "axes");
            steps = null;
        }
        if (ends.length != starts.length || axes != null && axes.length != starts.length || steps != null && steps.length != starts.length) {
            throw new IllegalArgumentException("starts, ends, axes and steps must have one value per sliced axis, got " + Arrays.toString(starts)
                    + ", " + Arrays.toString(ends) + ", " + Arrays.toString(axes) + ", " + Arrays.toString(steps));
        }
        int[] lo = m.ints(r);
        int[] step = m.ints(r);
        int[] s = m.copy(x.shape());
        Arrays.fill(lo, 0);
        Arrays.fill(step, 1);
        for (int j = 0; j < starts.length; j++) {
            int ax = axis(axes == null ? j : axes[j], r);
            long st = steps == null ? 1 : steps[j];
            if (st == 0) {
                throw new IllegalArgumentException("Slice step 0");
            }
            long dim = x.shape()[ax];
            long b = starts[j] < 0 ? starts[j] + dim : starts[j];
            long e = ends[j] < 0 ? ends[j] + dim : ends[j];
            if (st > 0) {
                b = Math.max(0, Math.min(dim, b));
                e = Math.max(0, Math.min(dim, e));
                s[ax] = (int) Math.max(0, (e - b + st - 1) / st);
            } else {
                b = Math.max(-1, Math.min(dim - 1, b));
                e = Math.max(-1, Math.min(dim - 1, e));
                s[ax] = (int) Math.max(0, (b - e - st - 1) / -st);
            }
            lo[ax] = (int) b;
            step[ax] = (int) st;
        }
        int[] xs = strides(x.shape(), m);
        int[] src = m.ints(values(s));
        int[] idx = m.ints(r);
        Arrays.fill(idx, 0);
        for (int i = 0; i < src.length; i++) {
            int off = 0;
            for (int k = 0; k < r; k++) {
                off += (lo[k] + idx[k] * step[k]) * xs[k];
            }
            src[i] = off;
            for (int k = r - 1; k >= 0 && ++idx[k] == s[k]; k--) {
                idx[k] = 0;
            }
        }
        put(n, v, 0, gather(x, s, src, m));
    }

    /** Numpy-broadcast elementwise arithmetic. */
    private static OnnxValue binary(String op, OnnxValue a, OnnxValue b, Scratch m) {
        int r = Math.max(a.rank(), b.rank());
        int[] s = m.ints(r);
        for (int k = 0; k < r; k++) {
            int da = k - (r - a.rank()) >= 0 ? a.shape()[k - (r - a.rank())] : 1;
            int db = k - (r - b.rank()) >= 0 ? b.shape()[k - (r - b.rank())] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("cannot broadcast " + a + " with " + b);
            }
            s[k] = Math.max(da, db);
        }
        int[] as = bstrides(a.shape(), r, s, m);
        int[] bs = bstrides(b.shape(), r, s, m);
        int size = values(s);
        boolean fl = a.isFloat() || b.isFloat();
        float[] f = fl ? m.floats(size) : null;
        long[] l = fl ? null : m.longs(size);
        int kind = switch (op) {
            case "Add" -> 0;
            case "Sub" -> 1;
            case "Mul" -> 2;
            default -> 3;
        };
        int[] idx = m.ints(r);
        Arrays.fill(idx, 0);
        for (int i = 0; i < size; i++) {
            int ia = 0;
            int ib = 0;
            for (int k = 0; k < r; k++) {
                ia += idx[k] * as[k];
                ib += idx[k] * bs[k];
            }
            if (fl) {
                float x = a.floatAt(ia);
                float y = b.floatAt(ib);
                f[i] = switch (kind) {
                    case 0 -> x + y;
                    case 1 -> x - y;
                    case 2 -> x * y;
                    default -> x / y;
                };
            } else {
                long x = a.longs()[ia];
                long y = b.longs()[ib];
                l[i] = switch (kind) {
                    case 0 -> x + y;
                    case 1 -> x - y;
                    case 2 -> x * y;
                    default -> x / y;
                };
            }
            for (int k = r - 1; k >= 0 && ++idx[k] == s[k]; k--) {
                idx[k] = 0;
            }
        }
        return m.value(s, f, l);
    }

    private static int[] bstrides(int[] shape, int r, int[] out, Scratch m) {
        int[] st = strides(shape, m);
        int[] res = m.ints(r);
        for (int k = 0; k < r; k++) {
            int j = k - (r - shape.length);
            res[k] = j < 0 || shape[j] == 1 && out[k] != 1 ? 0 : st[j];
        }
        return res;
    }

    private static void gemm(OnnxModel.Node n, Map<String, OnnxValue> v, Scratch m) {
        OnnxValue a = need(n, v, 0);
        OnnxValue b = need(n, v, 1);
        OnnxValue c = in(n, v, 2);
        boolean ta = intAttr(n, "transA", 0) != 0;
        boolean tb = intAttr(n, "transB", 0) != 0;
        float alpha = floatAttr(n, "alpha", 1f);
        float beta = floatAttr(n, "beta", 1f);
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("Gemm needs 2-D A and B, got " + a + ", " + b);
        }
        int rows = ta ? a.shape()[1] : a.shape()[0];
        int k = ta ? a.shape()[0] : a.shape()[1];
        int k2 = tb ? b.shape()[1] : b.shape()[0];
        int nn = tb ? b.shape()[0] : b.shape()[1];
        if (k != k2) {
            throw new IllegalArgumentException("Gemm inner dimensions differ: A " + a + (ta ? " (transposed)" : "") + ", B " + b + (tb ? " (transposed)" : ""));
        }
        float[] y = m.floats(work(rows, k, nn));
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < nn; j++) {
                double acc = 0;
                for (int q = 0; q < k; q++) {
                    float x = ta ? a.floatAt(q * rows + i) : a.floatAt(i * k + q);
                    float w = tb ? b.floatAt(j * k + q) : b.floatAt(q * nn + j);
                    acc += (double) x * w;
                }
                y[i * nn + j] = (float) (alpha * acc);
            }
        }
        int[] shape = m.ints(2);
        shape[0] = rows;
        shape[1] = nn;
        OnnxValue out = m.value(shape, y, null);
        if (c != null && beta != 0) {
            out = binary("Add", out, beta == 1f ? c : binary("Mul", c, m.scalar(beta), m), m);
        }
        put(n, v, 0, out);
    }

    private static void matMul(OnnxModel.Node n, Map<String, OnnxValue> v, Scratch m) {
        OnnxValue a = need(n, v, 0);
        OnnxValue b = need(n, v, 1);
        if (b.rank() != 2 || a.rank() < 1) {
            throw new IllegalArgumentException("MatMul is supported with a 2-D right operand, got " + a + " x " + b);
        }
        int k = a.shape()[a.rank() - 1];
        if (k != b.shape()[0]) {
            throw new IllegalArgumentException("MatMul inner dimensions differ: " + a + " x " + b);
        }
        int nn = b.shape()[1];
        int rows = a.size() / Math.max(1, k);
        float[] y = m.floats(work(rows, k, nn));
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < nn; j++) {
                double acc = 0;
                for (int q = 0; q < k; q++) {
                    acc += (double) a.floatAt(i * k + q) * b.floatAt(q * nn + j);
                }
                y[i * nn + j] = (float) acc;
            }
        }
        int[] s = m.copy(a.shape());
        s[s.length - 1] = nn;
        put(n, v, 0, m.value(s, y, null));
    }

    // ---------------------------------------------------------------------------------------------
    // LSTM / GRU / RNN (SEMANTICS.md 5)

    private static int gates(OnnxModel.Node n) {
        return switch (n.opType()) {
            case "LSTM" -> 4;
            case "GRU" -> 3;
            default -> 1;
        };
    }

    private static int directions(OnnxModel.Node n) {
        OnnxModel.Attribute a = n.attributes().get("direction");
        String d = a == null ? "forward" : a.s();
        return switch (d) {
            case "forward", "reverse" -> 1;
            case "bidirectional" -> 2;
            default -> throw new IllegalArgumentException("direction '" + d + "', expected forward, reverse or bidirectional");
        };
    }

    private static float[] slice(OnnxValue t, int index, int size) {
        return t == null ? null : Arrays.copyOfRange(t.floats(), index * size, (index + 1) * size);
    }

    /** The cells of each direction from the node's W, R, B, P. */
    private static RnnCell[] buildCells(OnnxModel.Node n, Map<String, OnnxValue> v) {
        int g = gates(n);
        int dirs = directions(n);
        long hs = intAttr(n, "hidden_size", -1);
        OnnxValue w = need(n, v, 1);
        OnnxValue r = need(n, v, 2);
        OnnxValue b = in(n, v, 3);
        OnnxValue p = g == 4 ? in(n, v, 7) : null;
        if (w.rank() != 3 || !w.isFloat()) {
            throw new IllegalArgumentException("W must be float [num_directions, " + g + "*hidden_size, input_size], got " + w);
        }
        int hidden = hs > 0 ? (int) hs : w.shape()[1] / g;
        int in = w.shape()[2];
        check("W", w, dirs, g * hidden, in);
        check("R", r, dirs, g * hidden, hidden);
        if (b != null) {
            check("B", b, dirs, 2 * g * hidden);
        }
        if (p != null) {
            check("P", p, dirs, 3 * hidden);
        }
        Activation[][] f = activations(n, g, dirs);
        OnnxModel.Attribute clipAttr = n.attributes().get("clip");
        float clip = clipAttr == null ? Float.POSITIVE_INFINITY : clipAttr.f();
        if (!(clip > 0)) {
            throw new IllegalArgumentException("clip " + clip + ", expected a positive number");
        }
        RnnCell[] out = new RnnCell[dirs];
        for (int d = 0; d < dirs; d++) {
            float[] wd = slice(w, d, g * hidden * in);
            float[] rd = slice(r, d, g * hidden * hidden);
            float[] bd = slice(b, d, 2 * g * hidden);
            out[d] = switch (g) {
                case 4 -> LstmCell.onnx(in, hidden, wd, rd, bd, slice(p, d, 3 * hidden), clip, intAttr(n, "input_forget", 0) != 0, f[d][0], f[d][1],
                        f[d][2]);
                case 3 -> GruCell.onnx(in, hidden, wd, rd, bd, intAttr(n, "linear_before_reset", 0) != 0, clip, f[d][0], f[d][1]);
                default -> SimpleRnnCell.onnx(in, hidden, wd, rd, bd, clip, f[d][0]);
            };
        }
        return out;
    }

    /**
     * The node's activation functions per direction (SEMANTICS.md 8): the {@code activations} list,
     * {@code per} functions for each direction in order, or the operator's defaults; an {@code RNN}
     * node also accepts one function per direction of a bidirectional node on a one-direction node
     * (the first is used, as onnxruntime does). {@code activation_alpha} and {@code activation_beta}
     * are consumed in list order by the functions that take them, across both directions; a function
     * left without a value keeps onnxruntime's default ({@link Activation#onnx}). Names are matched
     * as onnxruntime matches them: ignoring case for LSTM and GRU, exactly for RNN. One rule for all
     * three operators, the ONNX standard's words and onnxruntime's for LSTM and GRU; onnxruntime's
     * RNN kernel alone differs for the functions that take parameters (it indexes the values by
     * direction, defaults them to 0 and reads past a short list), so there this library follows the
     * standard (README, ONNX format notes).
     */
    private static final List<String> CANONICAL = List.of("Relu", "Tanh", "Sigmoid", "Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh",
            "HardSigmoid", "Elu", "Softsign", "Softplus");

    static Activation[][] activations(OnnxModel.Node n, int gates, int dirs) {
        int per = gates == 4 ? 3 : gates == 3 ? 2 : 1;
        List<String> names;
        OnnxModel.Attribute acts = n.attributes().get("activations");
        if (acts == null) {
            String[] dflt = gates == 4 ? new String[] {"Sigmoid", "Tanh", "Tanh"} : gates == 3 ? new String[] {"Sigmoid", "Tanh"}
                    : new String[] {"Tanh"};
            names = new ArrayList<>();
            for (int d = 0; d < dirs; d++) {
                names.addAll(List.of(dflt));
            }
        } else {
            names = acts.strings();
        }
        if (gates == 1 && dirs == 1 && names.size() == 2) {
            names = names.subList(0, 1); // one function per direction of a bidirectional node: the first is this direction's
        }
        if (names.size() != per * dirs) {
            throw new IllegalArgumentException("activations " + names + ": expected " + per * dirs + " names (" + per + " per direction)");
        }
        float[] alpha = n.attributes().containsKey("activation_alpha") ? n.attributes().get("activation_alpha").floats() : new float[0];
        float[] beta = n.attributes().containsKey("activation_beta") ? n.attributes().get("activation_beta").floats() : new float[0];
        int ai = 0;
        int bi = 0;
        List<Activation> resolved = new ArrayList<>();
        for (String name : names) {
            if (gates == 1 && !CANONICAL.contains(name)) {
                // onnxruntime's RNN kernel matches the names exactly (LSTM and GRU ignore case): so do we.
                throw new IllegalArgumentException("RNN activation '" + name + "': expected one of " + CANONICAL + " (exact spelling)");
            }
            Activation base = Activation.onnx(name, Float.NaN, Float.NaN);
            float a = Float.NaN;
            float b = Float.NaN;
            if (Activation.takesAlpha(base.kind()) && ai < alpha.length) {
                a = alpha[ai++];
            }
            if (Activation.takesBeta(base.kind()) && bi < beta.length) {
                b = beta[bi++];
            }
            resolved.add(Activation.onnx(name, a, b));
        }
        Activation[][] f = new Activation[dirs][per];
        for (int d = 0; d < dirs; d++) {
            for (int i = 0; i < per; i++) {
                f[d][i] = resolved.get(d * per + i);
            }
        }
        return f;
    }

    private static void check(String what, OnnxValue t, int... shape) {
        if (!t.isFloat() || !Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(what + " (" + t.name() + ") is " + t + ", expected float " + Arrays.toString(shape));
        }
    }

    /** Runs recurrent node {@code n} (node {@code index} of the graph, whose runner is kept; -1: a runner for this call only). */
    private void recurrent(int index, OnnxModel.Node n, Map<String, OnnxValue> v, Scratch m) {
        RnnCell[] cs = cells.get(n);
        if (cs == null) {
            cs = buildCells(n, v);
        }
        boolean lstm = gates(n) == 4;
        int dirs = cs.length;
        int layout = (int) intAttr(n, "layout", 0);
        if (layout != 0 && layout != 1) {
            throw new IllegalArgumentException("layout " + layout + ", expected 0 or 1");
        }
        OnnxValue x = need(n, v, 0);
        int in = cs[0].inputSize();
        int hidden = cs[0].outputSize();
        if (x.rank() != 3 || x.shape()[2] != in || !x.isFloat()) {
            throw new IllegalArgumentException("X is " + x + ", expected float " + (layout == 0 ? "[seq, batch, " : "[batch, seq, ") + in + "]");
        }
        int steps = layout == 0 ? x.shape()[0] : x.shape()[1];
        int batch = layout == 0 ? x.shape()[1] : x.shape()[0];
        OnnxValue lens = in(n, v, 4);
        int[] lengths = null;
        if (lens != null) {
            if (lens.size() != batch) {
                throw new IllegalArgumentException("sequence_lens is " + lens + ", expected [" + batch + "]");
            }
            lengths = m.ints(batch);
            for (int b = 0; b < batch; b++) {
                lengths[b] = Math.toIntExact(lens.longAt(b));
            }
        }
        OnnxValue h0 = in(n, v, 5);
        OnnxValue c0 = lstm ? in(n, v, 6) : null;
        int[] stateShape = m.ints(3);
        stateShape[0] = layout == 0 ? dirs : batch;
        stateShape[1] = layout == 0 ? batch : dirs;
        stateShape[2] = hidden;
        if (h0 != null) {
            check("initial_h", h0, stateShape);
        }
        if (c0 != null) {
            check("initial_c", c0, stateShape);
        }
        boolean reverseOnly = "reverse".equals(n.attributes().containsKey("direction") ? n.attributes().get("direction").s() : "forward");
        LayeredRunner r = index < 0 ? null : runners[index];
        if (r == null || r.batch() != batch || r.layer(0).forward() != cs[0]) {
            r = new LayeredRunner(List.of(dirs == 1 ? LayeredRunner.Layer.of(cs[0], reverseOnly ? Order.REVERSE_WITHIN_LENGTH : Order.FORWARD)
                    : LayeredRunner.Layer.bidirectional(cs[0], cs[1], LayeredRunner.Merge.NONE)), batch, Math.max(1, steps));
            if (index >= 0) {
                runners[index] = r;
            }
        }
        if (r.capacity() < steps) {
            r.growCapacity(steps);
        }
        int hPart = lstm ? 1 : 0;
        for (int d = 0; d < dirs; d++) {
            CellState s = r.state(0, d);
            s.reset();
            for (int b = 0; b < batch; b++) {
                int at = layout == 0 ? (d * batch + b) * hidden : (b * dirs + d) * hidden;
                if (h0 != null) {
                    System.arraycopy(h0.floats(), at, s.part(hPart), b * hidden, hidden);
                }
                if (c0 != null) {
                    System.arraycopy(c0.floats(), at, s.part(0), b * hidden, hidden);
                }
            }
        }
        if ((long) steps * dirs * batch * hidden > MAX_VALUES) {
            throw new IllegalArgumentException("Y of [" + steps + ", " + dirs + ", " + batch + ", " + hidden + "] holds more than " + MAX_VALUES
                    + " values, over the budget of one intermediate tensor");
        }
        int per = steps * batch * hidden;
        float[] seq0 = m.floats(per);
        float[] seq1 = dirs == 2 ? m.floats(per) : null;
        if (lengths != null) {
            // Padded steps are written as zeros by the runner; cleared anyway, as a new array would be.
            Arrays.fill(seq0, 0f);
            if (seq1 != null) {
                Arrays.fill(seq1, 0f);
            }
        }
        if (steps > 0) {
            r.run(x.floats(), steps, layout == 0, lengths, null, Padding.ZERO, seq0, seq1);
        }
        float[] y = m.floats(steps * dirs * batch * hidden);
        float[] yh = m.floats(dirs * batch * hidden);
        float[] yc = lstm ? m.floats(dirs * batch * hidden) : null;
        for (int d = 0; d < dirs; d++) {
            CellState s = r.state(0, d);
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < steps; t++) {
                    int src = layout == 0 ? (t * batch + b) * hidden : (b * steps + t) * hidden;
                    int dst = layout == 0 ? ((t * dirs + d) * batch + b) * hidden : ((b * steps + t) * dirs + d) * hidden;
                    System.arraycopy(d == 0 ? seq0 : seq1, src, y, dst, hidden);
                }
                int at = layout == 0 ? (d * batch + b) * hidden : (b * dirs + d) * hidden;
                System.arraycopy(s.part(hPart), b * hidden, yh, at, hidden);
                if (lstm) {
                    System.arraycopy(s.part(0), b * hidden, yc, at, hidden);
                }
            }
        }
        int[] yShape = m.ints(4);
        yShape[0] = layout == 0 ? steps : batch;
        yShape[1] = layout == 0 ? dirs : steps;
        yShape[2] = layout == 0 ? batch : dirs;
        yShape[3] = hidden;
        put(n, v, 0, m.value(yShape, y, null));
        put(n, v, 1, m.value(stateShape, yh, null));
        if (lstm) {
            put(n, v, 2, m.value(m.copy(stateShape), yc, null));
        }
    }
}
