package io.github.panamarnn.formats.onnx;

import io.github.panamarnn.formats.ModelFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model ({@code ModelProto}), read from and written to the protobuf wire format directly
 * (the field numbers of {@code onnx.proto}; no generated classes), and run by {@link OnnxSession}.
 *
 * <p>What is kept: the opset, the graph's nodes (op type, inputs, outputs, attributes), its
 * initializers (FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT32, INT64; raw, typed or external data, see
 * {@link OnnxExternalData}) and its input and output names and shapes. Sub-graphs and sparse
 * tensors are rejected with a {@link ModelFormatException} naming the file and what was found.
 * Immutable and thread-safe.
 */
public final class OnnxModel {
    /** ONNX {@code TensorProto.DataType} values used here. */
    public static final int FLOAT = 1;
    /** {@code TensorProto.DataType} of a 32-bit int tensor. */
    public static final int INT32 = 6;
    /** {@code TensorProto.DataType} of a 64-bit int tensor. */
    public static final int INT64 = 7;
    /** {@code TensorProto.DataType} of a float64 tensor. */
    public static final int DOUBLE = 11;
    /** IEEE half precision: read and widened exactly to float32 once, at load. */
    public static final int FLOAT16 = 10;
    /** bfloat16: read and widened exactly to float32 once, at load. */
    public static final int BFLOAT16 = 16;

    /** An attribute; only the field its {@code type} names is meaningful. */
    public record Attribute(String name, Type type, float f, long i, String s, OnnxValue t, float[] floats, long[] ints, List<String> strings) {
        /** {@code AttributeProto.AttributeType}, in its numbering. */
        public enum Type {
            /** Not set. */
            UNDEFINED,
            /** One float. */
            FLOAT,
            /** One int64. */
            INT,
            /** One string. */
            STRING,
            /** A tensor. */
            TENSOR,
            /** A subgraph (not run by this reader). */
            GRAPH,
            /** A list of floats. */
            FLOATS,
            /** A list of int64. */
            INTS,
            /** A list of strings. */
            STRINGS,
            /** A list of tensors. */
            TENSORS,
            /** A list of subgraphs. */
            GRAPHS,
            /** A sparse tensor. */
            SPARSE_TENSOR,
            /** A list of sparse tensors. */
            SPARSE_TENSORS,
            /** A type. */
            TYPE_PROTO,
            /** A list of types. */
            TYPE_PROTOS
        }

        /** An int attribute. */
        public static Attribute of(String name, long v) {
            return new Attribute(name, Type.INT, 0, v, null, null, null, null, null);
        }

        /** A float attribute. */
        public static Attribute of(String name, float v) {
            return new Attribute(name, Type.FLOAT, v, 0, null, null, null, null, null);
        }

        /** A string attribute. */
        public static Attribute of(String name, String v) {
            return new Attribute(name, Type.STRING, 0, 0, v, null, null, null, null);
        }

        /** A tensor attribute. */
        public static Attribute of(String name, OnnxValue v) {
            return new Attribute(name, Type.TENSOR, 0, 0, null, v, null, null, null);
        }

        /** A float-list attribute. */
        public static Attribute ofFloats(String name, float[] v) {
            return new Attribute(name, Type.FLOATS, 0, 0, null, null, v.clone(), null, null);
        }

        /** An int-list attribute. */
        public static Attribute ofInts(String name, long[] v) {
            return new Attribute(name, Type.INTS, 0, 0, null, null, null, v.clone(), null);
        }

        /** A string-list attribute. */
        public static Attribute ofStrings(String name, List<String> v) {
            return new Attribute(name, Type.STRINGS, 0, 0, null, null, null, null, List.copyOf(v));
        }

        @Override
        public String toString() {
            return name + "=" + switch (type) {
                case FLOAT -> Float.toString(f);
                case INT -> Long.toString(i);
                case STRING -> "'" + s + "'";
                case TENSOR -> String.valueOf(t);
                case FLOATS -> Arrays.toString(floats);
                case INTS -> Arrays.toString(ints);
                case STRINGS -> strings.toString();
                default -> type.toString();
            };
        }
    }

    /** A node: {@code inputs} may hold "" for an omitted optional input. */
    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs, Map<String, Attribute> attributes) {
        /** Copies the lists and the map. */
        public Node {
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
            attributes = Map.copyOf(attributes);
        }

        /** The input at {@code i}, or "" when absent. */
        public String input(int i) {
            return i < inputs.size() ? inputs.get(i) : "";
        }

        @Override
        public String toString() {
            return opType + " node '" + name + "'";
        }
    }

    /** A graph input or output: its name, element type and dimensions ({@code -1} for a symbolic or unknown one). */
    public record ValueInfo(String name, int elemType, int[] dims, List<String> dimNames) {
    }

    private final String source;
    private final long irVersion;
    private final long opset;
    private final String producer;
    private final List<Node> nodes;
    private final Map<String, OnnxValue> initializers;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;

    /** A graph of {@code nodes} and {@code initializers}, checked as {@link #read} checks a file's. */
    public OnnxModel(String source, long irVersion, long opset, String producer, List<Node> nodes, Map<String, OnnxValue> initializers,
                     List<ValueInfo> inputs, List<ValueInfo> outputs) {
        this.source = source;
        this.irVersion = irVersion;
        this.opset = opset;
        this.producer = producer;
        this.nodes = List.copyOf(nodes);
        this.initializers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    /** Where the graph came from (a file name, for messages). */
    public String source() {
        return source;
    }

    /** The file's {@code ir_version}. */
    public long irVersion() {
        return irVersion;
    }

    /** The {@code ai.onnx} opset version. */
    public long opset() {
        return opset;
    }

    /** The file's {@code producer_name} and version. */
    public String producer() {
        return producer;
    }

    /** The graph's nodes, in the file's (topological) order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The graph's initializers by name. */
    public Map<String, OnnxValue> initializers() {
        return initializers;
    }

    /** Graph inputs that are not initializers: what a caller feeds. */
    public List<ValueInfo> inputs() {
        return inputs;
    }

    /** The graph's outputs. */
    public List<ValueInfo> outputs() {
        return outputs;
    }

    /** Values in the initializers. */
    public long parameterCount() {
        long n = 0;
        for (OnnxValue t : initializers.values()) {
            if (t.isFloat()) {
                n += t.size();
            }
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /** Reads and checks an ONNX file, its external data (if any) from beside it. */
    public static OnnxModel read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 16) {
            throw new ModelFormatException(file + ": " + size + " bytes, over the 2 GiB protobuf limit; keep the weights as external data");
        }
        byte[] bytes = Files.readAllBytes(file);
        String what = file.toString();
        try {
            return parseModel(new Protobuf.Reader(bytes, 0, bytes.length, what), what, new OnnxExternalData(file));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(what + ": " + e.getMessage(), e);
        }
    }

    /** Parses a serialized {@code ModelProto}; {@code what} names it in errors. */
    public static OnnxModel read(byte[] bytes, String what) throws ModelFormatException {
        try {
            return parseModel(new Protobuf.Reader(bytes, 0, bytes.length, what), what, null);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(what + ": " + e.getMessage(), e);
        }
    }

    /** {@code external}: where initializers with external data are read from; null when the bytes have no folder. */
    private static OnnxModel parseModel(Protobuf.Reader r, String what, OnnxExternalData external) throws ModelFormatException {
        long ir = -1;
        long opset = -1;
        String producer = "";
        String version = "";
        Protobuf.Reader graph = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> ir = r.varint();
                case 2 -> producer = r.string();
                case 3 -> version = r.string();
                case 7 -> graph = r.message("graph");
                case 8 -> {
                    Protobuf.Reader o = r.message("opset_import");
                    String domain = "";
                    long v = -1;
                    while (o.next()) {
                        switch (o.field()) {
                            case 1 -> domain = o.string();
                            case 2 -> v = o.varint();
                            default -> o.skip();
                        }
                    }
                    if (domain.isEmpty() || domain.equals("ai.onnx")) {
                        opset = v;
                    }
                }
                default -> r.skip();
            }
        }
        if (graph == null || ir < 0) {
            throw new ModelFormatException(what + ": not an ONNX model (no ir_version or no graph in the ModelProto)");
        }
        if (opset < 1) {
            throw new ModelFormatException(what + ": no ai.onnx opset_import");
        }
        List<Node> nodes = new ArrayList<>();
        Map<String, OnnxValue> init = new LinkedHashMap<>();
        List<ValueInfo> ins = new ArrayList<>();
        List<ValueInfo> outs = new ArrayList<>();
        while (graph.next()) {
            switch (graph.field()) {
                case 1 -> nodes.add(parseNode(graph.message("node"), what, nodes.size()));
                case 5 -> {
                    OnnxValue t = parseTensor(graph.message("initializer"), what, external);
                    init.put(t.name(), t);
                }
                case 11 -> ins.add(parseValueInfo(graph.message("input"), what));
                case 12 -> outs.add(parseValueInfo(graph.message("output"), what));
                case 15 -> throw new ModelFormatException(what + ": sparse initializers are not supported");
                default -> graph.skip();
            }
        }
        ins.removeIf(v -> init.containsKey(v.name()));
        return new OnnxModel(what, ir, opset, (producer + " " + version).trim(), nodes, init, ins, outs);
    }

    private static Node parseNode(Protobuf.Reader r, String what, int index) throws ModelFormatException {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        Map<String, Attribute> attrs = new HashMap<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> in.add(r.string());
                case 2 -> out.add(r.string());
                case 3 -> name = r.string();
                case 4 -> op = r.string();
                case 5 -> {
                    Attribute a = parseAttribute(r.message("attribute"), what);
                    attrs.put(a.name(), a);
                }
                case 7 -> domain = r.string();
                default -> r.skip();
            }
        }
        if (name.isEmpty()) {
            name = op + "_" + index;
        }
        return new Node(name, op, domain, in, out, attrs);
    }

    private static Attribute parseAttribute(Protobuf.Reader r, String what) throws ModelFormatException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        String s = null;
        OnnxValue t = null;
        Protobuf.FloatList floats = new Protobuf.FloatList();
        Protobuf.LongList ints = new Protobuf.LongList();
        List<String> strings = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.string();
                case 2 -> f = Float.intBitsToFloat(r.fixed32());
                case 3 -> i = r.varint();
                case 4 -> s = r.string();
                case 5 -> t = parseTensor(r.message("t"), what);
                case 7 -> r.floats(floats);
                case 8 -> r.varints(ints);
                case 9 -> strings.add(r.string());
                case 20 -> type = (int) r.varint();
                case 6, 11 -> throw new ModelFormatException(what + ": attribute '" + name + "' holds a graph (control flow), which is not supported");
                default -> r.skip();
            }
        }
        Attribute.Type[] types = Attribute.Type.values();
        if (type < 0 || type >= types.length) {
            throw new ModelFormatException(what + ": attribute '" + name + "' has unknown type " + type);
        }
        return new Attribute(name, types[type], f, i, s, t, floats.toArray(), ints.toArray(), List.copyOf(strings));
    }

    private static ValueInfo parseValueInfo(Protobuf.Reader r, String what) throws ModelFormatException {
        String name = "";
        int elem = 0;
        List<Integer> dims = new ArrayList<>();
        List<String> dimNames = new ArrayList<>();
        while (r.next()) {
            if (r.field() == 1) {
                name = r.string();
            } else if (r.field() == 2) {
                Protobuf.Reader type = r.message("type");
                while (type.next()) {
                    if (type.field() != 1) {
                        type.skip();
                        continue;
                    }
                    Protobuf.Reader tt = type.message("tensor_type");
                    while (tt.next()) {
                        if (tt.field() == 1) {
                            elem = (int) tt.varint();
                        } else if (tt.field() == 2) {
                            Protobuf.Reader shape = tt.message("shape");
                            while (shape.next()) {
                                if (shape.field() != 1) {
                                    shape.skip();
                                    continue;
                                }
                                Protobuf.Reader d = shape.message("dim");
                                int v = -1;
                                String p = "?";
                                while (d.next()) {
                                    if (d.field() == 1) {
                                        long dv = d.varint();
                                        v = dv >= 0 && dv <= Integer.MAX_VALUE ? (int) dv : -1;
                                        p = Long.toString(dv);
                                    } else if (d.field() == 2) {
                                        p = d.string();
                                    } else {
                                        d.skip();
                                    }
                                }
                                dims.add(v);
                                dimNames.add(p);
                            }
                        } else {
                            tt.skip();
                        }
                    }
                }
            } else {
                r.skip();
            }
        }
        return new ValueInfo(name, elem, dims.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(dimNames));
    }

    static OnnxValue parseTensor(Protobuf.Reader r, String what) throws ModelFormatException {
        return parseTensor(r, what, null);
    }

    static OnnxValue parseTensor(Protobuf.Reader r, String what, OnnxExternalData externalData) throws ModelFormatException {
        Protobuf.LongList dims = new Protobuf.LongList();
        int type = 0;
        String name = "";
        byte[] raw = null;
        Protobuf.FloatList floats = new Protobuf.FloatList();
        Protobuf.LongList ints = new Protobuf.LongList();
        Protobuf.LongList doubles = new Protobuf.LongList();
        boolean external = false;
        Map<String, String> entries = new HashMap<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> r.varints(dims);
                case 2 -> type = (int) r.varint();
                case 4 -> r.floats(floats);
                case 5, 7 -> r.varints(ints);
                case 8 -> name = r.string();
                case 9 -> raw = r.bytes();
                case 10 -> {
                    if (r.wireType() == Protobuf.I64) {
                        doubles.add(r.fixed64());
                    } else {
                        int n = r.length();
                        Protobuf.Reader d = new Protobuf.Reader(r.buffer(), r.position(), r.position() + n, what);
                        for (int k = 0; k < n / 8; k++) {
                            doubles.add(d.fixed64());
                        }
                        r.skipBytes(n);
                    }
                }
                case 13 -> {
                    Protobuf.Reader e = r.message("external_data");
                    String key = "";
                    String value = "";
                    while (e.next()) {
                        switch (e.field()) {
                            case 1 -> key = e.string();
                            case 2 -> value = e.string();
                            default -> e.skip();
                        }
                    }
                    entries.put(key, value);
                }
                case 14 -> external |= r.varint() == 1;
                default -> r.skip();
            }
        }
        int[] shape = new int[dims.n];
        long count = 1;
        for (int k = 0; k < dims.n; k++) {
            long d = dims.a[k];
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new ModelFormatException(what + ": tensor '" + name + "' has dimension " + d);
            }
            shape[k] = (int) d;
            count *= d;
            if (count > Integer.MAX_VALUE / 8) {
                throw new ModelFormatException(what + ": tensor '" + name + "' of shape " + Arrays.toString(Arrays.copyOf(dims.a, dims.n)) + " is too large");
            }
        }
        int n = (int) count;
        int width = switch (type) {
            case FLOAT16, BFLOAT16 -> 2;
            case FLOAT, INT32 -> 4;
            case INT64, DOUBLE -> 8;
            default -> throw new ModelFormatException(what + ": tensor '" + name + "' has data type " + type
                    + ", expected FLOAT (1), FLOAT16 (10), BFLOAT16 (16), DOUBLE (11), INT32 (6) or INT64 (7)");
        };
        if (external) {
            if (externalData == null) {
                throw new ModelFormatException(what + ": tensor '" + name + "' keeps its data in an external file, which needs the model read "
                        + "from its file (its folder holds the data)");
            }
            raw = externalData.read(name, entries, (long) n * width);
        }
        // float16 and bfloat16 without raw_data keep each value's 16 bits in int32_data (onnx.proto).
        int have = raw != null ? raw.length / width : type == FLOAT ? floats.n : type == DOUBLE ? doubles.n : ints.n;
        if (raw != null && raw.length != (long) n * width || raw == null && have != n) {
            throw new ModelFormatException(what + ": tensor '" + name + "' of shape " + Arrays.toString(shape) + " needs " + n + " values, its data holds "
                    + (raw != null ? raw.length + " bytes" : have + " values"));
        }
        ByteBuffer bb = raw == null ? null : ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT16, BFLOAT16 -> {
                // Converted once, here, to the float32 the kernels use: both widen exactly (every half and bfloat16
                // value is a float32), so the numbers are the file's own.
                float[] v = new float[n];
                for (int k = 0; k < n; k++) {
                    int bits = (bb != null ? bb.getShort(2 * k) : (int) ints.a[k]) & 0xFFFF;
                    v[k] = type == FLOAT16 ? Float.float16ToFloat((short) bits) : Float.intBitsToFloat(bits << 16);
                }
                return new OnnxValue(name, shape, v, null);
            }
            case FLOAT, DOUBLE -> {
                float[] v = new float[n];
                for (int k = 0; k < n; k++) {
                    v[k] = type == FLOAT ? (bb != null ? bb.getFloat(4 * k) : floats.a[k])
                            : (float) (bb != null ? bb.getDouble(8 * k) : Double.longBitsToDouble(doubles.a[k]));
                }
                return new OnnxValue(name, shape, v, null);
            }
            default -> {
                long[] v = new long[n];
                for (int k = 0; k < n; k++) {
                    v[k] = bb == null ? (type == INT32 ? (int) ints.a[k] : ints.a[k]) : type == INT32 ? bb.getInt(4 * k) : bb.getLong(8 * k);
                }
                return new OnnxValue(name, shape, null, v);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /** This model as a serialized {@code ModelProto} (tensors as raw data; inputs and outputs float32 with their dims). */
    public byte[] toBytes() {
        Protobuf.Writer g = new Protobuf.Writer();
        for (Node n : nodes) {
            Protobuf.Writer w = new Protobuf.Writer();
            n.inputs().forEach(s -> w.string(1, s));
            n.outputs().forEach(s -> w.string(2, s));
            w.string(3, n.name()).string(4, n.opType());
            for (Attribute a : n.attributes().values()) {
                w.message(5, attribute(a));
            }
            if (!n.domain().isEmpty()) {
                w.string(7, n.domain());
            }
            g.message(1, w);
        }
        g.string(2, "main");
        for (OnnxValue t : initializers.values()) {
            g.message(5, tensor(t));
        }
        for (ValueInfo v : inputs) {
            g.message(11, valueInfo(v));
        }
        for (ValueInfo v : outputs) {
            g.message(12, valueInfo(v));
        }
        Protobuf.Writer m = new Protobuf.Writer();
        m.varint(1, irVersion).string(2, "panama-rnn").string(3, producer.isEmpty() ? "0" : producer).message(7, g);
        m.message(8, new Protobuf.Writer().string(1, "").varint(2, opset));
        return m.toByteArray();
    }

    private static Protobuf.Writer attribute(Attribute a) {
        Protobuf.Writer w = new Protobuf.Writer().string(1, a.name());
        switch (a.type()) {
            case FLOAT -> w.fixed32(2, Float.floatToRawIntBits(a.f()));
            case INT -> w.varint(3, a.i());
            case STRING -> w.string(4, a.s());
            case TENSOR -> w.message(5, tensor(a.t()));
            case FLOATS -> w.packedFloats(7, a.floats());
            case INTS -> w.packedVarints(8, a.ints());
            case STRINGS -> a.strings().forEach(s -> w.string(9, s));
            default -> throw new IllegalArgumentException("cannot write attribute type " + a.type());
        }
        return w.varint(20, a.type().ordinal());
    }

    private static Protobuf.Writer tensor(OnnxValue t) {
        Protobuf.Writer w = new Protobuf.Writer();
        long[] dims = new long[t.shape().length];
        for (int k = 0; k < dims.length; k++) {
            dims[k] = t.shape()[k];
        }
        w.packedVarints(1, dims).varint(2, t.isFloat() ? FLOAT : INT64);
        if (t.name() != null) {
            w.string(8, t.name());
        }
        ByteBuffer b = ByteBuffer.allocate(t.size() * (t.isFloat() ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < t.size(); k++) {
            if (t.isFloat()) {
                b.putFloat(t.floats()[k]);
            } else {
                b.putLong(t.longs()[k]);
            }
        }
        return w.bytes(9, b.array());
    }

    private static Protobuf.Writer valueInfo(ValueInfo v) {
        Protobuf.Writer shape = new Protobuf.Writer();
        for (int k = 0; k < v.dims().length; k++) {
            Protobuf.Writer d = new Protobuf.Writer();
            if (v.dims()[k] >= 0) {
                d.varint(1, v.dims()[k]);
            } else {
                d.string(2, k < v.dimNames().size() ? v.dimNames().get(k) : "d" + k);
            }
            shape.message(1, d);
        }
        Protobuf.Writer tt = new Protobuf.Writer().varint(1, v.elemType() == 0 ? FLOAT : v.elemType()).message(2, shape);
        return new Protobuf.Writer().string(1, v.name()).message(2, new Protobuf.Writer().message(1, tt));
    }
}
