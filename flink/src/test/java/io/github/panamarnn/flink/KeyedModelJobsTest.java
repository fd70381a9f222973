package io.github.panamarnn.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator in real Flink jobs on a local MiniCluster (one task manager, four slots): 1,000 keys x 50 ticks, every
 * output and every final state bit for bit a single-machine run of each key; a task failure injected mid-stream (heap
 * and RocksDB state); a stop with a savepoint at parallelism 2 and a restore at parallelism 3; the per-record and the
 * batched operator alike.
 */
class KeyedModelJobsTest {
    static final int KEYS = 1000;
    static final int TICKS = 50;
    /** Ticks of the source of the jobs stopped with a savepoint: far more than they run before the stop (10 s at 12,000 a second). */
    static final int LONG_TICKS = 120;
    static Reference ref;
    static Reference longRef;

    static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(METRICS.addToConfiguration(new Configuration())).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    @BeforeAll
    static void reference() {
        ref = new Reference(KEYS, TICKS);
        longRef = new Reference(KEYS, LONG_TICKS);
    }

    private static StreamExecutionEnvironment env(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        return env;
    }

    @Test
    void thousandKeysAtParallelismTwoEqualSingleMachineRuns() throws Exception {
        StreamExecutionEnvironment env = env(2);
        Jobs.pipeline(env, Jobs.ticks(env, KEYS, TICKS, 0), Telemetry.operator(), "p2", false);
        JobID job = env.execute("1000 keys x 50 ticks").getJobID();
        Jobs.check("p2", ref, true);
        Jobs.checkComplete("p2", KEYS, TICKS, true);
        // The operator's metrics, summed over its two tasks: every tick counted, every step timed, batches within the bound.
        long ticks = 0;
        long steps = 0;
        long timed = 0;
        long batches = 0;
        long largest = 0;
        for (Map.Entry<String, Metric> e : METRICS.findMetrics(job, "panamaRnn").entrySet()) {
            if (e.getKey().endsWith("panamaRnnTicks")) {
                ticks += ((Counter) e.getValue()).getCount();
            } else if (e.getKey().endsWith("panamaRnnSteps")) {
                steps += ((Counter) e.getValue()).getCount();
            } else if (e.getKey().endsWith("panamaRnnStepNanos")) {
                timed += ((Histogram) e.getValue()).getCount();
            } else if (e.getKey().endsWith("panamaRnnBatchSize")) {
                batches += ((Histogram) e.getValue()).getCount();
                largest = Math.max(largest, ((Histogram) e.getValue()).getStatistics().getMax());
            }
        }
        assertEquals(KEYS * TICKS, ticks, "panamaRnnTicks");
        assertTrue(steps >= KEYS * TICKS / 64, "panamaRnnSteps " + steps);
        assertEquals(steps, timed, "panamaRnnStepNanos samples");
        assertEquals(steps, batches, "panamaRnnBatchSize samples");
        assertTrue(largest >= 1 && largest <= 64, "largest batch " + largest);
    }

    @Test
    void perRecordAndBatchedOperatorsComputeTheSameBits() throws Exception {
        int keys = 200;
        int ticks = 20;
        for (int batch : new int[] {1, 7, 256}) {
            StreamExecutionEnvironment env = env(2);
            String id = "batch" + batch;
            Jobs.pipeline(env, Jobs.ticks(env, keys, ticks, 0), Telemetry.operator().maxBatch(batch), id, false);
            env.execute("maxBatch " + batch);
            Jobs.check(id, ref, true);
            Jobs.checkComplete(id, keys, ticks, true);
        }
        // Same outputs, bit for bit, whatever the batching (each compared with the reference above, so with each other).
        assertEquals(Jobs.RESULTS.get("batch1").size(), Jobs.RESULTS.get("batch256").size());
    }

    /** Three keys: every batch holds many ticks of each key, which must step one after another, in order. */
    @Test
    void ticksOfOneKeyInOneBatchStepInOrder() throws Exception {
        Reference few = new Reference(3, 200);
        StreamExecutionEnvironment env = env(1);
        Jobs.pipeline(env, Jobs.ticks(env, 3, 200, 0), Telemetry.operator().maxBatch(64), "few", false);
        env.execute("3 keys x 200 ticks");
        Jobs.check("few", few, true);
        Jobs.checkComplete("few", 3, 200, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aTaskFailureMidStreamLosesAndRepeatsNoTick(String backend, @TempDir Path dir) throws Exception {
        StreamExecutionEnvironment env = env(2);
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        env.configure(conf);
        env.enableCheckpointing(100);
        String id = "fail-" + backend;
        // 10 s of ticks at 12,000 a second: checkpoints complete before the failure at tick 20 (record 20,000), and the
        // source still runs when the job is stopped after tick 40 (a finished source would decline the savepoint).
        Jobs.pipeline(env, Jobs.ticks(env, KEYS, LONG_TICKS, 12_000), Telemetry.operator(), id, true);
        JobClient job = env.executeAsync("failure at " + backend);
        waitUntil(job, id, 40);
        String savepoint = job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
        assertTrue(Jobs.FAILED.get(id).get(), "the failure was injected");
        Map<Integer, Integer> last = Jobs.check(id, longRef, false);
        Jobs.checkComplete(id, KEYS, 40, false);
        Jobs.checkStates(savepoint, longRef, last);
    }

    @Test
    void stopWithSavepointAtParallelismTwoRestoreAtThree(@TempDir Path dir) throws Exception {
        StreamExecutionEnvironment env = env(2);
        env.enableCheckpointing(1000);
        Jobs.pipeline(env, Jobs.ticks(env, KEYS, LONG_TICKS, 12_000), Telemetry.operator(), "rescale", false);
        JobClient job = env.executeAsync("rescale: parallelism 2");
        waitUntil(job, "rescale", 15);
        String savepoint = job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
        Map<Integer, Integer> last = Jobs.check("rescale", longRef, true);
        Jobs.checkStates(savepoint, longRef, last);
        int before = Jobs.RESULTS.get("rescale").size();
        assertTrue(before < KEYS * LONG_TICKS, "the first run stopped before the end (" + before + " outputs)");

        StreamExecutionEnvironment again = env(3);
        Jobs.pipeline(again, Jobs.ticks(again, KEYS, LONG_TICKS, 0), Telemetry.operator(), "rescale", false);
        StreamGraph graph = again.getStreamGraph();
        graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        again.execute(graph);
        Jobs.check("rescale", longRef, true);
        Jobs.checkComplete("rescale", KEYS, LONG_TICKS, true);
    }

    /** Waits until every key has output every tick below {@code ticks} (at most two minutes). */
    private static void waitUntil(JobClient job, String id, int ticks) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Jobs.reached(id, KEYS, ticks)) {
            assertTrue(System.nanoTime() < deadline, "the job did not reach tick " + ticks + " in two minutes: " + job.getJobStatus().get());
            assertTrue(!job.getJobStatus().get().isGloballyTerminalState(), "the job ended: " + job.getJobStatus().get());
            Thread.sleep(20);
        }
    }

}
