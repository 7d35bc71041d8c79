package io.tandem.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.job.config.JobConfig;
import io.tandem.job.kafka.TopicProvisioner;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.RequestProducer;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.GreedyReference;
import io.tandem.testkit.Requests;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TaskManager dies while batches are in the middle of their rounds: the job restarts from its
 * last checkpoint, the loop head re-emits the batches it had in flight, the draft and verify stages
 * rebuild their KV caches by prefill, and every request still gets the target's greedy output token
 * for token. With the at-least-once sinks a request that finished between the checkpoint and the
 * failure may be answered twice, always with the same tokens; with the exactly-once sinks a {@code
 * read_committed} consumer sees every request answered exactly once.
 */
class FailoverITCase {

    private static final Logger LOG = LoggerFactory.getLogger(FailoverITCase.class);

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aLostTaskManagerLosesNoTokensAndChangesNoOutput() throws Exception {
        // one short request in the window of long ones: its result says the batch is running
        List<InferenceRequest> requests = new ArrayList<>();
        requests.add(Requests.greedy("f-short", "Chapter 1. It was", 12));
        for (int i = 0; i < 3; i++) {
            requests.add(Requests.greedy("f-" + i, "Chapter " + (i + 2) + ". It was", 400));
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                MiniCluster cluster = cluster()) {
            JobConfig config = config(kafka, "failover", "at-least-once", "100 ms", 400);
            JobID job = submit(cluster, config);
            send(kafka, config, requests);
            TopicReader.read(
                    kafka.bootstrapServers(),
                    config.kafka().resultsTopic(),
                    1,
                    Duration.ofSeconds(60),
                    bytes -> bytes);
            // two checkpoints taken while the long ones generate, then the TaskManager goes
            awaitCheckpoints(cluster, job, completedCheckpoints(cluster, job) + 2);
            Instant failure = Instant.now();
            loseTheTaskManager(cluster);

            List<InferenceResult> results = results(kafka, config, requests.size());
            cluster.cancelJob(job).get(30, TimeUnit.SECONDS);

            assertThat(cluster.getExecutionGraph(job).get().getFailureInfo())
                    .as("the job failed over")
                    .isNotNull();
            assertResumedAfter(results, failure);
            assertGreedy(results, requests);
        }
    }

    /**
     * Results that were written but not yet committed when the TaskManager died are aborted, and
     * the requests they answered are answered again after the restore: the TaskManager is killed as
     * soon as a result is visible to a {@code read_uncommitted} consumer but not yet to a {@code
     * read_committed} one, after a checkpoint with the batch in flight.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void withExactlyOnceSinksEveryRequestIsAnsweredOnceAcrossAFailover() throws Exception {
        // lengths spread out, so results keep finishing while the checkpoints go by
        List<InferenceRequest> requests = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            requests.add(Requests.greedy("x-" + i, "Chapter " + (i + 1) + ". It was", 30 + 50 * i));
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                MiniCluster cluster = cluster()) {
            JobConfig config = config(kafka, "exactly-once", "exactly-once", "500 ms", 400);
            JobID job = submit(cluster, config);
            send(kafka, config, requests);
            Set<String> uncommitted = awaitAnUncommittedResult(kafka, config);
            Instant failure = Instant.now();
            loseTheTaskManager(cluster);

            List<InferenceResult> results = results(kafka, config, requests.size());
            int written = readUncommitted(kafka, config).size();
            cluster.cancelJob(job).get(30, TimeUnit.SECONDS);

            LOG.info(
                    "Killed with results {} uncommitted; {} results written in all for {}"
                            + " requests",
                    uncommitted,
                    written,
                    requests.size());
            assertThat(cluster.getExecutionGraph(job).get().getFailureInfo())
                    .as("the job failed over")
                    .isNotNull();
            assertThat(results)
                    .extracting(InferenceResult::getRequestId)
                    .as("each request answered once")
                    .doesNotHaveDuplicates()
                    .containsAll(uncommitted);
            assertResumedAfter(results, failure);
            assertGreedy(results, requests);
        }
    }

    private static MiniCluster cluster() throws Exception {
        Configuration clusterConf = new Configuration();
        clusterConf.set(RestOptions.BIND_PORT, "0");
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(clusterConf)
                                // one TaskManager holds every task, so losing it loses them all
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(TandemJob.SLOT_SHARING_GROUPS)
                                .build());
        cluster.start();
        return cluster;
    }

    private static JobID submit(MiniCluster cluster, JobConfig config) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TandemJob.configure(env, config);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        env.configure(restarts);
        TandemJob.wireKafka(env, config, false);
        return cluster.submitJob(env.getStreamGraph()).get().getJobID();
    }

    private static void send(
            EmbeddedKafka kafka, JobConfig config, List<InferenceRequest> requests) {
        try (RequestProducer producer =
                new RequestProducer(kafka.bootstrapServers(), config.kafka().requestsTopic())) {
            requests.forEach(producer::send);
        }
    }

    private static void loseTheTaskManager(MiniCluster cluster) throws Exception {
        cluster.terminateTaskManager(0).get(30, TimeUnit.SECONDS);
        cluster.startTaskManager();
    }

    /**
     * What a {@code read_committed} consumer reads; anything answered twice comes with the rest.
     */
    private static List<InferenceResult> results(EmbeddedKafka kafka, JobConfig config, int count) {
        TopicReader.read(
                kafka.bootstrapServers(),
                config.kafka().resultsTopic(),
                count,
                Duration.ofSeconds(120),
                bytes -> bytes);
        return TopicReader.read(
                kafka.bootstrapServers(),
                config.kafka().resultsTopic(),
                2 * count,
                Duration.ofSeconds(5),
                bytes -> AvroBytes.decode(bytes, InferenceResult.class));
    }

    /**
     * Waits until a checkpoint has committed a result (so the restore will resume the batch) and a
     * later result has been written that a {@code read_committed} consumer does not see yet;
     * returns the ids of such results.
     */
    private static Set<String> awaitAnUncommittedResult(EmbeddedKafka kafka, JobConfig config) {
        try (KafkaConsumer<byte[], byte[]> all = consumer(kafka, config, "read_uncommitted");
                KafkaConsumer<byte[], byte[]> committed =
                        consumer(kafka, config, "read_committed")) {
            Set<String> written = new HashSet<>();
            Set<String> visible = new HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : all.poll(Duration.ofMillis(20))) {
                    written.add(new String(record.key()));
                }
                for (ConsumerRecord<byte[], byte[]> record : committed.poll(Duration.ZERO)) {
                    visible.add(new String(record.key()));
                }
                Set<String> pending = new HashSet<>(written);
                pending.removeAll(visible);
                if (!visible.isEmpty() && !pending.isEmpty()) {
                    return pending;
                }
            }
            throw new AssertionError("no result was written within 120 s");
        }
    }

    private static List<byte[]> readUncommitted(EmbeddedKafka kafka, JobConfig config) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        return TopicReader.read(
                props, config.kafka().resultsTopic(), 1000, Duration.ofSeconds(3), bytes -> bytes);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(
            EmbeddedKafka kafka, JobConfig config, String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return TopicReader.open(
                props, List.of(config.kafka().resultsTopic()), true, Duration.ofSeconds(30));
    }

    private static void assertResumedAfter(List<InferenceResult> results, Instant failure) {
        assertThat(results)
                .as("rounds in flight resumed from the checkpoint")
                .anySatisfy(
                        r -> {
                            assertThat(r.getResumes()).isPositive();
                            assertThat(r.getCompletedTime()).isAfter(failure);
                        });
    }

    private static void assertGreedy(List<InferenceResult> results, List<InferenceRequest> requests)
            throws Exception {
        Map<String, List<Integer>> alone = GreedyReference.tokens(BundledModel.target(), requests);
        assertThat(results.stream().map(InferenceResult::getRequestId).distinct())
                .containsExactlyInAnyOrderElementsOf(alone.keySet());
        assertThat(results)
                .allSatisfy(
                        r ->
                                assertThat(r.getTokenIds())
                                        .as(r.getRequestId())
                                        .isEqualTo(alone.get(r.getRequestId())));
    }

    private static long completedCheckpoints(MiniCluster cluster, JobID job) throws Exception {
        var stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
        return stats == null ? 0 : stats.getCounts().getNumberOfCompletedCheckpoints();
    }

    private static void awaitCheckpoints(MiniCluster cluster, JobID job, long count)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (completedCheckpoints(cluster, job) >= count) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no " + count + " checkpoints within 60 s");
    }

    private static JobConfig config(
            EmbeddedKafka kafka,
            String group,
            String guarantee,
            String checkpointInterval,
            int maxNewTokens) {
        Map<String, String> settings = new HashMap<>();
        settings.put("tandem.kafka.bootstrap-servers", kafka.bootstrapServers());
        settings.put("tandem.kafka.group-id", group);
        settings.put("tandem.kafka.delivery-guarantee", guarantee);
        settings.put("tandem.model.dir", BundledModel.target().toString());
        settings.put("tandem.model.draft-dir", BundledModel.draft().toString());
        settings.put("tandem.mode", "sd-fixed");
        settings.put("tandem.parallelism", "1");
        settings.put("tandem.limits.max-new-tokens", String.valueOf(maxNewTokens));
        settings.put("tandem.checkpoint.interval", checkpointInterval);
        JobConfig config = JobConfig.from(Configuration.fromMap(settings));
        TopicProvisioner.ensureTopics(config.kafka());
        return config;
    }
}
