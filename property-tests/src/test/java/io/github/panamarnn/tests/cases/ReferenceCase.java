package io.github.panamarnn.tests.cases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/** One case file of ../shared/cases (format: its README): tensors by name, config, semantics. */
final class ReferenceCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path file;
    final String family;
    final String id;
    final String semantics;
    final String cell;
    final String source;
    final JsonNode config;
    final JsonNode weights;
    final JsonNode inputs;
    final JsonNode expected;

    ReferenceCase(Path file, String family) throws IOException {
        this.file = file;
        this.family = family;
        JsonNode root = JSON.readTree(file.toFile());
        this.id = root.path("id").asText(file.getFileName().toString());
        this.semantics = root.path("semantics").asText();
        this.cell = root.path("cell").asText();
        this.source = root.path("source").asText();
        this.config = root.path("config");
        this.weights = root.path("weights");
        this.inputs = root.path("inputs");
        this.expected = root.path("expected");
    }

    static int[] shape(JsonNode t) {
        JsonNode s = t.get("shape");
        int[] shape = new int[s.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = s.get(i).asInt();
        }
        return shape;
    }

    static float[] floats(JsonNode t) {
        JsonNode d = t.get("data");
        float[] a = new float[d.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = Float.parseFloat(d.get(i).asText());
        }
        long n = 1;
        for (int s : shape(t)) {
            n *= s;
        }
        if (n != a.length) {
            throw new IllegalStateException("tensor data has " + a.length + " values, shape says " + n);
        }
        return a;
    }

    float[] weight(String name) {
        JsonNode t = weights.get(name);
        return t == null ? null : floats(t);
    }

    float[] input(String name) {
        JsonNode t = inputs.get(name);
        return t == null ? null : floats(t);
    }

    boolean hasInput(String name) {
        return inputs.has(name);
    }

    /** config value (a string, number or bool) or null when absent or JSON null. */
    JsonNode cfg(String name) {
        JsonNode v = config.get(name);
        return v == null || v.isNull() ? null : v;
    }
}
