package io.github.panamarnn.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamarnn.flink.Telemetry.Out;
import io.github.panamarnn.flink.Telemetry.Tick;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/** Test jobs: a tick source, the operator, a collecting sink, a failure injector, and what checks their results. */
final class Jobs {
    static final String UID = "model";
    static final Map<String, ConcurrentLinkedQueue<Out>> RESULTS = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> CHECKPOINTS = new ConcurrentHashMap<>();
    static final Map<String, AtomicBoolean> FAILED = new ConcurrentHashMap<>();

    private Jobs() {
    }

    /** Ticks 0..ticks-1 of {@code keys} keys, tick-major (every key's tick t before any tick t+1), from one source task. */
    static DataStream<Tick> ticks(StreamExecutionEnvironment env, int keys, int ticks, double perSecond) {
        final int n = keys;
        DataGeneratorSource<Tick> source = new DataGeneratorSource<>(i -> new Tick((int) (i % n), (int) (i / n)), (long) keys * ticks,
                perSecond > 0 ? RateLimiterStrategy.perSecond(perSecond) : RateLimiterStrategy.noOp(), TypeInformation.of(Tick.class));
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "ticks").setParallelism(1).uid("ticks");
    }

    /** The operator on the ticks keyed by key, its outputs into {@code RESULTS[id]}. */
    static void pipeline(StreamExecutionEnvironment env, DataStream<Tick> ticks, KeyedModel<Tick, Out> op, String id, boolean injectFailure) {
        RESULTS.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>());
        DataStream<Out> out = op.applyTo(ticks.keyBy(t -> t.key, TypeInformation.of(Integer.class))).uid(UID);
        if (injectFailure) {
            out = out.map(new FailOnce(id)).uid("fail-once");
        }
        out.sinkTo(new Collect(id)).uid("collect");
    }

    /** Every output against the reference: bit for bit (each copy of a replayed tick too), per key in tick order when {@code ordered}. */
    static Map<Integer, Integer> check(String id, Reference ref, boolean ordered) {
        Map<Integer, Integer> last = new HashMap<>();
        for (Out o : RESULTS.get(id)) {
            assertTrue(o.key >= 0 && o.key < ref.keys && o.t >= 0 && o.t < ref.ticks, "an output for key " + o.key + " tick " + o.t);
            float[] want = ref.outputs[o.key][o.t];
            assertEquals(want.length, o.y.length);
            for (int j = 0; j < want.length; j++) {
                if (Float.floatToRawIntBits(want[j]) != Float.floatToRawIntBits(o.y[j])) {
                    fail("key " + o.key + " tick " + o.t + " output " + j + ": " + o.y[j] + ", a single-machine run gives " + want[j]);
                }
            }
            Integer prev = last.get(o.key);
            if (ordered) {
                assertEquals(prev == null ? 0 : prev + 1, o.t, "key " + o.key + ": tick " + o.t + " after tick " + prev);
            }
            last.merge(o.key, o.t, Math::max);
        }
        return last;
    }

    /** Every tick of every key seen (at least once, if {@code exactlyOnce} exactly once) up to {@code ticks}. */
    static void checkComplete(String id, int keys, int ticks, boolean exactlyOnce) {
        int[][] seen = new int[keys][ticks];
        for (Out o : RESULTS.get(id)) {
            if (o.t < ticks) {
                seen[o.key][o.t]++;
            }
        }
        for (int k = 0; k < keys; k++) {
            for (int t = 0; t < ticks; t++) {
                if (seen[k][t] == 0 || (exactlyOnce && seen[k][t] != 1)) {
                    fail("key " + k + " tick " + t + " was output " + seen[k][t] + " times");
                }
            }
        }
    }

    /** Whether every key has an output for every tick below {@code ticks}. */
    static boolean reached(String id, int keys, int ticks) {
        boolean[][] seen = new boolean[keys][ticks];
        int n = 0;
        for (Out o : RESULTS.get(id)) {
            if (o.t < ticks && !seen[o.key][o.t]) {
                seen[o.key][o.t] = true;
                n++;
            }
        }
        return n == keys * ticks;
    }

    /** Each key's state in the savepoint equals the reference state after the last tick that key output. */
    static void checkStates(String savepoint, Reference ref, Map<Integer, Integer> lastTick) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SavepointReader reader = SavepointReader.read(env, savepoint, new HashMapStateBackend());
        List<Tuple2<Integer, float[]>> states = new ArrayList<>();
        reader.readKeyedState(OperatorIdentifier.forUid(UID), new ReadStates()).executeAndCollect().forEachRemaining(states::add);
        assertEquals(lastTick.size(), states.size(), "keys with a state in the savepoint");
        for (Tuple2<Integer, float[]> s : states) {
            Integer t = lastTick.get(s.f0);
            assertNotNull(t, "key " + s.f0 + " has a state but no output");
            float[] want = ref.states[s.f0][t];
            assertEquals(want.length, s.f1.length);
            for (int i = 0; i < want.length; i++) {
                if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(s.f1[i])) {
                    fail("key " + s.f0 + " after tick " + t + ": state value " + i + " is " + s.f1[i] + ", a single-machine run has " + want[i]);
                }
            }
        }
    }

    static final class ReadStates extends KeyedStateReaderFunction<Integer, Tuple2<Integer, float[]>> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<float[]> state;

        @Override
        public void open(OpenContext context) {
            state = getRuntimeContext().getState(new ValueStateDescriptor<>(KeyedModel.STATE_NAME, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        }

        @Override
        public void readKey(Integer key, Context context, Collector<Tuple2<Integer, float[]>> out) throws Exception {
            out.collect(Tuple2.of(key, state.value()));
        }
    }

    /** Throws once, on the first output of tick 20 or later after a checkpoint completed: a task failure mid-stream. */
    static final class FailOnce extends RichMapFunction<Out, Out> implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        private final String id;

        FailOnce(String id) {
            this.id = id;
            CHECKPOINTS.put(id, new AtomicInteger());
            FAILED.put(id, new AtomicBoolean());
        }

        @Override
        public Out map(Out o) {
            if (o.t >= 20 && CHECKPOINTS.get(id).get() > 0 && FAILED.get(id).compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure at key " + o.key + " tick " + o.t);
            }
            return o;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.get(id).incrementAndGet();
        }
    }

    static final class Collect implements Sink<Out> {
        private static final long serialVersionUID = 1L;
        private final String id;

        Collect(String id) {
            this.id = id;
        }

        @Override
        public SinkWriter<Out> createWriter(WriterInitContext context) throws IOException {
            ConcurrentLinkedQueue<Out> q = RESULTS.get(id);
            return new SinkWriter<>() {
                @Override
                public void write(Out o, Context c) {
                    q.add(o);
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
