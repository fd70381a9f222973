package io.github.panamarnn.cli;

import io.github.panamarnn.formats.LoadOptions;
import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.kernels.KernelProvider;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A model file opened for the CLI: a {@link Model}, whatever the format ({@link ModelFiles#load}). */
final class LoadedModel {
    final Path file;
    final Model model;

    private LoadedModel(Path file, Model model) {
        this.file = file;
        this.model = model;
    }

    static LoadedModel open(Path file) throws UserError {
        return open(file, LoadOptions.DEFAULTS);
    }

    static LoadedModel open(Path file, LoadOptions options) throws UserError {
        try {
            if (ModelFiles.isOnnx(file) && options.torchNonlinearity() != null) {
                throw new UserError(file + ": --nonlinearity is for PyTorch state_dicts; an ONNX graph records its activations");
            }
            return new LoadedModel(file, ModelFiles.load(file, options));
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": no such file");
        } catch (ModelFormatException e) {
            throw new UserError(e.getMessage());
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** This model on other kernels (another precision, a step across threads); a graph layer runs in the float32 interpreter only. */
    LoadedModel using(Compute c) throws UserError {
        if (c.isDefault()) {
            return this;
        }
        if (model.layers().get(0) instanceof Model.Graph) {
            throw new UserError(file + ": --precision and --threads need a model of layers; this ONNX graph does not compile to layers and runs "
                    + "in the float32 interpreter");
        }
        return new LoadedModel(file, model.using(c.kernels));
    }

    int inputSize() {
        return model.inputSize();
    }

    /** True when the model starts with an Embedding: one token id per step. */
    boolean tokenIds() {
        return model.tokenIds();
    }

    boolean sequenceOutput() {
        return model.sequenceOutput();
    }

    /** Floats in one chunk's session buffer: 2^22 (16 MiB), so a session's buffers stay under 100 MiB whatever the batch. */
    static final long CHUNK_VALUES = 1L << 22;

    /**
     * Runs each input in order through one session (a stateful model carries its state from one to
     * the next, as successive Keras {@code predict} calls do); returns each output, and the per-row
     * width in {@code widthOut[0]}.
     */
    float[][] predictAll(java.util.List<Tables.Sequences> inputs, int[] widthOut) throws UserError {
        float[][] ys = new float[inputs.size()][];
        int batch = inputs.get(0).batch();
        int capacity = 1;
        for (Tables.Sequences s : inputs) {
            if (s.batch() != batch) {
                throw new UserError(file + ": every --input must hold the same batch of sequences (one session runs them in order), got "
                        + batch + " and " + s.batch());
            }
            capacity = Math.max(capacity, s.steps());
        }
        // Rows are independent, so a model that keeps no state between runs runs the batch in chunks of rows through one
        // session of bounded buffers (CHUNK_VALUES floats each; a second for a shorter last chunk): a large input needs
        // memory for itself and its output, not for buffers the size of the whole batch. A stateful model keeps one
        // session (its state is per row of that session).
        int perRow = Math.max(1, capacity * model.maxWidth());
        int chunk = model.stateful() ? batch : (int) Math.max(1, Math.min(batch, CHUNK_VALUES / perRow));
        int chunks = (batch + chunk - 1) / chunk;
        int tail = batch - (chunks - 1) * chunk;
        Model.Session full;
        Model.Session last;
        try {
            full = model.newSession(chunk, capacity);
            last = tail == chunk ? full : model.newSession(tail, capacity);
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": " + e.getMessage());
        }
        int in = model.inputSize();
        for (int i = 0; i < ys.length; i++) {
            Tables.Sequences s = inputs.get(i);
            int t = s.steps();
            ys[i] = new float[model.outputLength(batch, t)];
            int outRow = model.outputLength(1, t);
            for (int c = 0; c < chunks; c++) {
                int from = c * chunk;
                Model.Session session = c == chunks - 1 ? last : full;
                int rows = session.batch();
                float[] x = chunks == 1 ? s.data() : java.util.Arrays.copyOfRange(s.data(), from * t * in, (from + rows) * t * in);
                float[] y = chunks == 1 ? ys[i] : new float[rows * outRow];
                try {
                    session.run(x, t, y);
                } catch (IllegalArgumentException e) {
                    throw new UserError(file + ": input " + (i + 1) + (chunks == 1 ? "" : ", rows " + from + ".." + (from + rows - 1)) + ": "
                            + e.getMessage());
                }
                if (chunks > 1) {
                    System.arraycopy(y, 0, ys[i], from * outRow, rows * outRow);
                }
            }
        }
        widthOut[0] = model.outputSize();
        return ys;
    }

    void describe(PrintStream out) {
        out.println("model:        " + file);
        out.println("format:       " + model.source());
        out.println("input:        [batch, " + (model.fixedSteps() > 0 ? model.fixedSteps() + " (declared)" : "time")
                + (tokenIds() ? "] token ids" : ", " + model.inputSize() + "]"));
        out.println("output:       " + (model.sequenceOutput() ? "[batch, time, " : "[batch, ") + model.outputSize() + "]");
        if (model.outputs().size() > 1) {
            int from = 0;
            for (Model.Output part : model.outputs()) {
                out.println("  part        " + part.name() + ": features [" + from + ", " + (from + part.width()) + ")");
                from += part.width();
            }
        }
        out.println("layers:");
        for (Model.Layer l : model.layers()) {
            String what = switch (l) {
                case Model.Recurrent r -> r.description() + "; gates " + gateLayout(r) + "; cell " + r.forward().getClass().getSimpleName()
                        + " " + r.forward().inputSize() + " -> " + r.outputWidth();
                case Model.Pointwise p -> "Dense " + p.dense().inputSize() + " -> " + p.dense().outputSize() + ", activation "
                        + p.activation().kind().name().toLowerCase(java.util.Locale.ROOT);
                case Model.Masking m -> "Masking, mask_value " + m.value();
                case Model.Embedding e -> "Embedding " + e.inputDim() + " ids -> " + e.outputDim() + (e.maskZero() ? ", mask_zero" : "");
                case Model.LastStep s -> "last time step";
                case Model.Graph g -> String.join("\n        ", g.function().description());
            };
            out.printf(java.util.Locale.ROOT, "  %-14s %-8s params %,d%n", l.name(), "", l.parameters());
            out.println("      " + what);
        }
        out.printf(java.util.Locale.ROOT, "parameters:   %,d%n", model.parameterCount());
        out.println("streamable:   " + (model.streamable() ? "yes (one step at a time, state kept)"
                : model.layers().get(0) instanceof Model.Graph ? "no (an ONNX graph run whole by the interpreter)"
                : "no (a bidirectional, go_backwards or reverse layer)"));
        out.println("stateful:     " + (model.stateful() ? "yes (state carried from one run to the next, as the file says)" : "no"));
        if (model.assumptions().isEmpty()) {
            out.println("assumed:      nothing (every option that changes the numbers is read from the file)");
        } else {
            for (String a : model.assumptions()) {
                out.println("assumed:      " + a);
            }
        }
        out.println("kernels:      " + model.kernels().name() + (model.kernels().isVectorized() ? "" : " (" + KernelProvider.fallbackReason() + ")"));
    }

    private static String gateLayout(Model.Recurrent r) {
        String c = r.forward().getClass().getSimpleName();
        return switch (c) {
            case "LstmCell" -> "i,f,g,o (from the file's own order)";
            case "GruCell" -> "z,r,n (from the file's own order)";
            default -> "single";
        };
    }
}
