package io.github.panamarnn.flink.example;

import io.github.panamarnn.flink.KeyedModel;
import io.github.panamarnn.flink.ModelSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The example job: a keyed telemetry stream through the demo model on a local MiniCluster. The bundled series (4
 * channels) is replayed as {@code sensors} sensors, sensor {@code s} starting at row {@code 1000 s}; each reading goes to
 * the model as one tick of its sensor's stream, whose state lives in Flink; the prediction is channel 0 of the sensor's
 * next reading. Prints some predictions, the RMSE against the naive last-value forecast, and the latency of each tick
 * from the source to the sink (same JVM, so one clock).
 *
 * <pre>
 *   ./panama flink-example [--model FILE] [--csv FILE] [--sensors N] [--ticks N] [--rate TICKS_PER_SECOND]
 *                          [--parallelism N] [--max-batch N] [--max-delay-ms N]
 * </pre>
 */
public final class TelemetryJob {

    /** One reading of one sensor: its 4 channels, the next reading's channel 0 (the target) and when it was made. */
    public static final class Reading {
        /** The sensor: the key. */
        public int sensor;
        /** The reading's time step. */
        public int t;
        /** The four channels. */
        public float[] x;
        /** Channel 0 of the sensor's next reading: the target. */
        public float next;
        /** {@code System.nanoTime()} when the source made it. */
        public long createdNanos;

        /** A reading for Flink's POJO serializer to fill. */
        public Reading() {
        }
    }

    /** The model's forecast for a reading, the truth, the naive forecast and the source-to-sink latency. */
    public static final class Forecast {
        /** The sensor. */
        public int sensor;
        /** The time step of the reading it forecasts from. */
        public int t;
        /** The model's forecast of the next channel-0 value. */
        public float predicted;
        /** The next channel-0 value. */
        public float actual;
        /** The naive forecast: the current channel-0 value. */
        public float naive;
        /** When the source made the reading. */
        public long createdNanos;

        /** A forecast for Flink's POJO serializer to fill. */
        public Forecast() {
        }
    }

    static final ConcurrentLinkedQueue<long[]> SEEN = new ConcurrentLinkedQueue<>();

    private TelemetryJob() {
    }

    /** Runs the job on a local MiniCluster; options as in the class comment. */
    public static void main(String[] args) throws Exception {
        String model = "cli/src/main/resources/demo/lstm64.keras";
        String csv = "cli/src/main/resources/demo/telemetry.csv";
        int sensors = 16;
        int ticks = 2000;
        double rate = 8_000;
        int parallelism = 2;
        int maxBatch = 64;
        int maxDelay = 5;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: ./panama flink-example [--model FILE] [--csv FILE] [--sensors N] [--ticks N] [--rate TICKS_PER_SECOND] "
                        + "[--parallelism N] [--max-batch N] [--max-delay-ms N]");
                return;
            }
            if (i + 1 >= args.length) {
                fail("option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--model" -> model = v;
                case "--csv" -> csv = v;
                case "--sensors" -> sensors = number(a, v, 1, 100_000);
                case "--ticks" -> ticks = number(a, v, 1, 10_000_000);
                case "--rate" -> rate = number(a, v, 1, 100_000_000);
                case "--parallelism" -> parallelism = number(a, v, 1, 64);
                case "--max-batch" -> maxBatch = number(a, v, 1, KeyedModel.MAX_BATCH);
                case "--max-delay-ms" -> maxDelay = number(a, v, 1, 60_000);
                default -> fail("unknown option " + a + " (see --help)");
            }
        }
        float[] series = readSeries(Path.of(csv));
        int rows = series.length / 4;
        final int n = sensors;
        long total = (long) sensors * ticks;
        DataGeneratorSource<Reading> source = new DataGeneratorSource<>(i -> {
            Reading r = new Reading();
            r.sensor = (int) (i % n);
            r.t = (int) (i / n);
            int row = (int) ((r.sensor * 1000L + r.t) % (rows - 1));
            r.x = Arrays.copyOfRange(series, row * 4, row * 4 + 4);
            r.next = series[(row + 1) * 4];
            r.createdNanos = System.nanoTime();
            return r;
        }, total, RateLimiterStrategy.perSecond(rate), TypeInformation.of(Reading.class));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.enableCheckpointing(1000);
        // Network buffers leave at the latest after 1 ms (default 100 ms): the low-latency setting.
        env.setBufferTimeout(1);
        DataStream<Reading> readings = env.fromSource(source, WatermarkStrategy.noWatermarks(), "telemetry").setParallelism(1);
        KeyedModel<Reading, Forecast> forecast = KeyedModel.of(ModelSource.file(model),
                (Reading r, float[] x, int off) -> System.arraycopy(r.x, 0, x, off, 4),
                (Reading r, float[] y, int off, int len) -> {
                    Forecast f = new Forecast();
                    f.sensor = r.sensor;
                    f.t = r.t;
                    f.predicted = y[off];
                    f.actual = r.next;
                    f.naive = r.x[0];
                    f.createdNanos = r.createdNanos;
                    return f;
                }, TypeInformation.of(Forecast.class))
                .maxBatch(maxBatch).maxDelay(Duration.ofMillis(maxDelay)).warmUp(20_000);
        forecast.applyTo(readings.keyBy(r -> r.sensor, TypeInformation.of(Integer.class))).uid("forecast").sinkTo(new Print(ticks));

        System.out.printf(Locale.ROOT, "panama-rnn on Flink: %s, %,d sensors x %,d ticks at %,.0f ticks/s, parallelism %d, batches of up to %d "
                + "within %d ms%n", model, sensors, ticks, rate, parallelism, maxBatch, maxDelay);
        System.out.println("sensor  tick   predicted  actual    naive     latency");
        long t0 = System.nanoTime();
        env.execute("panama-rnn telemetry example");
        double seconds = (System.nanoTime() - t0) / 1e9;
        summary(total, ticks, seconds);
    }

    private static void summary(long total, int ticks, double seconds) {
        List<long[]> seen = new ArrayList<>(SEEN);
        long[] lat = new long[seen.size()];
        int steady = 0;
        double se = 0;
        double seNaive = 0;
        for (int i = 0; i < seen.size(); i++) {
            long[] s = seen.get(i);
            if (s[4] >= ticks / 2) {
                lat[steady++] = s[0];
            }
            double p = Float.intBitsToFloat((int) s[1]);
            double a = Float.intBitsToFloat((int) s[2]);
            double nv = Float.intBitsToFloat((int) s[3]);
            se += (p - a) * (p - a);
            seNaive += (nv - a) * (nv - a);
        }
        lat = Arrays.copyOf(lat, steady);
        Arrays.sort(lat);
        System.out.printf(Locale.ROOT, "%n%,d forecasts (of %,d readings) in %.1f s, job start-up and model warm-up included%n", seen.size(), total, seconds);
        System.out.printf(Locale.ROOT, "RMSE: model %.4f, naive last value %.4f%n", Math.sqrt(se / seen.size()), Math.sqrt(seNaive / seen.size()));
        System.out.printf(Locale.ROOT, "latency per tick, source to sink, second half of the ticks (the start-up backlog gone; batching wait "
                + "included): p50 %.3f ms, p99 %.3f ms, max %.3f ms%n", pct(lat, 0.5) / 1e6, pct(lat, 0.99) / 1e6, lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6);
        System.out.println("(per-step latency and batch sizes: the operator's metrics panamaRnnStepNanos and panamaRnnBatchSize)");
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    /** Prints every 250th tick of the first two sensors and keeps every forecast's latency and error for the summary. */
    static final class Print implements Sink<Forecast> {
        private static final long serialVersionUID = 1L;
        private final int ticks;

        Print(int ticks) {
            this.ticks = ticks;
        }

        @Override
        public SinkWriter<Forecast> createWriter(WriterInitContext context) throws IOException {
            return new SinkWriter<>() {
                @Override
                public void write(Forecast f, Context c) {
                    long latency = System.nanoTime() - f.createdNanos;
                    SEEN.add(new long[] {latency, Float.floatToRawIntBits(f.predicted), Float.floatToRawIntBits(f.actual),
                            Float.floatToRawIntBits(f.naive), f.t});
                    if (f.sensor < 2 && (f.t % 250 == 0 || f.t == ticks - 1)) {
                        System.out.printf(Locale.ROOT, "%6d  %5d  %8.4f  %8.4f  %8.4f  %7.3f ms%n", f.sensor, f.t, f.predicted, f.actual,
                                f.naive, latency / 1e6);
                    }
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

    static float[] readSeries(Path csv) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException(csv + ": " + e.getMessage(), e);
        }
        if (lines.size() < 3) {
            throw new IOException(csv + ": expected a header and at least 2 rows of t,ch0,ch1,ch2,ch3[,label], found " + lines.size() + " lines");
        }
        float[] out = new float[(lines.size() - 1) * 4];
        for (int i = 1; i < lines.size(); i++) {
            String[] c = lines.get(i).split(",");
            if (c.length < 5) {
                throw new IOException(csv + " line " + (i + 1) + ": expected t,ch0,ch1,ch2,ch3, found " + c.length + " cells");
            }
            try {
                for (int j = 0; j < 4; j++) {
                    out[(i - 1) * 4 + j] = Float.parseFloat(c[1 + j]);
                }
            } catch (NumberFormatException e) {
                throw new IOException(csv + " line " + (i + 1) + ": not a number: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static int number(String option, String v, int lo, int hi) {
        try {
            int x = Integer.parseInt(v);
            if (x >= lo && x <= hi) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        fail(option + " must be an integer from " + lo + " to " + hi + ", got '" + v + "'");
        return 0;
    }

    private static void fail(String message) {
        System.err.println("flink-example: " + message);
        System.exit(1);
    }
}
