package io.github.panamarnn.cli;

import io.github.panamarnn.formats.keras.KerasModels;
import io.github.panamarnn.model.Model;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The bundled demo: a Keras 3 LSTM(64) -> Dense(1) trained on a synthetic 4-channel telemetry
 * series (../shared/models, "keras/lstm64"), predicting channel 0 one step ahead from windows of 50
 * steps. It runs the 3950 test windows one step at a time through a {@link Model.Stream},
 * compares the predictions with the truth, the naive last-value forecast and Keras's own
 * predictions, and reports the latency of each window and of single steps.
 */
final class Demo {
    static final int WINDOW = 50;
    static final int FIRST_TEST_START = 8000;

    private Demo() {
    }

    static int run(Options o, PrintStream out, PrintStream err) throws IOException, UserError {
        // A progress bar only on a terminal (or with --progress), as bench.
        boolean quiet = o.has("quiet") || !Main.STDERR_IS_TERMINAL && !o.has("progress");
        try (Compute c = Compute.of(o)) {
            return run(c, quiet, out, err);
        }
    }

    private static int run(Compute c, boolean quiet, PrintStream out, PrintStream err) throws IOException {
        Path model = Files.createTempFile("panama-rnn-demo", ".keras");
        Model m;
        try {
            try (InputStream in = Demo.class.getResourceAsStream("/demo/lstm64.keras")) {
                if (in == null) {
                    throw new IOException("the bundled model /demo/lstm64.keras is missing from the jar");
                }
                Files.copy(in, model, StandardCopyOption.REPLACE_EXISTING);
            }
            m = KerasModels.load(model).using(c.kernels);
        } finally {
            Files.deleteIfExists(model);
        }
        float[] series = telemetry();
        int rows = series.length / 4;
        float[] keras = Main.readNpyResource("/demo/lstm64.stream_pred.npy");
        int windows = rows - WINDOW - FIRST_TEST_START;
        out.println("panama-rnn demo: one-step-ahead forecast of a telemetry channel");
        out.println("model:   " + m.source() + ": " + m.layers().stream().map(l -> l instanceof Model.Recurrent r ? r.description()
                : l instanceof Model.Pointwise p ? "Dense(" + p.dense().outputSize() + ")" : l.name()).toList()
                + String.format(Locale.ROOT, ", %,d parameters", m.parameterCount()));
        c.describe(out);
        out.printf(Locale.ROOT, "data:    %,d rows x 4 channels; test windows: %,d (rows %d..%d, %d steps each), target = ch0 of the next row%n", rows,
                windows, FIRST_TEST_START, rows - 1, WINDOW);

        Model.Stream s = m.newStream();
        long warm = s.warmUp(20_000).nanos();
        out.printf(Locale.ROOT, "warm-up: 20,000 steps in %.1f ms (Stream.warmUp, what a service calls at start-up)%n%n", warm / 1e6);

        float[] pred = new float[windows];
        float[] y = new float[1];
        Latency.Call window = k -> {
            s.reset();
            int start = FIRST_TEST_START + (int) k;
            for (int t = 0; t < WINDOW; t++) {
                s.step(series, (start + t) * 4, y, 0);
            }
            pred[(int) k] = y[0];
        };
        Latency.Result perWindow = Latency.measure("test windows", windows, window, quiet ? null : err);

        double se = 0;
        double seNaive = 0;
        double maxVsKeras = 0;
        for (int k = 0; k < windows; k++) {
            int target = FIRST_TEST_START + k + WINDOW;
            double truth = series[target * 4];
            se += (pred[k] - truth) * (pred[k] - truth);
            double naive = series[(target - 1) * 4];
            seNaive += (naive - truth) * (naive - truth);
            maxVsKeras = Math.max(maxVsKeras, Math.abs(pred[k] - keras[k]));
        }
        out.println("  row   truth     predicted  Keras     naive");
        int[] show = {0, 1, 2, 3, 493, 986, 1479, 2832, 3213, windows - 1};
        for (int k : show) {
            int target = FIRST_TEST_START + k + WINDOW;
            out.printf(Locale.ROOT, "  %-5d %8.4f  %8.4f  %8.4f  %8.4f%n", target, series[target * 4], pred[k], keras[k], series[(target - 1) * 4]);
        }
        out.printf(Locale.ROOT, "%nRMSE over the %,d test windows: model %.4f, naive last value %.4f (%.0f%% lower)%n", windows, Math.sqrt(se / windows),
                Math.sqrt(seNaive / windows), 100 * (1 - Math.sqrt(se / seNaive)));
        boolean fp32 = c.precision == io.github.panamarnn.kernels.Precision.FP32;
        out.printf(Locale.ROOT, "agreement with Keras's own predictions: max |ours - Keras| = %.2e over %,d windows (%s)%n%n", maxVsKeras, windows,
                fp32 ? "tolerance 2e-5" : c.precision.label() + " weights: the difference is the precision's cost, not checked against 2e-5");
        perWindow.print(out, "window");

        Model.Stream live = m.newStream();
        float[] z = new float[1];
        Latency.Call step = i -> live.step(series, (int) (i % rows) * 4, z, 0);
        out.println();
        Latency.measure("stateful stream over the series, one step per tick", 200_000, step, quiet ? null : err).print(out, "step");
        return maxVsKeras <= 2e-5 || !fp32 ? 0 : 2;
    }

    /** The bundled telemetry.csv: columns t, ch0..ch3, label; returns [rows, 4]. */
    static float[] telemetry() throws IOException {
        try (InputStream in = Demo.class.getResourceAsStream("/demo/telemetry.csv")) {
            if (in == null) {
                throw new IOException("the bundled series /demo/telemetry.csv is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            r.readLine();
            List<float[]> rows = new ArrayList<>();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] c = line.split(",");
                rows.add(new float[] {Float.parseFloat(c[1]), Float.parseFloat(c[2]), Float.parseFloat(c[3]), Float.parseFloat(c[4])});
            }
            float[] out = new float[rows.size() * 4];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, out, i * 4, 4);
            }
            return out;
        }
    }
}
