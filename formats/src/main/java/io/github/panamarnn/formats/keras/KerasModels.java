package io.github.panamarnn.formats.keras;

import io.github.panamarnn.formats.Budget;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.Tensor;
import io.github.panamarnn.formats.zip.ZipEntries;

import io.github.panamarnn.model.Model;
import io.github.panamarnn.model.Dense;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.panamarnn.cells.GruCell;
import io.github.panamarnn.cells.LstmCell;
import io.github.panamarnn.cells.MultiRnnCell;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.SimpleRnnCell;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.unroll.LayeredRunner.Merge;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Whole Keras models from the files Keras writes (SEMANTICS.md 4; models/README.md 4.1-4.3):
 * <ul>
 * <li>Keras 3 {@code .keras}: a zip of {@code config.json} and {@code model.weights.h5}, whose
 *     variables are numbered datasets under {@code layers/<group>/...}; the group is found through the
 *     {@code name} attribute of its {@code vars} group (the group name is not the layer name);</li>
 * <li>legacy {@code .h5} (Keras 2 and 3): the {@code model_config} attribute, and per layer the
 *     {@code weight_names} attribute of {@code model_weights/<layer>} naming its datasets in order.</li>
 * </ul>
 * Sequential models and Functional models that are a single chain are supported, with these layers:
 * {@code InputLayer}, {@code Masking}, {@code SimpleRNN}, {@code LSTM}, {@code GRU} (both
 * {@code reset_after}), {@code Bidirectional} (merge concat/sum/mul/ave), {@code Dense},
 * {@code TimeDistributed(Dense)}, and {@code Dropout} (the identity at inference). The optimizer state
 * is skipped. Anything else is a {@link ModelFormatException} naming the file and the layer; nothing
 * half-built is returned.
 */
public final class KerasModels {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KerasModels() {
    }

    /** Loads a {@code .keras} or legacy {@code .h5} model (chosen by the file's first bytes). */
    public static Model load(Path file) throws IOException {
        return load(file, Budget.of(file));
    }

    /** {@link #load(Path)} within {@code budget}: every size the file declares is taken from it before it is read. */
    public static Model load(Path file, Budget budget) throws IOException {
        byte[] magic = new byte[8];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(magic, 0, 8);
            if (n < 4) {
                throw new ModelFormatException(file + ": " + n + " bytes, too short for a .keras (zip) or .h5 (HDF5) file");
            }
        }
        try {
            if (magic[0] == 'P' && magic[1] == 'K') {
                return loadKeras3(file, budget);
            }
            if ((magic[0] & 0xff) == 0x89 && magic[1] == 'H' && magic[2] == 'D' && magic[3] == 'F') {
                // Read into memory (within the budget) rather than through jhdf's file channel, which allocates whatever a
                // damaged object header declares before reading it; in memory, a declared length past the end fails instead.
                long size = Files.size(file);
                if (size > Integer.MAX_VALUE - 16) {
                    throw new ModelFormatException(file + ": " + size + " bytes; .h5 files over 2 GiB are not read");
                }
                budget.take(size, "the HDF5 file");
                byte[] bytes = Files.readAllBytes(file);
                try (HdfFile h5 = HdfFile.fromBytes(bytes)) {
                    return loadLegacyH5(file, h5, new H5(file, budget, bytes.length));
                }
            }
        } catch (ModelFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(file + ": unreadable Keras file (" + e.getClass().getSimpleName() + ": " + ZipEntries.oneLine(e) + ")", e);
        }
        throw new ModelFormatException(file + ": not a Keras model: expected a zip (.keras, starts with 'PK') or HDF5 (.h5, starts with "
                + "\\x89HDF), got bytes " + hex(magic));
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format(Locale.ROOT, "%02x", x & 0xff));
        }
        return s.toString();
    }

    /**
     * A model from a Keras config (the JSON of {@code model.to_json()} or a {@code .keras} archive's
     * {@code config.json}) and each layer's weights in {@code layer.get_weights()} order (for
     * {@code Bidirectional}: the forward layer's, then the backward layer's).
     *
     * @param kerasVersion "2..." or "3..." (only {@code hard_sigmoid} differs between them)
     */
    public static Model fromConfig(String configJson, String kerasVersion, Map<String, List<Tensor>> weightsByLayer)
            throws ModelFormatException {
        JsonNode config;
        try {
            config = JSON.readTree(configJson);
        } catch (IOException e) {
            throw new ModelFormatException("Keras config: not JSON (" + ZipEntries.oneLine(e) + ")", e);
        }
        Path where = Path.of("<config>");
        return build(where, "Keras " + kerasVersion + " config", config, kerasVersion, (layer, cls, cfg) -> {
            List<Tensor> w = weightsByLayer.get(layer);
            if (w == null) {
                throw new ModelFormatException("Keras config: no weights given for layer '" + layer + "' (have " + weightsByLayer.keySet() + ")");
            }
            return w;
        });
    }

    // ---------------------------------------------------------------------------------------------
    // The two containers

    /** Where HDF5 datasets are read from: the file (for messages), the budget, the bytes the HDF5 image holds, the groups already visited. */
    private record H5(Path file, Budget budget, long length, java.util.Set<Long> visited) {
        H5(Path file, Budget budget, long length) {
            this(file, budget, length, new java.util.HashSet<>());
        }
    }

    private static Model loadKeras3(Path file, Budget budget) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            JsonNode config = json(entry(zip, file, "config.json", budget), file, "config.json");
            String version = "3";
            if (zip.getEntry("metadata.json") != null) {
                version = json(entry(zip, file, "metadata.json", budget), file, "metadata.json").path("keras_version").asText("3");
            }
            byte[] weights = entry(zip, file, "model.weights.h5", budget);
            H5 h = new H5(file, budget, weights.length);
            try (HdfFile h5 = HdfFile.fromBytes(weights)) {
                Group layersGroup = group(h5, "layers", file);
                Map<String, Group> byName = new HashMap<>();
                for (Node child : layersGroup.getChildren().values()) {
                    if (child instanceof Group g) {
                        byName.put(realName(g), g);
                    }
                }
                WeightSource ws = (layerName, cls, cfg) -> {
                    Group g = byName.get(layerName);
                    if (g == null) {
                        throw new ModelFormatException(file + ": layer '" + layerName + "' has no weights under layers/ (have " + byName.keySet() + ")");
                    }
                    List<Tensor> out = new ArrayList<>();
                    if (cls.equals("Bidirectional")) {
                        JsonNode fw = cfg.path("layer");
                        JsonNode bw = cfg.hasNonNull("backward_layer") ? cfg.get("backward_layer") : fw;
                        collectLayer(group(g, "forward_layer", file), fw.path("class_name").asText(), fw.path("config"), out, h);
                        collectLayer(group(g, "backward_layer", file), bw.path("class_name").asText(), bw.path("config"), out, h);
                    } else {
                        collectLayer(g, cls, cfg, out, h);
                    }
                    return out;
                };
                return build(file, "Keras " + version + " .keras", config, version, ws);
            }
        }
    }

    private static Model loadLegacyH5(Path file, HdfFile h5, H5 h) throws IOException {
        String cfg = stringAttribute(h5, "model_config", file);
        if (cfg == null) {
            throw new ModelFormatException(file + ": HDF5 file without a 'model_config' attribute: a weights-only file "
                    + "(save_weights) has no architecture; load the .keras or full .h5 model instead");
        }
        JsonNode config = json(cfg.getBytes(java.nio.charset.StandardCharsets.UTF_8), file, "model_config");
        String version = stringAttribute(h5, "keras_version", file);
        if (version == null) {
            version = "2";
        }
        Group mw = group(h5, "model_weights", file);
        WeightSource ws = (layerName, cls, layerConfig) -> {
            Node n = mw.getChild(layerName);
            if (!(n instanceof Group g)) {
                throw new ModelFormatException(file + ": layer '" + layerName + "' has no group model_weights/" + layerName);
            }
            Attribute a = g.getAttribute("weight_names");
            List<Tensor> out = new ArrayList<>();
            if (a == null) {
                return out;
            }
            for (String name : strings(a.getData())) {
                Node d = g.getByPath(name);
                if (!(d instanceof Dataset ds)) {
                    throw new ModelFormatException(file + ": weight '" + name + "' of layer '" + layerName + "' is not a dataset");
                }
                out.add(tensor(ds, h));
            }
            return out;
        };
        return build(file, "Keras " + version + " legacy .h5", config, version, ws);
    }

    private static byte[] entry(ZipFile zip, Path file, String name, Budget budget) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new ModelFormatException(file + ": .keras archive without '" + name + "'");
        }
        return ZipEntries.read(zip, e, file, budget);
    }

    /** JSON, or a one-line error naming the file and the part. */
    private static JsonNode json(byte[] b, Path file, String part) throws ModelFormatException {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": " + part + " is not JSON (" + ZipEntries.oneLine(e) + ")", e);
        }
    }

    private static Group group(Group parent, String name, Path file) throws ModelFormatException {
        Node n = parent.getChild(name);
        if (!(n instanceof Group g)) {
            throw new ModelFormatException(file + ": no HDF5 group '" + name + "' under '" + parent.getPath() + "'");
        }
        return g;
    }

    /** The layer name a Keras 3 weights group stands for: the {@code name} attribute of its {@code vars}, else the group name. */
    private static String realName(Group g) {
        Node vars = g.getChild("vars");
        if (vars != null) {
            Attribute a = vars.getAttribute("name");
            if (a != null) {
                List<String> s = strings(a.getData());
                if (s.size() == 1) {
                    return s.get(0);
                }
            }
        }
        return g.getName();
    }

    /**
     * A Keras 3 layer's variables in {@code layer.weights} order. An {@code RNN} layer's are its
     * cell's; a {@code StackedRNNCells} saves its cells under {@code cells/<snake_case class>[_k]}
     * (Keras {@code saving_lib}: the class name, numbered from the second of a kind), read here in the
     * config's order, not the group's.
     */
    private static void collectLayer(Group g, String cls, JsonNode cfg, List<Tensor> out, H5 h) throws ModelFormatException {
        if (cls.equals("RNN")) {
            collectCell(group(g, "cell", h.file()), cfg.path("cell"), out, h);
        } else {
            collect(g, out, h, 0);
        }
    }

    private static void collectCell(Group g, JsonNode cell, List<Tensor> out, H5 h) throws ModelFormatException {
        Path file = h.file();
        if (!cell.path("class_name").asText().equals("StackedRNNCells")) {
            collect(g, out, h, 0);
            return;
        }
        Group cells = group(g, "cells", file);
        Map<String, Integer> used = new HashMap<>();
        for (JsonNode c : cell.path("config").path("cells")) {
            String base = snakeCase(c.path("class_name").asText());
            Integer k = used.merge(base, 0, (a, b) -> a + 1);
            collectCell(group(cells, k == 0 ? base : base + "_" + k, file), c, out, h);
        }
    }

    /** Keras {@code naming.to_snake_case}: {@code LSTMCell} to {@code lstm_cell}, {@code SimpleRNNCell} to {@code simple_rnn_cell}. */
    static String snakeCase(String name) {
        String n = name.replaceAll("\\W+", "");
        n = n.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return n.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** Keras 3 variables of a layer in creation order: its own {@code vars/0..n}, then its child objects (e.g. {@code cell}). */
    private static void collect(Group g, List<Tensor> out, H5 h, int depth) throws ModelFormatException {
        Path file = h.file();
        if (depth > 32 || !h.visited().add(g.getAddress())) {
            throw new ModelFormatException(file + ": HDF5 group '" + g.getPath() + "' " + (depth > 32 ? "is nested more than 32 deep"
                    : "links back to a group already read (a cycle)"));
        }
        Node vars = g.getChild("vars");
        if (vars instanceof Group vg) {
            TreeMap<Integer, Dataset> numbered = new TreeMap<>();
            for (Node n : vg.getChildren().values()) {
                if (n instanceof Dataset d) {
                    try {
                        numbered.put(Integer.parseInt(n.getName()), d);
                    } catch (NumberFormatException e) {
                        throw new ModelFormatException(file + ": variable '" + n.getPath() + "' is not numbered (expected vars/0, vars/1, ...)");
                    }
                }
            }
            for (Dataset d : numbered.values()) {
                out.add(tensor(d, h));
            }
        }
        TreeMap<String, Group> children = new TreeMap<>();
        for (Node n : g.getChildren().values()) {
            if (n instanceof Group c && !n.getName().equals("vars")) {
                children.put(n.getName(), c);
            }
        }
        for (Group c : children.values()) {
            collect(c, out, h, depth + 1);
        }
    }

    private static String stringAttribute(Node n, String name, Path file) throws ModelFormatException {
        Attribute a = n.getAttribute(name);
        if (a == null) {
            return null;
        }
        List<String> s = strings(a.getData());
        if (s.size() != 1) {
            throw new ModelFormatException(file + ": attribute '" + name + "' is not a string");
        }
        return s.get(0);
    }

    private static List<String> strings(Object data) {
        List<String> out = new ArrayList<>();
        if (data instanceof String s) {
            out.add(s);
        } else if (data instanceof String[] a) {
            out.addAll(Arrays.asList(a));
        } else if (data instanceof byte[] b) {
            out.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
        } else if (data instanceof Object[] a) {
            for (Object o : a) {
                out.addAll(strings(o));
            }
        }
        return out;
    }

    /**
     * A dataset's values, after its declared size is checked: against the budget, and for contiguous
     * storage (what Keras writes) against the bytes the HDF5 image really holds, so a truncated file
     * is refused instead of read as whatever lies past its end.
     */
    private static Tensor tensor(Dataset d, H5 h) throws ModelFormatException {
        Path file = h.file();
        Class<?> t = d.getJavaType();
        long[] dims = d.isScalar() ? new long[0] : d.getDimensionsAsLong();
        long n = 1;
        for (long s : dims) {
            if (s < 0 || s > Integer.MAX_VALUE) {
                throw new ModelFormatException(file + ": dataset " + d.getPath() + " has dimension " + s);
            }
            n *= s;
            if (n > Integer.MAX_VALUE / 2) {
                throw new ModelFormatException(file + ": dataset " + d.getPath() + " declares " + Arrays.toString(dims) + " values, too many");
            }
        }
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = (int) dims[i];
        }
        long bytes = d.getSizeInBytes();
        h.budget().take(bytes, "dataset " + d.getPath());
        if (d instanceof io.jhdf.api.dataset.ContiguousDataset c && !d.isEmpty()) {
            long at = c.getDataAddress();
            if (at < 0 || at > h.length() || bytes > h.length() - at) {
                throw new ModelFormatException(file + ": dataset " + d.getPath() + " declares " + bytes + " bytes at offset " + at + ", past the end "
                        + "of the " + h.length() + "-byte HDF5 data (truncated or damaged)");
            }
        } else if (d.getStorageInBytes() > h.length()) {
            throw new ModelFormatException(file + ": dataset " + d.getPath() + " declares " + d.getStorageInBytes() + " stored bytes, more than "
                    + "the " + h.length() + "-byte HDF5 data holds");
        }
        float[] v;
        if (t == float.class || t == Float.class) {
            v = (float[]) (d.isScalar() ? new float[] {(Float) d.getData()} : d.getDataFlat());
        } else if (t == double.class || t == Double.class) {
            double[] dv = (double[]) (d.isScalar() ? new double[] {(Double) d.getData()} : d.getDataFlat());
            v = new float[dv.length];
            for (int i = 0; i < dv.length; i++) {
                v[i] = (float) dv[i];
            }
        } else {
            throw new ModelFormatException(file + ": dataset " + d.getPath() + " has element type " + t.getSimpleName()
                    + ", expected float32 (or float64)");
        }
        if (v.length != n) {
            throw new ModelFormatException(file + ": dataset " + d.getPath() + " holds " + v.length + " values for shape " + Arrays.toString(shape));
        }
        return new Tensor(d.getPath(), shape, v);
    }

    // ---------------------------------------------------------------------------------------------
    // Config to layers

    /** The ordered weight tensors of a layer (Keras {@code layer.weights} order). */
    @FunctionalInterface
    interface WeightSource {
        List<Tensor> weights(String layerName, String className, JsonNode config) throws ModelFormatException;
    }

    static Model build(Path file, String format, JsonNode root, String version, WeightSource ws) throws ModelFormatException {
        String cls = root.path("class_name").asText();
        JsonNode cfg = root.path("config");
        if (!cls.equals("Sequential") && !cls.equals("Functional") && !cls.equals("Model")) {
            throw new ModelFormatException(file + ": model class '" + cls + "' is not supported; expected Sequential or Functional");
        }
        JsonNode layers = cfg.path("layers");
        if (!layers.isArray() || layers.isEmpty()) {
            throw new ModelFormatException(file + ": model config has no layers");
        }
        boolean sequential = cls.equals("Sequential");
        // The indices of the last layer's output tensors the model returns; null: all of them (Sequential).
        List<Integer> returned = sequential ? null : checkChain(file, cfg, layers);
        String firstClass = "";
        for (JsonNode layer : layers) {
            if (!layer.path("class_name").asText().equals("InputLayer")) {
                firstClass = layer.path("class_name").asText();
                break;
            }
        }
        boolean tokenIds = firstClass.equals("Embedding");
        JsonNode finalLayer = layers.get(layers.size() - 1);
        checkOutputs(file, sequential, layers, finalLayer.path("config").path("name").asText(finalLayer.path("name").asText()), returned);
        int width = -1;
        int fixedSteps = 0;
        List<Model.Layer> out = new ArrayList<>();
        boolean keras2 = version.startsWith("2") || version.startsWith("1") || version.startsWith("tfjs");
        JsonNode lastConfig = null;
        for (JsonNode layer : layers) {
            String lc = layer.path("class_name").asText();
            JsonNode c = layer.path("config");
            String name = c.path("name").asText(layer.path("name").asText(lc));
            if (width < 0) {
                int[] shape = inputShape(c, layer);
                if (shape == null) {
                    throw new ModelFormatException(file + ": layer '" + name + "': the input shape is not in the config "
                            + "(no InputLayer batch_shape, batch_input_shape or build_config.input_shape)");
                }
                if (tokenIds ? shape.length != 2 : shape.length != 3 || shape[2] <= 0) {
                    throw new ModelFormatException(file + ": input shape " + Arrays.toString(shape) + " of layer '" + name + "', expected "
                            + (tokenIds ? "[batch, time] token ids (the model starts with an Embedding)" : "[batch, time, features] with known features"));
                }
                width = tokenIds ? 1 : shape[2];
                fixedSteps = Math.max(0, shape[1]);
            }
            if (lc.equals("InputLayer")) {
                continue;
            }
            try {
                Model.Layer l = layer(file, lc, name, c, width, keras2, ws);
                if (l == null) {
                    continue;
                }
                out.add(l);
                lastConfig = layer;
                width = switch (l) {
                    case Model.Recurrent r -> r.outputWidth();
                    case Model.Pointwise p -> p.dense().outputSize();
                    case Model.Embedding e -> e.outputDim();
                    default -> width;
                };
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file + ": layer '" + name + "' (" + lc + "): " + e.getMessage(), e);
            }
        }
        String modelName = cfg.path("name").asText("model");
        try {
            Model m = new Model(format + ", " + cls + " '" + modelName + "'", tokenIds ? 1 : inputWidth(out, width), fixedSteps, out);
            if (lastConfig != null && mergeNone(lastConfig) && m.layers().get(m.layers().size() - 1) instanceof Model.Recurrent r) {
                m = m.withOutputs(List.of(new Model.Output(r.name() + "/forward", r.forward().outputSize()),
                        new Model.Output(r.name() + "/backward", r.backward().outputSize())));
            }
            return m;
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static boolean mergeNone(JsonNode layer) {
        return layer.path("class_name").asText().equals("Bidirectional") && layer.path("config").has("merge_mode")
                && layer.path("config").get("merge_mode").isNull();
    }

    private static boolean returnState(JsonNode layer) {
        JsonNode c = layer.path("config");
        return c.path("return_state").asBoolean(false) || c.path("layer").path("config").path("return_state").asBoolean(false);
    }

    /**
     * What a chain can return: the last layer's output (its two outputs side by side for a
     * {@code Bidirectional} with {@code merge_mode=None}). A {@code return_state} layer is fine
     * while only its output is read; its state tensors as model outputs, or as the input of another
     * layer, are refused, naming the layer.
     */
    private static void checkOutputs(Path file, boolean sequential, JsonNode layers, String lastName, List<Integer> returned)
            throws ModelFormatException {
        for (JsonNode layer : layers) {
            String name = layer.path("config").path("name").asText(layer.path("name").asText());
            boolean last = name.equals(lastName);
            int outputs = mergeNone(layer) ? 2 : 1;
            if (mergeNone(layer) && !last) {
                throw new ModelFormatException(file + ": layer '" + name + "': Bidirectional with merge_mode=None has two outputs; only the "
                        + "model's last layer may have it (a chained layer reads one tensor)");
            }
            if (!returnState(layer)) {
                if (last && returned != null && !returned.equals(outputs == 2 ? List.of(0, 1) : List.of(0))) {
                    throw new ModelFormatException(file + ": the model returns outputs " + returned + " of its last layer '" + name + "', which has "
                            + outputs + "; expected " + (outputs == 2 ? "[0, 1]" : "[0]"));
                }
                continue;
            }
            if (sequential && !last) {
                throw new ModelFormatException(file + ": layer '" + name + "' has return_state=True inside a Sequential model, which hands all "
                        + "its outputs to the next layer; use a Functional model that reads only the output");
            }
            if (last) {
                List<Integer> expected = outputs == 2 ? List.of(0, 1) : List.of(0);
                if (returned == null || !returned.equals(expected)) {
                    throw new ModelFormatException(file + ": the model returns the state tensors of layer '" + name + "' (return_state=True, "
                            + "outputs " + (returned == null ? "all" : returned) + "); only its output " + expected + " is supported");
                }
            }
        }
    }

    private static int inputWidth(List<Model.Layer> layers, int fallback) {
        for (Model.Layer l : layers) {
            if (l instanceof Model.Recurrent r) {
                return r.forward().inputSize();
            }
            if (l instanceof Model.Pointwise p) {
                return p.dense().inputSize();
            }
        }
        return fallback;
    }

    /**
     * A Functional model must be one chain: every layer reads output 0 of the one before it. Returns
     * the indices of the last layer's outputs that the model returns ({@code output_layers}).
     */
    private static List<Integer> checkChain(Path file, JsonNode cfg, JsonNode layers) throws ModelFormatException {
        String prev = null;
        for (JsonNode layer : layers) {
            String name = layer.path("name").asText(layer.path("config").path("name").asText());
            List<String> inbound = new ArrayList<>();
            List<Integer> tensors = new ArrayList<>();
            collectHistory(layer.path("inbound_nodes"), inbound, tensors);
            if (prev == null) {
                if (!inbound.isEmpty() || !layer.path("class_name").asText().equals("InputLayer")) {
                    throw new ModelFormatException(file + ": Functional model whose first layer '" + name + "' is not its InputLayer");
                }
            } else if (inbound.size() != 1 || !inbound.get(0).equals(prev)) {
                throw new ModelFormatException(file + ": Functional model is not a single chain: layer '" + name + "' reads " + inbound
                        + ", expected exactly ['" + prev + "']");
            } else if (tensors.get(0) != 0) {
                throw new ModelFormatException(file + ": layer '" + name + "' reads output " + tensors.get(0) + " of '" + prev + "' (a state "
                        + "tensor of return_state, or the backward output of merge_mode=None); a chained layer must read output 0");
            }
            prev = name;
        }
        JsonNode ol = cfg.get("output_layers");
        if (ol == null || ol.isNull()) {
            return List.of(0);
        }
        List<String> names = new ArrayList<>();
        List<Integer> idx = new ArrayList<>();
        collectHistory(ol, names, idx);
        for (String n : names) {
            if (!n.equals(prev)) {
                throw new ModelFormatException(file + ": the model returns an output of layer '" + n + "'; a chained model returns its last "
                        + "layer '" + prev + "' only");
            }
        }
        return idx;
    }

    /**
     * Layer names and output indices in {@code keras_history} (Keras 3: {@code [name, node, tensor]})
     * or Keras 2's nested {@code [[name, node, tensor, {}]]} lists.
     */
    private static void collectHistory(JsonNode n, List<String> out, List<Integer> tensors) {
        if (n.isObject()) {
            JsonNode h = n.get("keras_history");
            if (h != null && h.isArray() && !h.isEmpty()) {
                out.add(h.get(0).asText());
                tensors.add(h.path(2).asInt(0));
                return;
            }
            for (JsonNode v : n) {
                collectHistory(v, out, tensors);
            }
        } else if (n.isArray()) {
            if (n.size() >= 3 && n.get(0).isTextual() && n.get(1).isInt()) {
                out.add(n.get(0).asText());
                tensors.add(n.get(2).asInt(0));
                return;
            }
            for (JsonNode v : n) {
                collectHistory(v, out, tensors);
            }
        }
    }

    private static int[] inputShape(JsonNode c, JsonNode layer) {
        for (JsonNode s : new JsonNode[] {c.get("batch_shape"), c.get("batch_input_shape"), layer.path("build_config").get("input_shape")}) {
            if (s != null && s.isArray()) {
                int[] shape = new int[s.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.get(i).isNull() ? -1 : s.get(i).asInt();
                }
                return shape;
            }
        }
        return null;
    }

    private static Model.Layer layer(Path file, String cls, String name, JsonNode c, int width, boolean keras2, WeightSource ws)
            throws ModelFormatException {
        switch (cls) {
            case "Masking":
                return new Model.Masking(name, (float) c.path("mask_value").asDouble(0));
            case "Dropout":
            case "SpatialDropout1D":
            case "GaussianNoise":
            case "GaussianDropout":
            case "AlphaDropout":
                return null; // the identity at inference
            case "Embedding": {
                int inDim = c.path("input_dim").asInt(-1);
                int outDim = c.path("output_dim").asInt(-1);
                if (inDim < 1 || outDim < 1) {
                    throw new ModelFormatException(file + ": layer '" + name + "': input_dim " + c.path("input_dim") + ", output_dim "
                            + c.path("output_dim") + ", expected positive integers");
                }
                if (width != 1) {
                    throw new ModelFormatException(file + ": layer '" + name + "': an Embedding must be the model's first layer");
                }
                List<Tensor> w = ws.weights(name, cls, c);
                checkCount(file, name, w, 1);
                Tensor t = expect(file, name, "embeddings", w.get(0), inDim, outDim);
                return new Model.Embedding(name, inDim, outDim, t.data(), c.path("mask_zero").asBoolean(false));
            }
            case "SimpleRNN":
            case "LSTM":
            case "GRU":
            case "RNN": {
                List<Tensor> w = ws.weights(name, cls, c);
                int[] at = {0};
                RnnCell cell = layerCell(file, cls, name, c, width, keras2, w, at);
                checkCount(file, name, w, at[0]);
                return recurrent(file, name, describe(cls, c), c, cell, null, null, c.path("go_backwards").asBoolean(false), params(w));
            }
            case "Bidirectional": {
                JsonNode inner = c.path("layer");
                String ic = inner.path("class_name").asText();
                JsonNode icfg = inner.path("config");
                // Keras 3 always saves backward_layer; it has its own config (SEMANTICS.md 8). Without it the
                // backward direction is a copy of the forward layer.
                JsonNode back = c.get("backward_layer");
                boolean ownBackward = back != null && !back.isNull();
                String bc = ownBackward ? back.path("class_name").asText() : ic;
                JsonNode bcfg = ownBackward ? back.path("config") : icfg;
                for (String k : new String[] {ic, bc}) {
                    if (!k.equals("SimpleRNN") && !k.equals("LSTM") && !k.equals("GRU") && !k.equals("RNN")) {
                        throw new ModelFormatException(file + ": layer '" + name + "': Bidirectional around '" + k
                                + "' is not supported; expected SimpleRNN, LSTM, GRU or RNN");
                    }
                }
                if (icfg.path("go_backwards").asBoolean(false)) {
                    throw new ModelFormatException(file + ": layer '" + name + "': Bidirectional whose forward layer has go_backwards=True "
                            + "is not supported; expected go_backwards=False on the forward layer");
                }
                if (ownBackward) {
                    // time_major too: recurrent() refuses it on the forward layer, and the backward one must agree.
                    for (String opt : new String[] {"return_sequences", "return_state", "stateful", "time_major"}) {
                        if (icfg.path(opt).asBoolean(false) != bcfg.path(opt).asBoolean(false)) {
                            throw new ModelFormatException(file + ": layer '" + name + "': forward and backward layers disagree on " + opt
                                    + " (" + icfg.path(opt).asBoolean(false) + " and " + bcfg.path(opt).asBoolean(false) + ")");
                        }
                    }
                }
                JsonNode mm = c.get("merge_mode");
                if (mm == null) {
                    throw new ModelFormatException(file + ": layer '" + name + "': Bidirectional without merge_mode; expected concat, sum, "
                            + "mul, ave or null");
                }
                // merge_mode=None: two outputs, laid side by side here and named by the model's outputs() (checkOutputs).
                Merge merge = mm.isNull() ? Merge.CONCAT : switch (mm.asText()) {
                    case "concat" -> Merge.CONCAT;
                    case "sum" -> Merge.SUM;
                    case "mul" -> Merge.MUL;
                    case "ave" -> Merge.AVE;
                    default -> throw new ModelFormatException(file + ": layer '" + name + "': merge_mode '" + mm.asText()
                            + "', expected concat, sum, mul or ave");
                };
                List<Tensor> w = ws.weights(name, cls, c);
                int[] at = {0};
                RnnCell fw = layerCell(file, ic, name + "/forward", icfg, width, keras2, w, at);
                RnnCell bw = layerCell(file, bc, name + "/backward", bcfg, width, keras2, w, at);
                checkCount(file, name, w, at[0]);
                if (merge != Merge.CONCAT && fw.outputSize() != bw.outputSize()) {
                    throw new ModelFormatException(file + ": layer '" + name + "': merge_mode '" + mm.asText() + "' needs equal widths, got "
                            + "forward " + fw.outputSize() + " and backward " + bw.outputSize() + " units");
                }
                String kinds = ic.equals(bc) && fw.outputSize() == bw.outputSize() ? describe(ic, icfg)
                        : describe(ic, icfg) + " " + fw.outputSize() + " units / " + describe(bc, bcfg);
                return recurrent(file, name, "Bidirectional(" + kinds + ", " + (mm.isNull() ? "None: two outputs side by side" : mm.asText()) + ")",
                        icfg, fw, bw, merge, false, params(w));
            }
            case "Dense":
                return dense(file, name, c, width, ws.weights(name, cls, c), keras2);
            case "TimeDistributed": {
                JsonNode inner = c.path("layer");
                if (!inner.path("class_name").asText().equals("Dense")) {
                    throw new ModelFormatException(file + ": layer '" + name + "': TimeDistributed around '" + inner.path("class_name").asText()
                            + "' is not supported; expected Dense");
                }
                return dense(file, name, inner.path("config"), width, ws.weights(name, cls, c), keras2);
            }
            default:
                throw new ModelFormatException(file + ": layer '" + name + "' of class '" + cls + "' is not supported; supported: InputLayer, "
                        + "Embedding, Masking, SimpleRNN, LSTM, GRU, RNN (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells), Bidirectional, "
                        + "Dense, TimeDistributed(Dense), Dropout");
        }
    }

    private static long params(List<Tensor> w) {
        long n = 0;
        for (Tensor t : w) {
            n += t.size();
        }
        return n;
    }

    private static int expectedCount(JsonNode c) {
        return c.path("use_bias").asBoolean(true) ? 3 : 2;
    }

    private static void checkCount(Path file, String name, List<Tensor> w, int expected) throws ModelFormatException {
        if (w.size() != expected) {
            throw new ModelFormatException(file + ": layer '" + name + "' has " + w.size() + " weight tensors " + w + ", expected " + expected);
        }
    }

    /** "LSTM", or "RNN(StackedRNNCells(LSTMCell, GRUCell))" for a generic RNN layer. */
    private static String describe(String cls, JsonNode c) {
        return cls.equals("RNN") ? "RNN(" + describeCell(c.path("cell")) + ")" : cls;
    }

    private static String describeCell(JsonNode cell) {
        String k = cell.path("class_name").asText();
        if (!k.equals("StackedRNNCells")) {
            return k;
        }
        List<String> inner = new ArrayList<>();
        for (JsonNode c : cell.path("config").path("cells")) {
            inner.add(describeCell(c));
        }
        return k + "(" + String.join(", ", inner) + ")";
    }

    /**
     * The cell of a recurrent layer ({@code SimpleRNN}, {@code LSTM}, {@code GRU}, or {@code RNN} around
     * a cell), reading its weights from {@code w[at[0]..]} and advancing {@code at[0]} past them.
     */
    private static RnnCell layerCell(Path file, String cls, String name, JsonNode c, int in, boolean keras2, List<Tensor> w, int[] at)
            throws ModelFormatException {
        if (cls.equals("RNN")) {
            return rnnCell(file, name, c.path("cell"), in, keras2, w, at);
        }
        RnnCell cell = cell(file, cls, name, c, in, keras2, w, at[0]);
        at[0] += expectedCount(c);
        return cell;
    }

    /** {@code SimpleRNNCell}, {@code LSTMCell}, {@code GRUCell}, or a {@code StackedRNNCells} of them (a {@link MultiRnnCell}). */
    private static RnnCell rnnCell(Path file, String name, JsonNode cell, int in, boolean keras2, List<Tensor> w, int[] at)
            throws ModelFormatException {
        String k = cell.path("class_name").asText();
        JsonNode cfg = cell.path("config");
        switch (k) {
            case "SimpleRNNCell", "LSTMCell", "GRUCell" -> {
                RnnCell c = cell(file, k.substring(0, k.length() - 4), name, cfg, in, keras2, w, at[0]);
                at[0] += expectedCount(cfg);
                return c;
            }
            case "StackedRNNCells" -> {
                JsonNode cells = cfg.path("cells");
                if (!cells.isArray() || cells.isEmpty()) {
                    throw new ModelFormatException(file + ": layer '" + name + "': StackedRNNCells without cells");
                }
                List<RnnCell> list = new ArrayList<>();
                int width = in;
                for (JsonNode c : cells) {
                    RnnCell r = rnnCell(file, name + "/cell_" + list.size(), c, width, keras2, w, at);
                    list.add(r);
                    width = r.outputSize();
                }
                return list.size() == 1 ? list.get(0) : new MultiRnnCell(list);
            }
            default -> throw new ModelFormatException(file + ": layer '" + name + "': RNN cell '" + k + "' is not supported; expected "
                    + "SimpleRNNCell, LSTMCell, GRUCell or StackedRNNCells");
        }
    }

    private static Model.Recurrent recurrent(Path file, String name, String cls, JsonNode c, RnnCell fw, RnnCell bw, Merge merge,
                                                     boolean goBackwards, long params) throws ModelFormatException {
        if (c.path("time_major").asBoolean(false)) {
            throw new ModelFormatException(file + ": layer '" + name + "' has time_major=True, which a Keras model file cannot feed; expected false");
        }
        boolean rs = c.path("return_sequences").asBoolean(false);
        boolean stateful = c.path("stateful").asBoolean(false);
        String desc = cls + " " + fw.outputSize() + " units" + (c.has("reset_after") ? ", reset_after=" + c.path("reset_after").asBoolean(true) : "")
                + (rs ? ", return_sequences" : "") + (goBackwards ? ", go_backwards" : "") + (stateful ? ", stateful" : "");
        return new Model.Recurrent(name, desc, fw, bw, merge, rs, goBackwards ? Order.BACKWARDS : Order.FORWARD, c.path("zero_output_for_mask").asBoolean(false), stateful,
                params);
    }

    /**
     * A layer's activation option (SEMANTICS.md 4 and 8): absent means the layer's default,
     * {@code null} (Python {@code None}) means linear, a string or a serialized function
     * ({@code {"class_name": "function", "config": "tanh"}}) names it.
     */
    static Activation activation(Path file, String layer, JsonNode c, String key, String dflt, boolean keras2) throws ModelFormatException {
        JsonNode a = c.get(key);
        String name;
        if (a == null) {
            name = dflt;
        } else if (a.isNull()) {
            name = "linear";
        } else if (a.isTextual()) {
            name = a.asText();
        } else if (a.path("config").isTextual()) {
            name = a.path("config").asText();
        } else if (a.path("config").path("name").isTextual()) {
            name = a.path("config").path("name").asText();
        } else {
            throw new ModelFormatException(file + ": layer '" + layer + "', " + key + ": " + a + " is not an activation name or a serialized "
                    + "activation function");
        }
        try {
            return kerasActivation(name, keras2);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": layer '" + layer + "', " + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * A Keras activation name as Keras (and {@code tf.keras}) computes it: {@code hard_sigmoid} is
     * {@code clip(0.2x + 0.5)} in Keras 2 and {@code relu6(x + 3)/6} in Keras 3; {@code leaky_relu} has
     * slope 0.2 in both ({@code negative_slope=0.2}, {@code tf.nn.leaky_relu}'s {@code alpha=0.2}).
     *
     * @throws IllegalArgumentException naming a name Keras does not define or this library does not compute
     */
    static Activation kerasActivation(String name, boolean keras2) {
        return switch (name) {
            case "hard_sigmoid" -> keras2 ? Activation.HARD_SIGMOID : Activation.HARD_SIGMOID_KERAS3;
            case "leaky_relu" -> Activation.leakyRelu(0.2f);
            case "tanh", "sigmoid", "relu", "linear", "elu", "selu", "softsign", "softplus", "swish", "silu", "gelu", "exponential", "relu6",
                 "mish", "hard_tanh", "hard_silu", "hard_swish", "log_sigmoid", "celu", "sparse_sigmoid", "soft_shrink", "hard_shrink" ->
                    Activation.named(name);
            // TensorFlow.js names (its Keras-compatible JSON keeps them)
            case "gelu_new" -> Activation.GELU_TANH;
            case "softmax", "log_softmax", "glu", "sparsemax" -> throw new IllegalArgumentException("activation '" + name
                    + "' is not elementwise (it mixes the units of a step); a recurrent layer with it is not supported");
            case "threshold" -> throw new IllegalArgumentException("activation 'threshold' needs its threshold and default_value, "
                    + "which a layer config cannot carry; not supported");
            default -> throw new IllegalArgumentException("activation '" + name + "' is not supported; supported Keras activations: "
                    + String.join(", ", KERAS_ACTIVATIONS));
        };
    }

    /** Every Keras activation name {@link #kerasActivation} computes. */
    static final List<String> KERAS_ACTIVATIONS = List.of("tanh", "sigmoid", "hard_sigmoid", "relu", "relu6", "leaky_relu", "linear", "elu",
            "celu", "selu", "softsign", "softplus", "swish", "silu", "gelu", "mish", "hard_tanh", "hard_silu", "hard_swish", "log_sigmoid",
            "sparse_sigmoid", "soft_shrink", "hard_shrink", "exponential", "gelu_new");

    private static RnnCell cell(Path file, String cls, String name, JsonNode c, int in, boolean keras2, List<Tensor> w, int at)
            throws ModelFormatException {
        int units = c.path("units").asInt(-1);
        if (units <= 0) {
            throw new ModelFormatException(file + ": layer '" + name + "': units " + c.path("units") + ", expected a positive integer");
        }
        int g = cls.equals("LSTM") ? 4 : cls.equals("GRU") ? 3 : 1;
        boolean useBias = c.path("use_bias").asBoolean(true);
        boolean resetAfter = cls.equals("GRU") && c.path("reset_after").asBoolean(!keras2);
        if (w.size() < at + (useBias ? 3 : 2)) {
            throw new ModelFormatException(file + ": layer '" + name + "' has " + (w.size() - at) + " weight tensors, expected " + (useBias ? 3 : 2));
        }
        Tensor kernel = expect(file, name, "kernel", w.get(at), in, g * units);
        Tensor rec = expect(file, name, "recurrent_kernel", w.get(at + 1), units, g * units);
        Tensor bias = !useBias ? null : resetAfter ? expect(file, name, "bias", w.get(at + 2), 2, g * units)
                : expect(file, name, "bias", w.get(at + 2), g * units);
        Activation act = activation(file, name, c, "activation", "tanh", keras2);
        float[] b = bias == null ? null : bias.data();
        return switch (cls) {
            case "LSTM" -> LstmCell.keras(in, units, kernel.data(), rec.data(), b, act,
                    activation(file, name, c, "recurrent_activation", "sigmoid", keras2));
            case "GRU" -> GruCell.keras(in, units, resetAfter, kernel.data(), rec.data(), b, act,
                    activation(file, name, c, "recurrent_activation", "sigmoid", keras2));
            default -> SimpleRnnCell.keras(in, units, kernel.data(), rec.data(), b, act);
        };
    }

    private static Tensor expect(Path file, String layer, String what, Tensor t, int... shape) throws ModelFormatException {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException(file + ": layer '" + layer + "', " + what + " (" + t.name() + ") has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t;
    }

    private static Model.Pointwise dense(Path file, String name, JsonNode c, int in, List<Tensor> w, boolean keras2) throws ModelFormatException {
        int units = c.path("units").asInt(-1);
        if (units <= 0) {
            throw new ModelFormatException(file + ": layer '" + name + "': units " + c.path("units") + ", expected a positive integer");
        }
        boolean useBias = c.path("use_bias").asBoolean(true);
        checkCount(file, name, w, useBias ? 2 : 1);
        Tensor k = expect(file, name, "kernel", w.get(0), in, units);
        Tensor b = useBias ? expect(file, name, "bias", w.get(1), units) : null;
        return new Model.Pointwise(name, Dense.of(in, units, k.data(), b == null ? null : b.data()),
                activation(file, name, c, "activation", "linear", keras2));
    }
}
