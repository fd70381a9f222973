package io.github.panamarnn.formats.onnx;

import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.model.SequenceFunction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An ONNX graph that does not compile to layers, as the one layer of a {@link Model} ({@link Model.Graph}): each
 * session runs it in its own {@link OnnxSession} (sharing the converted recurrent weights), whose buffers are planned
 * by the first run of a number of steps, so a run of as many steps as the one before allocates nothing.
 *
 * <p>The graph must read one float input {@code [batch, time, features]} with a known number of features and write
 * float outputs that start with the batch axis, all with the time axis next or all without it; several outputs are
 * the model's output parts, side by side. This is checked on probe inputs when the model is made, not guessed from
 * names: the outputs of two probes of other batches and lengths must follow the batch and the time, and each row of a
 * batch must come out as it does when run alone (a time-major input, whose first axis is not a batch, is refused).
 * A graph whose batch is fixed to 1 runs a session's rows one at a time.
 */
final class OnnxGraphFunction implements SequenceFunction {
    private final OnnxSession template;
    private final OnnxModel model;
    private final String input;
    private final int features;
    private final boolean oneRow;
    private final String[] outputs;
    private final int[] widths;
    private final int width;
    private final boolean sequence;
    private final List<String> description;
    private volatile long digest;
    private volatile boolean digested;

    private OnnxGraphFunction(OnnxSession template, String input, int features, boolean oneRow, String[] outputs, int[] widths, boolean sequence,
                              List<String> description) {
        this.template = template;
        this.model = template.model();
        this.input = input;
        this.features = features;
        this.oneRow = oneRow;
        this.outputs = outputs;
        this.widths = widths;
        this.sequence = sequence;
        this.width = Arrays.stream(widths).sum();
        this.description = List.copyOf(description);
    }

    /**
     * {@code session}'s graph as a model of one {@link Model.Graph} layer.
     *
     * @param whyNotLayers why the graph does not compile to layers (for humans: {@code info} shows it)
     * @throws ModelFormatException when the graph does not read {@code [batch, time, features]} and write outputs of the
     *                              batch (naming what it has instead)
     */
    static Model model(OnnxSession session, String whyNotLayers) throws ModelFormatException {
        OnnxModel g = session.model();
        String where = g.source() + ": this ONNX graph does not compile to layers (" + whyNotLayers + ") and ";
        if (g.inputs().size() != 1) {
            throw new ModelFormatException(where + "has " + g.inputs().size() + " inputs " + g.inputs().stream().map(OnnxModel.ValueInfo::name).toList()
                    + "; a model reads one, [batch, time, features]: run it with OnnxSession");
        }
        OnnxModel.ValueInfo in = g.inputs().get(0);
        int[] d = in.dims();
        if (in.elemType() != OnnxModel.FLOAT || d.length != 3 || d[2] < 1 || d[2] > Model.MAX_WIDTH || d[0] > 1) {
            throw new ModelFormatException(where + "its input '" + in.name() + "' is " + in.dimNames() + (in.elemType() == OnnxModel.FLOAT ? "" : " of type "
                    + in.elemType()) + "; a model reads float [batch, time, features] with a known number of features and a batch that is not fixed above 1: "
                    + "run it with OnnxSession");
        }
        if (g.outputs().isEmpty()) {
            throw new ModelFormatException(where + "has no outputs");
        }
        boolean oneRow = d[0] == 1;
        int fixedSteps = Math.max(0, d[1]);
        int[] batches = oneRow ? new int[] {1, 1} : new int[] {2, 3};
        int[] steps = fixedSteps > 0 ? new int[] {fixedSteps, fixedSteps} : new int[] {3, 5};
        SplittableRandom r = new SplittableRandom(0x0_1234_5678L);
        int n = g.outputs().size();
        String[] names = new String[n];
        for (int o = 0; o < n; o++) {
            names[o] = g.outputs().get(o).name();
        }
        int[] widths = new int[n];
        Boolean sequence = null;
        float[] probe0 = null;
        Map<String, OnnxValue> first = null;
        for (int p = 0; p < 2; p++) {
            int b = batches[p];
            int t = steps[p];
            float[] x = new float[b * t * d[2]];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextDouble() * 2 - 1);
            }
            Map<String, OnnxValue> y;
            try {
                y = session.run(Map.of(in.name(), OnnxValue.of(in.name(), x, b, t, d[2])));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(where + "does not run on a probe input of [" + b + ", " + t + ", " + d[2] + "]: " + e.getMessage(), e);
            }
            if (p == 0) {
                probe0 = x;
                first = y;
            }
            for (int o = 0; o < n; o++) {
                OnnxValue v = y.get(names[o]);
                int[] s = v.shape();
                if (!v.isFloat() || s.length < 1 || s[0] != b) {
                    throw new ModelFormatException(where + "its output '" + names[o] + "' is " + v + " for an input of [" + b + ", " + t + ", " + d[2]
                            + "]; a model's outputs are float and start with the batch axis");
                }
                boolean seq = s.length >= 2 && s[1] == t && (fixedSteps == 0 || s.length >= 3);
                long w = 1;
                for (int k = seq ? 2 : 1; k < s.length; k++) {
                    w *= s[k];
                }
                if (sequence != null && sequence != seq || p == 1 && w != widths[o] || w < 1 || w > Model.MAX_WIDTH) {
                    throw new ModelFormatException(where + "its output '" + names[o] + "' is " + v + " for an input of [" + b + ", " + t + ", " + d[2]
                            + "]; a model's outputs are [batch, time, features] or all [batch, features], of a width that does not change");
                }
                sequence = seq;
                widths[o] = (int) w;
            }
        }
        if (!oneRow) {
            // Rows are independent: row i of the batch equals row i run alone (a first axis that is time would not).
            int t = steps[0];
            for (int b = 0; b < batches[0]; b++) {
                float[] row = Arrays.copyOfRange(probe0, b * t * d[2], (b + 1) * t * d[2]);
                Map<String, OnnxValue> alone;
                try {
                    alone = session.run(Map.of(in.name(), OnnxValue.of(in.name(), row, 1, t, d[2])));
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(where + "does not run on one row of a probe input, [1, " + t + ", " + d[2] + "]: " + e.getMessage(), e);
                }
                for (String name : names) {
                    float[] all = first.get(name).floats();
                    float[] one = alone.get(name).floats();
                    for (int i = 0; i < one.length; i++) {
                        float want = all[b * one.length + i];
                        if (!(Math.abs(one[i] - want) <= 1e-5 + 1e-5 * Math.abs(want))) {
                            throw new ModelFormatException(where + "the first axis of its input '" + in.name() + "' is not a batch: row " + b
                                    + " of output '" + name + "' differs when that row runs alone (" + one[i] + " vs " + want + "); a model reads "
                                    + "[batch, time, features]");
                        }
                    }
                }
            }
        }
        List<String> description = new ArrayList<>();
        description.add("ONNX ir_version " + g.irVersion() + ", opset " + g.opset() + ", producer '" + g.producer() + "': " + g.nodes().size()
                + " nodes run by the float32 ONNX interpreter (not compiled to layers: " + whyNotLayers + ")"
                + (oneRow ? "; its batch is fixed to 1, so a session's rows run one at a time" : ""));
        for (OnnxModel.Node node : g.nodes()) {
            String attrs = node.attributes().isEmpty() ? "" : " " + new java.util.TreeMap<>(node.attributes()).values();
            description.add(node.opType() + " '" + node.name() + "'" + attrs);
        }
        OnnxGraphFunction f = new OnnxGraphFunction(session, in.name(), d[2], oneRow, names, widths, sequence, description);
        Model m = new Model("ONNX " + g.source() + " (interpreted)", d[2], fixedSteps, List.of(new Model.Graph("graph", f)));
        if (n == 1) {
            return m;
        }
        List<Model.Output> parts = new ArrayList<>();
        for (int o = 0; o < n; o++) {
            parts.add(new Model.Output(names[o], widths[o]));
        }
        return m.withOutputs(parts);
    }

    @Override
    public int inputSize() {
        return features;
    }

    @Override
    public int outputSize() {
        return width;
    }

    @Override
    public boolean sequenceOutput() {
        return sequence;
    }

    @Override
    public long parameters() {
        return model.parameterCount();
    }

    @Override
    public List<String> description() {
        return description;
    }

    /** FNV-1a over the graph as ONNX bytes (every node, attribute and initializer), computed on first use. */
    @Override
    public long digest() {
        if (!digested) {
            long h = 0xcbf29ce484222325L;
            for (byte b : model.toBytes()) {
                h = (h ^ (b & 0xff)) * 0x100000001b3L;
            }
            digest = h;
            digested = true;
        }
        return digest;
    }

    @Override
    public SequenceFunction.Runner newRunner(int batch, int capacity) {
        return new Runner(batch);
    }

    /**
     * One session's interpreter, its input tensor (for the number of steps of the last run: a run of as many steps as the
     * one before it allocates nothing, as the interpreter's own buffers) and feed.
     */
    private final class Runner implements SequenceFunction.Runner {
        private final OnnxSession session = new OnnxSession(template);
        private final int batch;
        private final int rows;
        private final Map<String, OnnxValue> feed = new HashMap<>();
        private OnnxValue in;

        Runner(int batch) {
            this.batch = batch;
            this.rows = oneRow ? 1 : batch;
        }

        @Override
        public void run(float[] x, int steps, float[] out) {
            OnnxValue in = this.in;
            if (in == null || in.shape()[1] != steps) {
                in = OnnxValue.of(input, new float[rows * steps * features], rows, steps, features);
                this.in = in;
            }
            int perRow = steps * features;
            int outSteps = sequence ? steps : 1;
            for (int from = 0; from < batch; from += rows) {
                System.arraycopy(x, from * perRow, in.floats(), 0, rows * perRow);
                feed.put(input, in);
                Map<String, OnnxValue> y = session.runShared(feed);
                int at = 0;
                for (int o = 0; o < outputs.length; o++) {
                    OnnxValue v = y.get(outputs[o]);
                    int w = widths[o];
                    if (v.rank() == 0 || v.shape()[0] != rows || v.size() != rows * outSteps * w) {
                        throw new IllegalArgumentException("ONNX output '" + outputs[o] + "' is " + v + " for " + steps + " steps, expected "
                                + (sequence ? "[" + rows + ", " + steps + ", " + w + "]" : "[" + rows + ", " + w + "]") + " values");
                    }
                    float[] src = v.floats();
                    for (int r = 0; r < rows * outSteps; r++) {
                        System.arraycopy(src, r * w, out, (from * outSteps + r) * width + at, w);
                    }
                    at += w;
                }
            }
        }
    }
}
