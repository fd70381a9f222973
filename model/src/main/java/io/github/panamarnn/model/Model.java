package io.github.panamarnn.model;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.cells.WarmUp;
import io.github.panamarnn.kernels.Activation;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Kernels;
import io.github.panamarnn.unroll.LayeredRunner;
import io.github.panamarnn.unroll.LayeredRunner.Merge;
import io.github.panamarnn.unroll.SequenceRunner.Order;
import io.github.panamarnn.unroll.SequenceRunner.Padding;
import io.github.panamarnn.unroll.StaticRunner;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole loaded model, whatever file it came from: a chain of layers over {@code [batch, time, features]} inputs, as
 * the readers of the formats module build it from Keras ({@code Masking}, {@code Embedding},
 * {@code SimpleRNN}/{@code LSTM}/{@code GRU}, stacked, {@code Bidirectional}, {@code Dense}/{@code TimeDistributed(Dense)}),
 * PyTorch (a recurrent module, its last step, an {@code nn.Linear} head), TF1 variables and ONNX graphs of recurrent
 * nodes and their glue. The time axis stays until a recurrent layer without {@code return_sequences} or a
 * {@link LastStep} removes it.
 *
 * <p>The model is immutable and thread-safe: share one between threads. Running it needs a {@link Session} (a batch of
 * whole sequences), a {@link Stream} (one step at a time for one or more rows, stateful) or a {@link ModelStreamPool}
 * (many streams, any subset advanced per tick); each owns its state and buffers and belongs to one thread. None
 * allocates per call. The kernels are the model's own ({@link #kernels()}, {@link #using}), passed down to every layer.
 */
public final class Model {

    /** One layer of the chain. */
    public sealed interface Layer permits Embedding, Masking, Recurrent, Pointwise, LastStep, Graph {
        /** The layer's name, as the file names it. */
        String name();

        /** Trainable values this layer holds. */
        long parameters();
    }

    /**
     * Keras {@code Embedding}, always the first layer: each input step is one token id (a float holding
     * an integer in {@code [0, inputDim)}; anything else is refused before the run changes anything),
     * replaced by row {@code id} of {@code table} ({@code [inputDim, outputDim]}). With {@code maskZero},
     * steps whose id is 0 are skipped by the recurrent layers after it, as a {@link Masking} step is.
     */
    public record Embedding(String name, int inputDim, int outputDim, float[] table, boolean maskZero) implements Layer {
        /** Ids are carried as floats: beyond 2^24 not every integer is one. */
        public static final int MAX_INPUT_DIM = 1 << 24;

        /** Checks the sizes and copies nothing (the table is the loader's). */
        public Embedding {
            if (inputDim < 1 || inputDim > MAX_INPUT_DIM || outputDim < 1) {
                throw new IllegalArgumentException("layer " + name + ": embedding of " + inputDim + " x " + outputDim + ", expected 1 <= input_dim <= "
                        + MAX_INPUT_DIM + " and output_dim >= 1");
            }
            if (table.length != (long) inputDim * outputDim) {
                throw new IllegalArgumentException("layer " + name + ": embedding table holds " + table.length + " values, expected " + inputDim
                        + " x " + outputDim);
            }
        }

        @Override
        public long parameters() {
            return table.length;
        }

        /** The row of token {@code id}, or an exception naming the step and the valid range. */
        int row(float id, int step) {
            int i = (int) id;
            if (!(id >= 0 && id < inputDim) || i != id) {
                throw new IllegalArgumentException("layer " + name + ": token id " + id + " at input row " + step + ", expected an integer in [0, "
                        + inputDim + ")");
            }
            return i;
        }
    }

    /** One named part of the output's feature axis (several when the file's model has several outputs side by side). */
    public record Output(String name, int width) {
    }

    /** Keras {@code Masking}: a step whose features all equal {@code value} is skipped by the recurrent layers after it (and zeroed). */
    public record Masking(String name, float value) implements Layer {
        @Override
        public long parameters() {
            return 0;
        }
    }

    /**
     * A recurrent layer: one direction ({@code backward == null}) read in {@code order} ({@link Order#FORWARD};
     * {@link Order#BACKWARDS}, Keras {@code go_backwards}: outputs in processing order; {@link Order#REVERSE_WITHIN_LENGTH},
     * ONNX {@code reverse}: outputs at their input's position) or both, the first forward, merged with {@code merge} (never {@link Merge#NONE} here: a chain
     * has one output). The two directions may differ in kind and size with {@link Merge#CONCAT}
     * (Keras {@code backward_layer}). {@code zeroOutputForMask}: masked steps output zeros instead of
     * the previous output. {@code stateful} (Keras {@code stateful=True}): the final state of one
     * {@link Session#run} is the initial state of the next, per batch row, until
     * {@link Session#reset}. {@code description} is for humans ({@code info}).
     */
    public record Recurrent(String name, String description, RnnCell forward, RnnCell backward, Merge merge, boolean returnSequences,
                            Order order, boolean zeroOutputForMask, boolean stateful, long parameters) implements Layer {
        /** Checks that a bidirectional layer has a merge. */
        public Recurrent {
            if (order == null) {
                throw new IllegalArgumentException("layer " + name + ": no order given (FORWARD, BACKWARDS or REVERSE_WITHIN_LENGTH)");
            }
            if (backward != null && (merge == null || merge == Merge.NONE)) {
                throw new IllegalArgumentException("layer " + name + ": a bidirectional layer in a chain needs a merge mode (concat, sum, mul, ave), got " + merge);
            }
            if (backward != null && order != Order.FORWARD) {
                throw new IllegalArgumentException("layer " + name + ": a bidirectional layer's first direction runs forward, got " + order);
            }
            if (backward != null && backward.inputSize() != forward.inputSize()) {
                throw new IllegalArgumentException("layer " + name + ": the backward direction reads " + backward.inputSize()
                        + " features, the forward one " + forward.inputSize());
            }
            if (backward != null && merge != Merge.CONCAT && backward.outputSize() != forward.outputSize()) {
                throw new IllegalArgumentException("layer " + name + ": merge " + merge + " needs equal widths, got forward "
                        + forward.outputSize() + " and backward " + backward.outputSize() + " (only concat joins different widths)");
            }
        }

        /** True for Keras {@code go_backwards}: the last time step first, outputs in processing order. */
        public boolean goBackwards() {
            return order == Order.BACKWARDS;
        }

        /** Values per step of its output (twice the cell's for a concatenated bidirectional layer). */
        public int outputWidth() {
            return backward != null && merge == Merge.CONCAT ? forward.outputSize() + backward.outputSize() : forward.outputSize();
        }
    }

    /** A dense layer on every row (per step while the time axis is there), then an activation. */
    public record Pointwise(String name, Dense dense, Activation activation) implements Layer {
        @Override
        public long parameters() {
            return dense.parameterCount();
        }
    }

    /** Keeps the last time step (PyTorch {@code out[:, -1]}, ONNX {@code Gather(indices=-1)}). */
    public record LastStep(String name) implements Layer {
        @Override
        public long parameters() {
            return 0;
        }
    }

    /**
     * A whole-sequence computation its reader runs on its own engine ({@link SequenceFunction}: an ONNX graph that does
     * not compile to layers, in the ONNX interpreter). Always the first layer, reading the model's input. A model with
     * one cannot run one step at a time, and its sessions run it from scratch every run.
     */
    public record Graph(String name, SequenceFunction function) implements Layer {
        @Override
        public long parameters() {
            return function.parameters();
        }
    }

    /** The widest row a model may read or write: 2^20 features (a recurrent model is far narrower; a file saying more is damaged). */
    public static final int MAX_WIDTH = 1 << 20;

    private final String source;
    private final List<Layer> layers;
    private final int inputSize;
    private final int outputSize;
    private final boolean sequenceOutput;
    private final int fixedSteps;
    private final int maxWidth;
    private final List<String> assumptions;
    private final List<Output> outputs;
    /** The first layer when it is an Embedding (the input is token ids), else null. */
    private final Embedding tokenIds;
    /** The kernels this model's own operations (activations of dense layers) run on: those of its cells ({@link #using}). */
    private final Kernels kernels;
    /** Floats of one stream's state after the header ({@link StateFormat#payload}), computed once: a snapshot reads it, never the layer list. */
    private final int statePayload;
    /** {@link #fingerprint()}, computed on first use (deterministic, so a race computes the same value twice). */
    private volatile long fingerprint;
    private volatile boolean fingerprinted;

    /** A model that assumed nothing the file did not say. */
    public Model(String source, int inputSize, int fixedSteps, List<? extends Layer> layers) {
        this(source, inputSize, fixedSteps, layers, List.of());
    }

    /**
     * A model of {@code layers}, checked: each layer's input width is the previous one's output width.
     *
     * @param source     where it came from, for humans (e.g. "Keras 3 .keras, Sequential 'lstm64'")
     * @param inputSize  features per input step
     * @param fixedSteps the sequence length the file declares, or 0 when any length is allowed
     * @param assumptions what the loader assumed because the file does not record it, for humans
     * @throws IllegalArgumentException when the layers do not chain (naming the layer and both widths)
     */
    public Model(String source, int inputSize, int fixedSteps, List<? extends Layer> layers, List<String> assumptions) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        if (inputSize < 1 || inputSize > MAX_WIDTH) {
            throw new IllegalArgumentException("input features " + inputSize + ", expected 1 to " + MAX_WIDTH);
        }
        this.source = source;
        this.assumptions = List.copyOf(assumptions);
        this.layers = List.copyOf(layers);
        this.inputSize = inputSize;
        this.fixedSteps = fixedSteps;
        int width = inputSize;
        int max = inputSize;
        boolean time = true;
        for (int li = 0; li < this.layers.size(); li++) {
            Layer l = this.layers.get(li);
            switch (l) {
                case Embedding e -> {
                    if (li != 0 || inputSize != 1) {
                        throw new IllegalArgumentException("layer " + e.name() + ": an Embedding must be the first layer and read one token id per "
                                + "step, got position " + li + " and " + inputSize + " input features");
                    }
                    width = e.outputDim();
                }
                case Masking m -> {
                    if (!time) {
                        throw new IllegalArgumentException("layer " + m.name() + ": Masking needs a time axis, but an earlier layer removed it");
                    }
                }
                case Recurrent r -> {
                    if (!time) {
                        throw new IllegalArgumentException("layer " + r.name() + ": a recurrent layer needs a time axis, but an earlier layer removed it");
                    }
                    if (r.forward().inputSize() != width) {
                        throw new IllegalArgumentException("layer " + r.name() + " expects " + r.forward().inputSize() + " input features, the layer before gives " + width);
                    }
                    width = r.outputWidth();
                    time = r.returnSequences();
                }
                case Pointwise p -> {
                    if (p.dense().inputSize() != width) {
                        throw new IllegalArgumentException("layer " + p.name() + " expects " + p.dense().inputSize() + " input features, the layer before gives " + width);
                    }
                    width = p.dense().outputSize();
                }
                case LastStep s -> {
                    if (!time) {
                        throw new IllegalArgumentException("layer " + s.name() + ": no time axis left to take the last step of");
                    }
                    time = false;
                }
                case Graph g -> {
                    if (li != 0 || g.function().inputSize() != inputSize) {
                        throw new IllegalArgumentException("layer " + g.name() + ": a graph layer must be the first layer and read the model's "
                                + inputSize + " input features, got position " + li + " and " + g.function().inputSize() + " features");
                    }
                    width = g.function().outputSize();
                    time = g.function().sequenceOutput();
                }
            }
            max = Math.max(max, width);
            if (width > MAX_WIDTH) {
                throw new IllegalArgumentException("layer " + l.name() + " outputs " + width + " features, over the " + MAX_WIDTH + " a model may have");
            }
        }
        this.outputSize = width;
        this.sequenceOutput = time;
        this.maxWidth = max;
        this.outputs = List.of(new Output("output", width));
        this.kernels = KernelProvider.get();
        this.tokenIds = this.layers.get(0) instanceof Embedding e ? e : null;
        this.statePayload = StateFormat.payload(this);
    }

    /** {@code m} with other output parts and kernels; everything else shared. */
    private Model(Model m, List<Output> outputs, Kernels kernels) {
        this.source = m.source;
        this.assumptions = m.assumptions;
        this.layers = m.layers;
        this.inputSize = m.inputSize;
        this.fixedSteps = m.fixedSteps;
        this.outputSize = m.outputSize;
        this.sequenceOutput = m.sequenceOutput;
        this.maxWidth = m.maxWidth;
        this.outputs = List.copyOf(outputs);
        this.kernels = kernels;
        this.tokenIds = m.tokenIds;
        this.statePayload = m.statePayload;
    }


    /**
     * This model with its output feature axis named in parts (e.g. a Keras {@code Bidirectional} with
     * {@code merge_mode=None}: the forward and the backward outputs side by side).
     *
     * @throws IllegalArgumentException when the widths do not add up to {@link #outputSize()}
     */
    public Model withOutputs(List<Output> parts) {
        int sum = 0;
        for (Output o : parts) {
            if (o.width() < 1) {
                throw new IllegalArgumentException("output part " + o.name() + " has width " + o.width() + ", expected >= 1");
            }
            sum += o.width();
        }
        if (parts.isEmpty() || sum != outputSize) {
            throw new IllegalArgumentException("output parts " + parts + " add up to " + sum + " features, the model outputs " + outputSize);
        }
        return new Model(this, parts, kernels);
    }

    /** The parts of the output feature axis, in order: one part named "output" unless the file's model has several outputs. */
    public List<Output> outputs() {
        return outputs;
    }

    /** Where the model came from, for humans. */
    public String source() {
        return source;
    }

    /** What the loader assumed because the file does not say it (e.g. PyTorch {@code nn.RNN}'s nonlinearity); empty when nothing. */
    public List<String> assumptions() {
        return assumptions;
    }

    /** The layers in order. */
    public List<Layer> layers() {
        return layers;
    }

    /** Features per input step (1 for token ids). */
    public int inputSize() {
        return inputSize;
    }

    /** Features per output row. */
    public int outputSize() {
        return outputSize;
    }

    /** True when the output keeps the time axis ({@code [B, T, out]}), false for {@code [B, out]}. */
    public boolean sequenceOutput() {
        return sequenceOutput;
    }

    /** True when the model starts with an {@link Embedding}: each input step is one token id. */
    public boolean tokenIds() {
        return tokenIds != null;
    }

    /** The widest row any layer reads or writes: what a session's buffers hold per batch row and step. */
    public int maxWidth() {
        return maxWidth;
    }

    /** The sequence length the file declares (Keras {@code batch_shape}), or 0 for any. */
    public int fixedSteps() {
        return fixedSteps;
    }

    /** Weights and biases of every layer. */
    public long parameterCount() {
        long n = 0;
        for (Layer l : layers) {
            n += l.parameters();
        }
        return n;
    }

    /** True when every layer can run one step at a time causally (no bidirectional, go_backwards or reverse layer, no {@link Graph}). */
    public boolean streamable() {
        for (Layer l : layers) {
            if (l instanceof Recurrent r && (r.backward() != null || r.order() != Order.FORWARD) || l instanceof Graph) {
                return false;
            }
        }
        return true;
    }

    /** Output values for a batch of sequences of {@code steps} steps. */
    public int outputLength(int batch, int steps) {
        return batch * (sequenceOutput ? steps : 1) * outputSize;
    }

    /**
     * The same model on other kernels (e.g. {@link KernelProvider#scalar()}, the specification), same weights.
     *
     * @throws IllegalArgumentException for kernels of a precision other than fp32 when the model has a {@link Graph}
     *                                  layer (its engine computes in float32 only)
     */
    public Model using(Kernels kernels) {
        if (layers.get(0) instanceof Graph g && kernels.precision() != io.github.panamarnn.kernels.Precision.FP32) {
            throw new IllegalArgumentException("layer " + g.name() + " runs in float32 on its reader's engine (" + source + "); it cannot store its "
                    + "weights in " + kernels.precision());
        }
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            out.add(switch (l) {
                case Recurrent r -> new Recurrent(r.name(), r.description(), RnnCell.using(r.forward(), kernels),
                        r.backward() == null ? null : RnnCell.using(r.backward(), kernels), r.merge(), r.returnSequences(), r.order(),
                        r.zeroOutputForMask(), r.stateful(), r.parameters());
                case Pointwise p -> new Pointwise(p.name(), p.dense().using(kernels), p.activation());
                default -> l;
            });
        }
        Model m = new Model(source, inputSize, fixedSteps, out, assumptions);
        // Everything on the given kernels, the dense layers' activations included (they ran on the vector kernels before).
        return new Model(m, outputs, kernels);
    }

    /** Buffers to run batches of up to {@code capacity} steps. */
    public Session newSession(int batch, int capacity) {
        return new Session(batch, capacity);
    }

    /**
     * A 64-bit digest of this model's layers, sizes, options and weights (as stored: a bf16 copy differs), the same on
     * every machine; computed once, on first use (it reads every weight). A state snapshot carries it, and a restore
     * into a model with another fingerprint is refused.
     */
    public long fingerprint() {
        if (!fingerprinted) {
            fingerprint = StateFormat.fingerprint(this);
            fingerprinted = true;
        }
        return fingerprint;
    }

    /**
     * The kernels this model runs on: those given to {@link #using}, else the default ones ({@link KernelProvider#get()}),
     * which the file loaders put every layer on.
     */
    public Kernels kernels() {
        return kernels;
    }

    /**
     * {@link Kernels#rowBlock()} of this model's kernels: a {@link #newStream(int) Stream} whose batch is a multiple of
     * this computes each row bit for bit alike, whatever its position and whatever the other rows hold (a multi-key
     * service pads its batches to it so that a key's numbers never depend on which keys shared its step).
     */
    public int rowBlock() {
        return kernels.rowBlock();
    }

    /**
     * Floats one stream's whole state takes as data ({@link Stream#snapshot}, {@link ModelStreamPool#snapshot}): a header of
     * 8 (format, fingerprint, size), then every recurrent layer's state parts and its last output. Bytes: 4 times this.
     */
    public int stateSize() {
        return StateFormat.HEADER + statePayload;
    }

    /**
     * {@code streams} independent streams of this model, any {@code maxPerTick} of which advance together in one batched
     * step through every layer ({@link ModelStreamPool}).
     *
     * @throws IllegalStateException when the model cannot run one step at a time (see {@link #newStream()})
     */
    public ModelStreamPool newStreamPool(int streams, int maxPerTick) {
        newStreamCheck();
        return new ModelStreamPool(this, streams, maxPerTick);
    }

    /** Floats of one stream's state after the header. */
    int statePayload() {
        return statePayload;
    }

    /** The first layer when it is an Embedding (the input is token ids), else null. */
    Embedding tokenIdLayer() {
        return tokenIds;
    }

    private void newStreamCheck() {
        if (!streamable()) {
            throw new IllegalStateException(layers.get(0) instanceof Graph g
                    ? "this model cannot run one step at a time: it is a graph run whole by its reader's engine (" + g.name() + "); run whole "
                    + "windows with a Session"
                    : "this model cannot run one step at a time: it has a bidirectional, go_backwards or reverse layer "
                    + "(its output at step t depends on later steps); run whole windows with a Session");
        }
    }

    /** A stateful one-step-at-a-time run (batch 1). */
    public Stream newStream() {
        return newStream(1);
    }

    /**
     * A stateful one-step-at-a-time run of {@code batch} rows advanced together (one batched step through every layer).
     *
     * @throws IllegalStateException    when the model cannot run one step at a time (a bidirectional, go_backwards or reverse layer)
     * @throws IllegalArgumentException for a batch below 1 or too large for one buffer
     */
    public Stream newStream(int batch) {
        newStreamCheck();
        return new Stream(batch);
    }

    private static void activate(Kernels k, Activation a, float[] y, int n) {
        if (a.kind() != Activation.Kind.LINEAR) {
            k.activate(a, y, 0, y, 0, n);
        }
    }

    /** Whether a layer can run on the static runner: a forward, not stateful recurrent layer of cells that project their inputs. */
    private static boolean staticEligible(Layer l) {
        return l instanceof Recurrent r && r.backward() == null && r.order() == Order.FORWARD && !r.stateful() && projectsInputs(r.forward());
    }

    /** Whether the static runner can run {@code cell}: cells that project their inputs, alone or stacked. */
    private static boolean projectsInputs(RnnCell cell) {
        if (cell instanceof io.github.panamarnn.cells.InputProjectedCell) {
            return true;
        }
        if (cell instanceof io.github.panamarnn.cells.MultiRnnCell m) {
            for (int l = 0; l < m.layerCount(); l++) {
                if (!(m.layer(l) instanceof io.github.panamarnn.cells.InputProjectedCell)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static float[] hidden(CellState s) {
        return s.part(s.partCount() - 1);
    }

    /** True when some recurrent layer is {@code stateful}: sessions then carry state from one run to the next. */
    public boolean stateful() {
        for (Layer l : layers) {
            if (l instanceof Recurrent r && r.stateful()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whole sequences, {@code batch} at a time, up to {@code capacity} steps. Not thread-safe: one per
     * thread. {@link #run} allocates nothing. Layers the file marks {@code stateful} start each run
     * from the state the previous run left, per batch row, as Keras {@code predict} does on a stateful
     * model; {@link #reset()} (all rows) and {@link #reset(int)} (one row) set it back to zero. Other
     * layers start every run from zero.
     */
    public final class Session {
        private final Kernels k = kernels;
        private final int batch;
        private final int capacity;
        private final LayeredRunner[] runners;
        /**
         * Per recurrent layer that can use it (forward, not stateful, cells that project their inputs): the static runner,
         * for runs of exactly {@link #capacity} steps without a mask (every input projection of a chunk of steps in one
         * product); other runs take the loop runner.
         */
        private final StaticRunner[] statics;
        /** Per {@link Graph} layer its runner (null for the others). */
        private final SequenceFunction.Runner[] graphs;
        /** For a layer with a static runner: the last layer of its group (consecutive eligible layers run as one stack). */
        private final int[] staticEnd;
        private final float[] a;
        private final float[] b;
        private final boolean[] mask;

        private Session(int batch, int capacity) {
            if (batch < 1 || capacity < 1) {
                throw new IllegalArgumentException("batch and capacity must be positive, got batch " + batch + ", capacity " + capacity);
            }
            this.batch = batch;
            this.capacity = capacity;
            this.runners = new LayeredRunner[layers.size()];
            this.statics = new StaticRunner[layers.size()];
            this.staticEnd = new int[layers.size()];
            this.graphs = new SequenceFunction.Runner[layers.size()];
            for (int i = 0; i < runners.length; i++) {
                if (layers.get(i) instanceof Graph g) {
                    graphs[i] = g.function().newRunner(batch, capacity);
                }
                if (layers.get(i) instanceof Recurrent r) {
                    runners[i] = new LayeredRunner(List.of(new LayeredRunner.Layer(r.forward(), r.order(),
                            r.backward(), r.backward() == null ? null : r.merge())), batch, capacity);
                }
            }
            // Consecutive recurrent layers the static runner can run (forward, not stateful, cells that project their inputs,
            // each but the last returning sequences) run as one stack: one time-major copy in and out for the whole group.
            for (int i = 0; i < layers.size(); i++) {
                if (staticEligible(layers.get(i))) {
                    int j = i;
                    while (j + 1 < layers.size() && ((Recurrent) layers.get(j)).returnSequences() && staticEligible(layers.get(j + 1))) {
                        j++;
                    }
                    List<RnnCell> cells = new ArrayList<>();
                    for (int l = i; l <= j; l++) {
                        RnnCell c = ((Recurrent) layers.get(l)).forward();
                        if (c instanceof io.github.panamarnn.cells.MultiRnnCell m) {
                            for (int q = 0; q < m.layerCount(); q++) {
                                cells.add(m.layer(q));
                            }
                        } else {
                            cells.add(c);
                        }
                    }
                    statics[i] = new StaticRunner(cells.size() == 1 ? cells.get(0) : new io.github.panamarnn.cells.MultiRnnCell(cells), batch, capacity);
                    staticEnd[i] = j;
                    i = j;
                }
            }
            long wide = (long) batch * capacity * maxWidth;
            if (wide > Integer.MAX_VALUE / 2) {
                throw new IllegalArgumentException("batch " + batch + " x capacity " + capacity + " x width " + maxWidth + " = " + wide
                        + " values per buffer, over the 2^30 a session holds; run long inputs in chunks of fewer steps");
            }
            int n = (int) wide;
            this.a = new float[n];
            this.b = new float[n];
            this.mask = new boolean[batch * capacity];
        }

        /** The model this session runs. */
        public Model model() {
            return Model.this;
        }

        /** Sets every stateful layer's state back to zero, as Keras {@code reset_states()} does. */
        public void reset() {
            for (LayeredRunner r : runners) {
                if (r != null) {
                    r.reset();
                }
            }
        }

        /** Sets row {@code row}'s state back to zero in every stateful layer; the other rows keep theirs. */
        public void reset(int row) {
            if (row < 0 || row >= batch) {
                throw new IllegalArgumentException("row must be in [0, " + batch + "), got " + row);
            }
            for (LayeredRunner r : runners) {
                if (r != null) {
                    r.resetRow(row);
                }
            }
        }

        /** Rows of every run. */
        public int batch() {
            return batch;
        }

        /** The most steps one run takes. */
        public int capacity() {
            return capacity;
        }

        /**
         * Runs the model: from zero states, except stateful layers, which continue from the previous run.
         *
         * @param x   {@code [batch, steps, inputSize]}
         * @param out {@link #outputLength}{@code (batch, steps)} values: {@code [batch, steps, out]} or {@code [batch, out]}
         */
        public void run(float[] x, int steps, float[] out) {
            if (x == null || out == null) {
                throw new IllegalArgumentException("run needs an input and an output array, got " + (x == null ? "a null input" : "a null output"));
            }
            if (steps < 1 || steps > capacity) {
                throw new IllegalArgumentException("steps must be in [1, " + capacity + "] (the session's capacity), got " + steps);
            }
            if (x.length < batch * steps * inputSize) {
                throw new IllegalArgumentException("input needs " + batch * steps * inputSize + " values ([" + batch + ", " + steps + ", "
                        + inputSize + "]), got " + x.length);
            }
            if (out.length < outputLength(batch, steps)) {
                throw new IllegalArgumentException("output needs " + outputLength(batch, steps) + " values, got " + out.length);
            }
            if (tokenIds != null) {
                for (int r = 0, n = batch * steps; r < n; r++) {
                    tokenIds.row(x[r], r);
                }
            }
            float[] cur = x;
            int width = inputSize;
            boolean time = true;
            boolean masked = false;
            for (int i = 0; i < runners.length; i++) {
                float[] next = cur == a ? b : a;
                int rows = batch * (time ? steps : 1);
                switch (layers.get(i)) {
                    case Embedding e -> {
                        int d = e.outputDim();
                        for (int r = 0; r < rows; r++) {
                            int id = (int) cur[r];
                            System.arraycopy(e.table(), id * d, next, r * d, d);
                            mask[r] = id != 0;
                        }
                        width = d;
                        masked = e.maskZero();
                    }
                    case Masking m -> {
                        for (int r = 0; r < rows; r++) {
                            boolean keep = false;
                            for (int j = 0; j < width; j++) {
                                keep |= cur[r * width + j] != m.value();
                            }
                            mask[r] = keep;
                            for (int j = 0; j < width; j++) {
                                next[r * width + j] = keep ? cur[r * width + j] : 0f;
                            }
                        }
                        masked = true;
                    }
                    case Recurrent first -> {
                        boolean[] mk = masked ? mask : null;
                        Recurrent r = first;
                        if (statics[i] != null && steps == capacity && mk == null) {
                            StaticRunner st = statics[i];
                            r = (Recurrent) layers.get(staticEnd[i]);
                            i = staticEnd[i];
                            for (int l = 0; l < st.layerCount(); l++) {
                                st.state(l).reset();
                            }
                            st.run(cur, false, null, r.returnSequences() ? next : null);
                            if (!r.returnSequences()) {
                                System.arraycopy(hidden(st.state(st.layerCount() - 1)), 0, next, 0, batch * r.forward().outputSize());
                            }
                        } else {
                            LayeredRunner lr = runners[i];
                            if (!r.stateful()) {
                                lr.reset();
                            }
                            lr.run(cur, steps, false, null, mk, r.zeroOutputForMask() ? Padding.ZERO : Padding.REPEAT_PREVIOUS,
                                    r.returnSequences() ? next : null, null);
                            if (!r.returnSequences()) {
                                lr.finalOutputs(next);
                            }
                        }
                        width = r.outputWidth();
                        if (!r.returnSequences()) {
                            time = false;
                            masked = false;
                        }
                    }
                    case Pointwise p -> {
                        p.dense().apply(cur, 0, rows, next, 0);
                        width = p.dense().outputSize();
                        activate(k, p.activation(), next, rows * width);
                    }
                    case LastStep s -> {
                        for (int r = 0; r < batch; r++) {
                            System.arraycopy(cur, ((r + 1) * steps - 1) * width, next, r * width, width);
                        }
                        time = false;
                        masked = false;
                    }
                    case Graph g -> {
                        graphs[i].run(cur, steps, next);
                        width = g.function().outputSize();
                        time = g.function().sequenceOutput();
                    }
                }
                cur = next;
            }
            System.arraycopy(cur, 0, out, 0, outputLength(batch, steps));
        }

        /**
         * Warms this session up before its first real run ({@link WarmUp}): {@code runs} runs of
         * {@code steps} steps (at most the capacity) of a constant input, then more until the JIT is
         * quiet. A session keeps no state between runs, so nothing observable changes. Returns what it
         * did ({@link io.github.panamarnn.cells.WarmUp.Result}: calls, time, whether the JIT was quiet).
         */
        public WarmUp.Result warmUp(int runs, int steps) {
            int t = Math.max(1, Math.min(steps, capacity));
            float[] x = new float[batch * t * inputSize];
            java.util.Arrays.fill(x, 0.1f);
            float[] out = new float[outputLength(batch, t)];
            return WarmUp.run(() -> run(x, t, out), runs);
        }
    }

    /**
     * One step at a time for {@link #batch()} rows (independent series advanced together: one batched step through every
     * layer), the states kept inside: after each step, what the model outputs if each row's sequence ended there. Not
     * thread-safe: one per stream or thread. {@link #step}, {@link #snapshot} and {@link #restore} allocate nothing.
     */
    public final class Stream {
        private final Kernels k = kernels;
        private final int batch;
        private final CellState[] states;
        /** Per recurrent layer, a copy of the state taken before a step in which some row is masked (restored for those rows). */
        private final CellState[] saved;
        /** Per recurrent layer (null for the others) its live state part arrays, {@code [batch, size]} each ({@link StateFormat} rows). */
        final float[][][] parts;
        /** Per recurrent layer its last unmasked output, {@code [batch, width]}. */
        final float[][] last;
        private final float[] a;
        private final float[] b;
        private final boolean[] masked;
        /** Steps so far, for the sampled JFR step event. */
        private long steps;

        private Stream(int batch) {
            if (batch < 1 || (long) batch * maxWidth > Integer.MAX_VALUE / 2) {
                throw new IllegalArgumentException("a stream's batch must be in [1, " + Integer.MAX_VALUE / 2 / maxWidth + "], got " + batch);
            }
            this.batch = batch;
            states = new CellState[layers.size()];
            saved = new CellState[layers.size()];
            parts = new float[layers.size()][][];
            last = new float[layers.size()][];
            boolean masking = layers.get(0) instanceof Embedding e0 && e0.maskZero() || layers.stream().anyMatch(l -> l instanceof Masking);
            for (int i = 0; i < states.length; i++) {
                if (layers.get(i) instanceof Recurrent r) {
                    states[i] = r.forward().zeroState(batch);
                    saved[i] = masking ? r.forward().zeroState(batch) : null;
                    parts[i] = new float[states[i].partCount()][];
                    for (int p = 0; p < parts[i].length; p++) {
                        parts[i][p] = states[i].part(p);
                    }
                    last[i] = new float[batch * r.forward().outputSize()];
                }
            }
            a = new float[batch * maxWidth];
            b = new float[batch * maxWidth];
            masked = new boolean[batch];
        }

        /** The model this stream steps. */
        public Model model() {
            return Model.this;
        }

        /** Rows advanced by each step. */
        public int batch() {
            return batch;
        }

        /** The live state of layer {@code i} (null for layers without state). */
        public CellState state(int i) {
            return states[i];
        }

        /**
         * Feeds {@code x[xOff ..]} ({@code [batch, inputSize]}), writes the output rows to {@code out[outOff ..]}
         * ({@code [batch, outputSize]}).
         *
         * @throws IllegalArgumentException for a short array or a bad token id, naming it; no state has changed then
         */
        public void step(float[] x, int xOff, float[] out, int outOff) {
            if (++steps % StepEvent.SAMPLE_EVERY == 0 && StepEvent.TYPE.isEnabled()) {
                // The opt-in JFR step event: one step in SAMPLE_EVERY timed, only while a recording asks for it.
                StepEvent e = new StepEvent();
                e.begin();
                advance(x, xOff, out, outOff);
                e.model = source;
                e.batch = batch;
                e.commit();
                return;
            }
            advance(x, xOff, out, outOff);
        }

        private void advance(float[] x, int xOff, float[] out, int outOff) {
            // Everything checked before the first layer's state moves.
            StateFormat.checkRange("step input", x, xOff, batch * inputSize);
            StateFormat.checkRange("step output", out, outOff, batch * outputSize);
            if (tokenIds != null) {
                for (int r = 0; r < batch; r++) {
                    tokenIds.row(x[xOff + r], r);
                }
            }
            System.arraycopy(x, xOff, a, 0, batch * inputSize);
            java.util.Arrays.fill(masked, false);
            boolean anyMasked = false;
            float[] cur = a;
            int width = inputSize;
            for (int i = 0; i < states.length; i++) {
                float[] next = cur == a ? b : a;
                switch (layers.get(i)) {
                    case Embedding e -> {
                        int d = e.outputDim();
                        for (int r = 0; r < batch; r++) {
                            int id = (int) cur[r];
                            System.arraycopy(e.table(), id * d, next, r * d, d);
                            masked[r] = e.maskZero() && id == 0;
                            anyMasked |= masked[r];
                        }
                        width = d;
                    }
                    case Masking m -> {
                        for (int r = 0; r < batch; r++) {
                            boolean keep = false;
                            for (int j = 0; j < width; j++) {
                                keep |= cur[r * width + j] != m.value();
                            }
                            masked[r] = !keep;
                            anyMasked |= !keep;
                            for (int j = 0; j < width; j++) {
                                next[r * width + j] = keep ? cur[r * width + j] : 0f;
                            }
                        }
                    }
                    case Recurrent rec -> {
                        int w = rec.forward().outputSize();
                        CellState s = states[i];
                        if (anyMasked) {
                            for (int p = 0; p < s.partCount(); p++) {
                                System.arraycopy(s.part(p), 0, saved[i].part(p), 0, s.part(p).length);
                            }
                        }
                        rec.forward().step(cur, 0, s, next, 0);
                        for (int r = 0; r < batch; r++) {
                            if (anyMasked && masked[r]) {
                                // A masked step leaves the row's state as it was and repeats its last output (or zeros).
                                s.copyRowFrom(saved[i], r);
                                if (rec.zeroOutputForMask() && rec.returnSequences()) {
                                    java.util.Arrays.fill(next, r * w, (r + 1) * w, 0f);
                                } else {
                                    System.arraycopy(last[i], r * w, next, r * w, w);
                                }
                            } else {
                                System.arraycopy(next, r * w, last[i], r * w, w);
                            }
                        }
                        width = w;
                        if (!rec.returnSequences()) {
                            java.util.Arrays.fill(masked, false);
                            anyMasked = false;
                        }
                    }
                    case Pointwise p -> {
                        p.dense().apply(cur, 0, batch, next, 0);
                        width = p.dense().outputSize();
                        activate(k, p.activation(), next, batch * width);
                    }
                    case LastStep l -> {
                        System.arraycopy(cur, 0, next, 0, batch * width);
                        java.util.Arrays.fill(masked, false);
                        anyMasked = false;
                    }
                    case Graph g -> throw new IllegalStateException("a graph layer does not stream"); // refused by newStream
                }
                cur = next;
            }
            System.arraycopy(cur, 0, out, outOff, batch * outputSize);
        }

        /** Back to zero states, every row. */
        public void reset() {
            for (int i = 0; i < states.length; i++) {
                if (states[i] != null) {
                    states[i].reset();
                    java.util.Arrays.fill(last[i], 0f);
                }
            }
        }

        /** Back to zero states for one row; the others keep theirs. */
        public void reset(int row) {
            checkRow(row);
            for (int i = 0; i < states.length; i++) {
                if (states[i] != null) {
                    states[i].resetRow(row);
                    int w = last[i].length / batch;
                    java.util.Arrays.fill(last[i], row * w, (row + 1) * w, 0f);
                }
            }
        }

        private void checkRow(int row) {
            if (row < 0 || row >= batch) {
                throw new IllegalArgumentException("row " + row + " of a stream of batch " + batch + ", expected 0 to " + (batch - 1));
            }
        }

        private int onlyRow(String what) {
            if (batch != 1) {
                throw new IllegalStateException(what + " of a stream of batch " + batch + " needs a row: " + what + "(row, ...)");
            }
            return 0;
        }

        /** {@link #snapshot(int, float[], int)} of a batch-1 stream. */
        public void snapshot(float[] dst, int off) {
            snapshot(onlyRow("snapshot"), dst, off);
        }

        /** {@link #restore(int, float[], int)} of a batch-1 stream. */
        public void restore(float[] src, int off) {
            restore(onlyRow("restore"), src, off);
        }

        /** {@link #snapshot(int, ByteBuffer)} of a batch-1 stream. */
        public void snapshot(java.nio.ByteBuffer dst) {
            snapshot(onlyRow("snapshot"), dst);
        }

        /** {@link #restore(int, ByteBuffer)} of a batch-1 stream. */
        public void restore(java.nio.ByteBuffer src) {
            restore(onlyRow("restore"), src);
        }

        /**
         * Writes row {@code row}'s whole state ({@link #stateSize()} floats: a header naming the model, then every layer's
         * state and last output) to {@code dst[off ..]}, to be {@link #restore}d later, elsewhere, into any row of a stream
         * of any batch, or into a {@link ModelStreamPool} stream of the same model. Allocates nothing.
         *
         * @throws IllegalArgumentException for a bad row or when {@code dst} has no room for it from {@code off} (nothing written)
         */
        public void snapshot(int row, float[] dst, int off) {
            checkRow(row);
            StateFormat.write(fingerprint(), statePayload, parts, last, batch, row, dst, off);
        }

        /**
         * Sets row {@code row}'s whole state from a {@link #snapshot} at {@code src[off ..]}: the row then continues
         * exactly as the one that was snapshotted would have. Allocates nothing.
         *
         * @throws IllegalArgumentException for a bad row, or when {@code src} is too short, is not a state, or is another
         *                                  model's (another fingerprint), naming which; the stream is unchanged then
         */
        public void restore(int row, float[] src, int off) {
            checkRow(row);
            StateFormat.read(fingerprint(), statePayload, parts, last, batch, row, src, off);
        }

        /** {@link #snapshot(int, float[], int)} into a buffer at its position (which moves past it), in the buffer's byte order. */
        public void snapshot(int row, java.nio.ByteBuffer dst) {
            checkRow(row);
            StateFormat.write(fingerprint(), statePayload, parts, last, batch, row, dst);
        }

        /** {@link #restore(int, float[], int)} from a buffer at its position (which moves past it only when the state is accepted). */
        public void restore(int row, java.nio.ByteBuffer src) {
            checkRow(row);
            StateFormat.read(fingerprint(), statePayload, parts, last, batch, row, src);
        }

        /**
         * Warms this model's step up before the first real tick ({@link WarmUp}): {@code calls} steps
         * on a scratch stream of this batch (reset every 64 steps), then more until the JIT is quiet; this stream's
         * states are untouched. Returns what it did ({@link io.github.panamarnn.cells.WarmUp.Result}: calls, time, whether the JIT was quiet).
         */
        public WarmUp.Result warmUp(int calls) {
            Stream scratchStream = new Stream(batch);
            float[] x = new float[batch * inputSize];
            float[] y = new float[batch * outputSize];
            int[] i = {0};
            return WarmUp.run(() -> {
                int t = i[0]++;
                if (tokenIds == null) {
                    x[t % x.length] = (t % 7) * 0.1f - 0.3f;
                }
                scratchStream.step(x, 0, y, 0);
                if (t % 64 == 63) {
                    scratchStream.reset();
                }
            }, calls);
        }
    }
}
