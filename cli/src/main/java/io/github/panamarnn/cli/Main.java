package io.github.panamarnn.cli;

import io.github.panamarnn.cells.Initializers;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.formats.LoadOptions;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.model.Model;
import io.github.panamarnn.formats.tf1.Tf1Variables;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.unroll.StreamingCell;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code panama-rnn}: the command-line tool. Subcommands {@code run}, {@code bench}, {@code info},
 * {@code demo}; {@code --help} on each. Exit codes: 0 success, 1 user error (one line on stderr, no
 * stack trace), 2 internal error.
 */
public final class Main {
    static final String USAGE = """
            usage: panama-rnn <command> [options]

            commands:
              demo    run the bundled trained LSTM on the bundled telemetry series: predictions against the truth, latency report
              run     run a model file on inputs (.npy or CSV), as a batch or streaming rows from stdin
              bench   per-step latency distribution, throughput, allocation and SIMD/scalar ratio of a model or a cell
              info    what a model file holds: layers, sizes, gate layout, parameters, the kernel path that runs it

            'panama-rnn <command> --help' describes each; 'panama-rnn --version' prints the version and the kernels. Model files: .keras, .h5 (Keras), .safetensors, .npz
            (PyTorch state_dict: recurrent module + last step + Linear head), .onnx.
            exit codes: 0 ok, 1 user error, 2 internal error
            """;

    static final String RUN_HELP = """
            usage: panama-rnn run --model FILE [--input FILE ...] [--output FILE] [--columns C,...] [--stream] [--window N]
                                  [--header yes|no|auto] [--delimiter C] [--nonlinearity tanh|relu] [--tf1 KEY=VALUE,... ...]
                                  [--precision fp32|bf16|int8] [--threads N]

              --model FILE    .keras, .h5, .safetensors, .npz (a PyTorch state_dict or TF1 variables) or .onnx
              --input FILE    .npy [batch, steps, features] or [steps, features]; or CSV, one row per time step
                              (one sequence per file; a header line is detected). With --stream, default stdin.
                              May be given several times: the files run in order through one session, so a
                              stateful Keras model carries its state from one file to the next (as successive
                              predict calls do); their outputs follow one another (.npy output: stacked on a
                              new first axis, so every input must then have the same shape)
              --nonlinearity  PyTorch nn.RNN's nonlinearity, which a state_dict does not record (default: tanh,
                              PyTorch's default, and 'info' says it was assumed)
              --tf1 SPEC      TF1 cell arguments the variables do not record: forget_bias, activation, cell_clip,
                              proj_clip, wrapper_activation, e.g. forget_bias=0,activation=relu; once for every
                              layer, or once per MultiRNNCell layer in order (default: TF1's defaults, listed by 'info')
              --columns C,..  CSV columns holding the features, by header name or 0-based index
                              (default: every column, when their number is the model's input size)
              --header H      yes, no or auto (default): with auto the first line is a header when none of its
                              cells is a number, so a data line is never taken for one
              --delimiter C   the CSV cell delimiter, one character or 'tab' (default: comma); cells may be
                              double-quoted; every line must have as many cells as the first; UTF-8 (a BOM is
                              dropped); lines up to 1 MiB
              --output FILE   .npy or CSV (default: CSV on stdout)
              --stream        read CSV rows as they arrive and print each output as soon as it is computed:
                              stateful (the state carries on from row to row), or with --window
              --window N      with --stream: the output for the last N rows as one sequence (what a model
                              trained on windows of N steps predicts); needed for bidirectional models and ONNX graphs
                              that do not compile to layers
            """ + Compute.HELP;

    static final String BENCH_HELP = """
            usage: panama-rnn bench (--model FILE | --cell lstm|gru|rnn --units N [--input-size N])
                                    [--steps N] [--warmup N] [--window N] [--quiet] [--progress]
                                    [--precision fp32|bf16|int8] [--threads N]

              --model FILE    benchmark one step of a model (stateful stream), or one --window run when it
                              cannot stream (bidirectional models, ONNX graphs that do not compile to layers)
              --cell KIND     benchmark one step of a Keras-initialised cell (seed 42) of --units units (1 to 1024)
              --input-size N  the cell's input features (default: --units)
              --steps N       measured calls (default 1000000 for cells, 200000 for models)
              --warmup N      calls before measuring (default 50000), timed and reported
              --histogram F   also write the SIMD run's full percentile distribution (HdrHistogram .hgrm text) to F
              --quiet         no progress bar (there is none anyway when stderr is not a terminal)
              --progress      a progress bar even when stderr is not a terminal
            reports: latency per call (p50 p90 p99 p99.9 p99.99 max, HdrHistogram), throughput, bytes allocated
            per call (thread-allocated bytes), GC during the run, the same step on the scalar kernels and, with
            --precision or --threads, the outputs' difference from fp32 on one thread over the same inputs.
            """ + Compute.HELP;

    static final String INFO_HELP = """
            usage: panama-rnn info --model FILE [--nonlinearity tanh|relu] [--tf1 KEY=VALUE,... ...]

              prints the format, input and output shapes, each layer (kind, units, gate layout, parameters),
              the parameter count, what was assumed because the file does not record it, and the kernel path
              (Vector API species or scalar) that runs it
            """;

    static final String DEMO_HELP = """
            usage: panama-rnn demo [--quiet] [--progress] [--precision fp32|bf16|int8] [--threads N]

              runs the bundled Keras LSTM(64) -> Dense(1), trained to predict channel 0 of a 4-channel
              telemetry series one step ahead, on the 3950 test windows of the bundled series (50 steps each),
              prints its predictions against the truth and Keras's own, and the latency of each window and step.
              A progress bar is drawn on a terminal; --quiet never, --progress always.
            """ + Compute.HELP;

    /** Held here: java.util.logging keeps loggers weakly, and a collected logger forgets the level set on it. */
    private static final java.util.logging.Logger LIBRARY_LOG = java.util.logging.Logger.getLogger("io.github.panamarnn");

    /** Whether this JVM's standard error is a terminal (progress bars are drawn only then). */
    static final boolean STDERR_IS_TERMINAL = System.console() != null && System.console().isTerminal();

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.in, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command in-process; returns the exit code. */
    public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err) {
        // The library's one INFO line on first use belongs in a service's log, not in a command's output.
        LIBRARY_LOG.setLevel(java.util.logging.Level.WARNING);
        try {
            if (args.length == 0) {
                // Not asked for: the usage is an error message, on stderr.
                err.print(USAGE);
                return 1;
            }
            if (args[0].equals("--version") || args[0].equals("-V") || args[0].equals("version")) {
                out.println(versionLine());
                return 0;
            }
            if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
                out.print(USAGE);
                return 0;
            }
            String cmd = args[0];
            // --help or -h anywhere after the command asks for its help, whatever else is there.
            boolean help = false;
            for (int i = 1; i < args.length; i++) {
                help |= args[i].equals("--help") || args[i].equals("-h");
            }
            switch (cmd) {
                case "run" -> {
                    if (help) {
                        out.print(RUN_HELP);
                        return 0;
                    }
                    return runCommand(new Options(cmd, args, 1, Set.of("model", "input", "output", "columns", "window", "nonlinearity", "tf1", "delimiter", "header",
                            "precision", "threads"),
                            Set.of("stream"), Set.of("input")), stdin, out);
                }
                case "bench" -> {
                    if (help) {
                        out.print(BENCH_HELP);
                        return 0;
                    }
                    return bench(new Options(cmd, args, 1, Set.of("model", "cell", "units", "input-size", "steps", "warmup", "window", "histogram",
                            "precision", "threads"),
                            Set.of("quiet", "progress")),
                            out, err);
                }
                case "info" -> {
                    if (help) {
                        out.print(INFO_HELP);
                        return 0;
                    }
                    Options o = new Options(cmd, args, 1, Set.of("model", "nonlinearity", "tf1"), Set.of());
                    LoadedModel.open(o.path("model"), loadOptions(o)).describe(out);
                    return 0;
                }
                case "demo" -> {
                    if (help) {
                        out.print(DEMO_HELP);
                        return 0;
                    }
                    return Demo.run(new Options(cmd, args, 1, Set.of("precision", "threads"), Set.of("quiet", "progress")), out, err);
                }
                default -> throw new UserError("unknown command '" + cmd + "'; expected demo, run, bench or info (see --help)");
            }
        } catch (UserError e) {
            err.println("panama-rnn: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("panama-rnn: " + ioMessage(e));
            return 1;
        } catch (RuntimeException | Error e) {
            err.println("panama-rnn: internal error, please report it: " + e);
            e.printStackTrace(err);
            return 2;
        }
    }

    /** {@code panama-rnn <version> (kernels ..., float32; Java ...)}. */
    static String versionLine() {
        return KernelProvider.describe() + "; Java " + Runtime.version();
    }

    /** An I/O error in words: which file, and what went wrong, on one line (a bare path is not a message). */
    static String ioMessage(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
            return f.getFile() + ": " + why;
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    // ---------------------------------------------------------------------------------------------
    // run

    /** What the file cannot say, from the command line ({@code --nonlinearity}, {@code --tf1}). */
    static LoadOptions loadOptions(Options o) throws UserError {
        LoadOptions l = LoadOptions.DEFAULTS;
        if (o.has("nonlinearity")) {
            try {
                l = l.withTorchNonlinearity(LoadOptions.TorchNonlinearity.parse(o.get("nonlinearity", null)));
            } catch (IllegalArgumentException e) {
                throw new UserError("--nonlinearity: " + e.getMessage());
            }
        }
        if (o.has("tf1")) {
            List<Tf1Variables.Options> per = new ArrayList<>();
            for (String spec : o.all("tf1")) {
                try {
                    per.add(Tf1Variables.Options.parse(spec));
                } catch (IllegalArgumentException e) {
                    throw new UserError("--tf1: " + e.getMessage());
                }
            }
            l = l.withTf1(per);
        }
        return l;
    }

    private static int runCommand(Options o, InputStream stdin, PrintStream out) throws UserError, IOException {
        try (Compute c = Compute.of(o)) {
            return runCommand(o, LoadedModel.open(o.path("model"), loadOptions(o)).using(c), stdin, out);
        }
    }

    private static int runCommand(Options o, LoadedModel m, InputStream stdin, PrintStream out) throws UserError, IOException {
        int features = m.inputSize();
        // "-" is standard output, as having no --output is.
        Path output = o.has("output") && !o.get("output", null).equals("-") ? Options.output("run: --output", o.get("output", null)) : null;
        if (o.has("stream")) {
            if (o.all("input").size() > 1) {
                throw new UserError("run --stream reads one input (a file or stdin), got " + o.all("input").size() + " --input files");
            }
            return stream(o, m, features, stdin, out);
        }
        if (o.has("window")) {
            throw new UserError("run: --window goes with --stream");
        }
        Tables.CsvFormat csvFormat = Tables.CsvFormat.of(o.get("delimiter", null), o.get("header", null));
        // Every input is read and checked before the first one runs: a bad file changes nothing.
        List<Tables.Sequences> inputs = new ArrayList<>();
        for (String f : o.all("input")) {
            if (f.equals("-")) { // the conventional name of standard input: CSV rows
                inputs.add(Tables.readCsv(new java.io.FilterInputStream(stdin) {
                    @Override
                    public void close() {
                        // standard input stays open for the caller
                    }
                }, "stdin", features, o.get("columns", null), csvFormat));
                continue;
            }
            Path p = Options.file("run: --input", f);
            inputs.add(Tables.read(p, features, o.get("columns", null), m.tokenIds(), csvFormat));
        }
        if (inputs.isEmpty()) {
            throw new UserError("run: --input is required (see 'run --help')");
        }
        boolean npy = output != null && output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy");
        for (Tables.Sequences s : inputs) {
            if (npy && (s.batch() != inputs.get(0).batch() || s.steps() != inputs.get(0).steps())) {
                throw new UserError("run: an .npy output stacks the outputs of every --input, so they need one shape: [" + inputs.get(0).batch()
                        + ", " + inputs.get(0).steps() + ", " + features + "] and [" + s.batch() + ", " + s.steps() + ", " + features + "]");
            }
        }
        int[] width = new int[1];
        float[][] ys = m.predictAll(inputs, width);
        int total = 0;
        for (float[] y : ys) {
            total += y.length;
        }
        float[] all = new float[total];
        int at = 0;
        for (float[] y : ys) {
            System.arraycopy(y, 0, all, at, y.length);
            at += y.length;
        }
        int rows = total / width[0];
        Tables.Sequences s = inputs.get(0);
        int[] one = m.sequenceOutput() ? new int[] {s.batch(), s.steps(), width[0]} : new int[] {ys[0].length / width[0], width[0]};
        int[] shape = one;
        if (inputs.size() > 1) {
            shape = new int[one.length + 1];
            shape[0] = inputs.size();
            System.arraycopy(one, 0, shape, 1, one.length);
        }
        Tables.write(all, rows, width[0], shape, output, out);
        return 0;
    }

    private static int stream(Options o, LoadedModel m, int features, InputStream stdin, PrintStream out) throws UserError, IOException {
        int window = o.integer("window", 0, 1, 1_000_000);
        if (window == 0 && !m.model.streamable()) {
            throw new UserError("run --stream: " + m.file + " cannot run one step at a time (an ONNX graph that runs in the interpreter, a bidirectional, go_backwards or reverse layer); "
                    + "add --window N to run the last N rows as one sequence");
        }
        InputStream in = o.has("input") && !o.get("input", null).equals("-") ? Files.newInputStream(o.path("input")) : stdin;
        Tables.CsvFormat format = Tables.CsvFormat.of(o.get("delimiter", null), o.get("header", null));
        String what = o.has("input") && !o.get("input", null).equals("-") ? o.path("input").toString() : "stdin";
        try (Csv csv = new Csv(in, what, format.delimiter())) {
            String first = csv.next();
            while (first != null && first.isBlank()) {
                first = csv.next();
            }
            if (first == null) {
                throw new UserError(what + ": no rows");
            }
            Tables.Columns cols = Tables.Columns.of(csv.cells(first), format.header(), o.get("columns", null), features, what);
            Model.Stream s = window == 0 ? m.model.newStream() : null;
            Model.Session session = window > 0 ? m.model.newSession(1, window) : null;
            float[] row = new float[features];
            float[] ring = new float[Math.max(1, window) * features];
            float[] win = new float[Math.max(1, window) * features];
            float[] y = new float[m.model.outputSize() * (m.model.sequenceOutput() ? Math.max(1, window) : 1)];
            long seen = 0;
            String line = cols.header ? csv.next() : first;
            StringBuilder sb = new StringBuilder();
            while (line != null) {
                int lineNo = csv.lineNo();
                if (!line.isBlank()) {
                    cols.parse(csv.cells(line), lineNo, what, row, 0);
                    sb.setLength(0);
                    if (s != null) {
                        try {
                            s.step(row, 0, y, 0);
                        } catch (IllegalArgumentException e) {
                            throw new UserError("input line " + lineNo + ": " + e.getMessage());
                        }
                        append(sb, y, 0, m.model.outputSize());
                    } else {
                        System.arraycopy(row, 0, ring, (int) (seen % window) * features, features);
                        if (seen + 1 >= window) {
                            for (int t = 0; t < window; t++) {
                                System.arraycopy(ring, (int) ((seen + 1 + t) % window) * features, win, t * features, features);
                            }
                            try {
                                session.run(win, window, y);
                            } catch (IllegalArgumentException e) {
                                throw new UserError("input line " + lineNo + ": " + e.getMessage());
                            }
                            int w = m.model.outputSize();
                            append(sb, y, m.model.sequenceOutput() ? (window - 1) * w : 0, w);
                        }
                    }
                    seen++;
                    if (sb.length() > 0) {
                        out.println(sb);
                        out.flush();
                        if (out.checkError()) {
                            return 0; // the reader of our output has gone (a closed pipe): nothing left to do
                        }
                    }
                }
                line = csv.next();
            }
            if (window > 0 && seen < window) {
                throw new UserError(what + ": " + seen + " rows, fewer than --window " + window + ": no window was complete, nothing was predicted");
            }
        }
        return 0;
    }

    private static void append(StringBuilder sb, float[] y, int off, int n) {
        for (int j = 0; j < n; j++) {
            if (j > 0) {
                sb.append(',');
            }
            sb.append(y[off + j]);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // bench

    private static int bench(Options o, PrintStream out, PrintStream err) throws UserError {
        try (Compute c = Compute.of(o)) {
            return bench(o, c, out, err);
        }
    }

    private static int bench(Options o, Compute c, PrintStream out, PrintStream err) throws UserError {
        // A progress bar only where someone watches it: on a terminal, not in a redirected log (--quiet turns it off there too).
        boolean quiet = o.has("quiet") || !STDERR_IS_TERMINAL && !o.has("progress");
        int warm = o.integer("warmup", 50_000, 0, 100_000_000);
        if (o.has("model") == o.has("cell")) {
            throw new UserError("bench: give either --model FILE or --cell lstm|gru|rnn --units N");
        }
        c.describe(out);
        if (o.has("cell")) {
            // At most 1024: Keras' orthogonal initializer is a QR of [units, 4 units], cubic in units (about 5 s at 1024, an hour at 8192).
            int units = o.integer("units", 128, 1, 1024);
            if (!o.has("units")) {
                throw new UserError("bench: --cell needs --units N");
            }
            int in = o.integer("input-size", units, 1, 1 << 16);
            int steps = o.integer("steps", 1_000_000, 1, Integer.MAX_VALUE);
            RnnCell fp32 = switch (o.get("cell", "").toLowerCase(Locale.ROOT)) {
                case "lstm" -> Initializers.kerasLstm(in, units, 42);
                case "gru" -> Initializers.kerasGru(in, units, 42);
                case "rnn" -> Initializers.kerasSimpleRnn(in, units, 42);
                default -> throw new UserError("bench: --cell '" + o.get("cell", "") + "', expected lstm, gru or rnn");
            };
            RnnCell cell = RnnCell.using(fp32, c.kernels);
            String label = o.get("cell", "").toUpperCase(Locale.ROOT) + " " + units + " units, input " + in + ", batch 1"
                    + (c.isDefault() ? "" : ", " + c.precision.label() + " weights, " + c.threads + (c.threads == 1 ? " thread" : " threads"));
            if (!c.isDefault()) {
                cellError(out, fp32, cell, c);
            }
            Latency.Result vec = benchCell(label, cell, steps, warm, quiet ? null : err, out);
            if (o.has("histogram")) {
                try (PrintStream h = new PrintStream(Files.newOutputStream(Path.of(o.get("histogram", null))), true, StandardCharsets.UTF_8)) {
                    h.println("# " + label + ", " + c.kernels.name() + "; values in microseconds");
                    vec.histogram().outputPercentileDistribution(h, 5, 1000.0);
                } catch (IOException e) {
                    throw new UserError("bench: cannot write --histogram " + o.get("histogram", null) + ": " + e.getMessage());
                }
            }
            RnnCell scalar = RnnCell.using(cell, c.scalar());
            ratio(out, vec, benchCell(label + ", scalar kernels", scalar, Math.max(2000, steps / 20), Math.min(warm, 20_000), quiet ? null : err, out));
            return 0;
        }
        LoadedModel loaded = LoadedModel.open(o.path("model"));
        LoadedModel m = loaded.using(c);
        int features = m.inputSize();
        int steps = o.integer("steps", 200_000, 1, Integer.MAX_VALUE);
        if (m.model.streamable() && !o.has("window")) {
            if (!c.isDefault()) {
                modelError(out, loaded.model, m.model, c);
            }
            Model[] models = {m.model, m.model.using(c.scalar())};
            Latency.Result[] results = new Latency.Result[2];
            for (int k = 0; k < 2; k++) {
                Model.Stream s = models[k].newStream();
                io.github.panamarnn.cells.WarmUp.Result wt = s.warmUp(k == 0 ? warm : Math.min(warm, 20_000));
                out.printf(Locale.ROOT, "warm-up: %,d steps in %.1f ms%s%n", wt.calls(), wt.nanos() / 1e6,
                        wt.jitQuiet() ? ", JIT quiet" : ", the JIT was still compiling at the deadline");
                float[] x = new float[features];
                float[] y = new float[models[k].outputSize()];
                Latency.Call call = i -> {
                    x[(int) (i % features)] = (float) Math.sin(i * 0.01);
                    s.step(x, 0, y, 0);
                };
                results[k] = Latency.measure(m.file.getFileName() + (k == 0 ? " step" : " step, scalar kernels"), k == 0 ? steps : Math.max(2000, steps / 20),
                        call, quiet ? null : err);
                results[k].print(out, "step");
            }
            ratio(out, results[0], results[1]);
            return 0;
        }
        int window = o.integer("window", m.model.fixedSteps() > 0 ? m.model.fixedSteps() : 1, 1, 100_000);
        float[] x = new float[window * features];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.01);
        }
        Model.Session session;
        try {
            session = m.model.newSession(1, window);
            float[] y = new float[m.model.outputLength(1, window)];
            io.github.panamarnn.cells.WarmUp.Result wt = session.warmUp(Math.min(warm, 5000), window);
            out.printf(Locale.ROOT, "warm-up: %,d runs in %.1f ms%s%n", wt.calls(), wt.nanos() / 1e6,
                    wt.jitQuiet() ? ", JIT quiet" : ", the JIT was still compiling at the deadline");
            session.run(x, window, y);
        } catch (IllegalArgumentException e) {
            throw new UserError(m.file + ": " + e.getMessage());
        }
        float[] y = new float[m.model.outputLength(1, window)];
        Latency.Call call = i -> session.run(x, window, y);
        String what = m.model.layers().get(0) instanceof Model.Graph ? "session run (the ONNX interpreter)" : "session run";
        Latency.measure(m.file.getFileName() + " " + what + ", window " + window, Math.max(1, steps / window), call, quiet ? null : err).print(out, "run");
        return 0;
    }

    /** Steps of the sine input every bench feeds, through the fp32 cell and {@code cell}: how far apart their outputs are. */
    private static final int ERROR_STEPS = 2_000;

    private static void cellError(PrintStream out, RnnCell fp32, RnnCell cell, Compute c) {
        StreamingCell a = new StreamingCell(fp32);
        StreamingCell b = new StreamingCell(cell);
        int in = cell.inputSize();
        int width = cell.outputSize();
        float[] x = new float[in];
        float[] ya = new float[ERROR_STEPS * width];
        float[] yb = new float[ERROR_STEPS * width];
        for (int i = 0; i < ERROR_STEPS; i++) {
            x[i % in] = (float) Math.sin(i * 0.01);
            a.step(x, 0, ya, i * width);
            b.step(x, 0, yb, i * width);
        }
        Compute.printError(out, c.precision.label() + ", " + c.threads + " thread(s), " + ERROR_STEPS + " steps of the bench input", ya, yb, ya.length);
    }

    private static void modelError(PrintStream out, Model fp32, Model model, Compute c) {
        Model.Stream a = fp32.newStream();
        Model.Stream b = model.newStream();
        int in = fp32.inputSize();
        int width = fp32.outputSize();
        float[] x = new float[in];
        float[] ya = new float[ERROR_STEPS * width];
        float[] yb = new float[ERROR_STEPS * width];
        for (int i = 0; i < ERROR_STEPS; i++) {
            x[i % in] = fp32.tokenIds() ? 0 : (float) Math.sin(i * 0.01); // id 0 is in every vocabulary
            a.step(x, 0, ya, i * width);
            b.step(x, 0, yb, i * width);
        }
        Compute.printError(out, c.precision.label() + ", " + c.threads + " thread(s), " + ERROR_STEPS + " steps of the bench input", ya, yb, ya.length);
    }

    private static Latency.Result benchCell(String label, RnnCell cell, int steps, int warm, PrintStream progress, PrintStream out) {
        StreamingCell s = new StreamingCell(cell);
        int in = cell.inputSize();
        float[] x = new float[in];
        float[] y = new float[cell.outputSize()];
        x[0] = 0.5f;
        timedStep(s, x, y); // the tick's call site runs once cold, as a service's start-up code would
        s.reset();
        long wt = s.warmUp(warm).nanos();
        long first = timedStep(s, x, y);
        s.reset();
        Latency.Call call = i -> {
            x[(int) (i % in)] = (float) Math.sin(i * 0.01);
            s.step(x, 0, y, 0);
        };
        Latency.Result r = Latency.measure(label, steps, call, progress);
        out.printf(Locale.ROOT, "warm-up: %,d steps in %.1f ms (StreamingCell.warmUp: those steps, then more until the JIT is quiet);"
                + " the first real step after it: %.2f us = %.1fx the median%n", warm,
                wt / 1e6, first / 1e3, first / 1e3 / Math.max(1e-9, r.us(50)));
        r.print(out, "step");
        return r;
    }

    /** One step, timed: the call site of the first real step after the warm-up. */
    private static long timedStep(StreamingCell s, float[] x, float[] y) {
        long t0 = System.nanoTime();
        s.step(x, 0, y, 0);
        return System.nanoTime() - t0;
    }

    private static void ratio(PrintStream out, Latency.Result vec, Latency.Result scalar) {
        out.printf(Locale.ROOT, "SIMD vs scalar: %.1fx at the median (%.2f us vs %.2f us), %.1fx in throughput%n", scalar.us(50) / Math.max(1e-9, vec.us(50)),
                vec.us(50), scalar.us(50), vec.callsPerSecond() / Math.max(1e-9, scalar.callsPerSecond()));
    }

    static float[] readNpyResource(String name) throws IOException {
        try (InputStream in = Main.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("bundled resource " + name + " is missing from the jar");
            }
            return NumPy.parseNpy(in.readAllBytes(), name).data();
        }
    }
}
