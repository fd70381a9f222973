package io.github.panamarnn.flink.example;

import io.github.panamarnn.flink.KeyedModel;
import io.github.panamarnn.flink.ModelSource;
import io.github.panamarnn.kernels.KernelProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The operator's throughput on a local MiniCluster, batched against per record, in one run: the demo model (LSTM(64) and
 * a dense head), 1,000 sensors, the source as fast as it goes, parallelism 1 (one task: the operator's own cost, not the
 * cluster's parallelism). Each configuration runs {@code rounds} times, alternated; the rate is ticks between the first
 * and the last output over their time (job start-up and warm-up excluded). Writes a markdown table.
 *
 * <pre>  ./panama flink-throughput [--ticks-per-key N] [--rounds N] [--out FILE]</pre>
 */
public final class Throughput {
    static final AtomicLong FIRST = new AtomicLong();
    static final AtomicLong LAST = new AtomicLong();
    static final AtomicLong COUNT = new AtomicLong();

    private Throughput() {
    }

    record Config(String name, int maxBatch) {
    }

    /** Runs every configuration {@code rounds} times, alternated, and writes the table. */
    public static void main(String[] args) throws Exception {
        String model = "cli/src/main/resources/demo/lstm64.keras";
        String csv = "cli/src/main/resources/demo/telemetry.csv";
        int keys = 1000;
        int ticksPerKey = 300;
        int rounds = 3;
        String out = "jmh-results/flink/throughput.md";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--ticks-per-key" -> ticksPerKey = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--out" -> out = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--ticks-per-key, --rounds, --out)");
            }
        }
        float[] series = TelemetryJob.readSeries(Path.of(csv));
        List<Config> configs = List.of(new Config("per record (maxBatch 1)", 1),
                new Config("batched, maxBatch 64 (the default)", 64),
                new Config("batched, maxBatch 256", 256));
        double[][] rates = new double[configs.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int c = 0; c < configs.size(); c++) {
                rates[c][r] = run(configs.get(c), model, series, keys, ticksPerKey);
                System.err.printf(Locale.ROOT, "round %d, %s: %,.0f ticks/s%n", r + 1, configs.get(c).name(), rates[c][r]);
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("# The Flink operator: ticks per second, batched vs per record\n\n");
        md.append(String.format(Locale.ROOT, "Command: `./panama flink-throughput --ticks-per-key %d --rounds %d`. Machine: %s; %s; %s.%n%n",
                ticksPerKey, rounds, cpu(), KernelProvider.describe(), "Flink 2.3.0 local MiniCluster, parallelism 1, Temurin " + Runtime.version()));
        md.append(String.format(Locale.ROOT, "Model: %s (the demo model). %,d keys x %d ticks per run, the source unthrottled; the rate counts the "
                + "ticks between the first and the last output (start-up and warm-up excluded). %d rounds, alternated.%n%n", model, keys,
                ticksPerKey, rounds));
        md.append("| operator | median ticks/s | min | max | vs per record |\n|---|---|---|---|---|\n");
        double base = median(rates[0]);
        for (int c = 0; c < configs.size(); c++) {
            double[] s = rates[c].clone();
            Arrays.sort(s);
            md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %.2fx |%n", configs.get(c).name(), median(rates[c]), s[0],
                    s[s.length - 1], median(rates[c]) / base));
        }
        Files.createDirectories(Path.of(out).toAbsolutePath().getParent());
        Files.writeString(Path.of(out), md.toString(), StandardCharsets.UTF_8);
        System.out.print(md);
    }

    private static double run(Config c, String model, float[] series, int keys, int ticksPerKey) throws Exception {
        FIRST.set(0);
        LAST.set(0);
        COUNT.set(0);
        int rows = series.length / 4;
        final int n = keys;
        DataGeneratorSource<float[]> source = new DataGeneratorSource<>(i -> {
            int key = (int) (i % n);
            int row = (int) ((key * 7L + i / n) % rows);
            return new float[] {key, series[row * 4], series[row * 4 + 1], series[row * 4 + 2], series[row * 4 + 3]};
        }, (long) keys * ticksPerKey, RateLimiterStrategy.noOp(), TypeInformation.of(float[].class));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        KeyedModel<float[], Float> op = KeyedModel.of(ModelSource.file(model),
                (float[] r, float[] x, int off) -> System.arraycopy(r, 1, x, off, 4),
                (float[] r, float[] y, int off, int len) -> y[off], TypeInformation.of(Float.class))
                .maxBatch(c.maxBatch()).warmUp(20_000);
        op.applyTo(env.fromSource(source, WatermarkStrategy.noWatermarks(), "ticks").keyBy(r -> (int) r[0], TypeInformation.of(Integer.class)))
                .sinkTo(new Count());
        env.execute("throughput " + c.name());
        return (COUNT.get() - 1) / ((LAST.get() - FIRST.get()) / 1e9);
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String cpu() throws IOException {
        List<String> parts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name") && parts.isEmpty()) {
                parts.add(line.substring(line.indexOf(':') + 1).trim());
            }
            if (line.startsWith("flags") && parts.size() == 1) {
                parts.add(line.contains(" avx512f") ? "AVX-512" + (line.contains("avx512_bf16") ? " with AVX512_BF16" : "") : line.contains(" avx2") ? "AVX2" : "no AVX2");
            }
        }
        parts.add(Runtime.getRuntime().availableProcessors() + " cores");
        return String.join(", ", parts);
    }

    static final class Count implements Sink<Float> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<Float> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Float f, Context c) {
                    long now = System.nanoTime();
                    if (COUNT.getAndIncrement() == 0) {
                        FIRST.set(now);
                    }
                    LAST.set(now);
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
