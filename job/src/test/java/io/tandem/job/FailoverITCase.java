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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A TaskManager dies while batches are in the middle of their rounds: the job restarts from its
 * last checkpoint, the loop head re-emits the batches it had in flight, the draft and verify stages
 * rebuild their KV caches by prefill, and every request still gets the target's greedy output token
 * for token. Results are at least once: a request that finished between the checkpoint and the
 * failure may be answered twice, but always with the same tokens.
 */
class FailoverITCase {

    private static final int REQUESTS = 4;
    private static final int NEW_TOKENS = 400;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aLostTaskManagerLosesNoTokensAndChangesNoOutput() throws Exception {
        Configuration clusterConf = new Configuration();
        clusterConf.set(RestOptions.BIND_PORT, "0");
        MiniClusterConfiguration clusterConfig =
                new MiniClusterConfiguration.Builder()
                        .setConfiguration(clusterConf)
                        // one TaskManager holds every task, so losing it loses them all
                        .setNumTaskManagers(1)
                        .setNumSlotsPerTaskManager(TandemJob.SLOT_SHARING_GROUPS)
                        .build();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                MiniCluster cluster = new MiniCluster(clusterConfig)) {
            cluster.start();
            JobConfig config = config(kafka);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            TandemJob.configure(env, config);
            Configuration restarts = new Configuration();
            restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
            restarts.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofMillis(200));
            env.configure(restarts);
            TandemJob.wireKafka(env, config, false);
            JobID job = cluster.submitJob(env.getStreamGraph()).get().getJobID();

            // one short request in the window of long ones: its result says the batch is running
            List<InferenceRequest> requests = new ArrayList<>();
            requests.add(Requests.greedy("f-short", "Chapter 1. It was", 12));
            for (int i = 0; i < REQUESTS - 1; i++) {
                requests.add(
                        Requests.greedy("f-" + i, "Chapter " + (i + 2) + ". It was", NEW_TOKENS));
            }
            try (RequestProducer producer =
                    new RequestProducer(kafka.bootstrapServers(), config.kafka().requestsTopic())) {
                requests.forEach(producer::send);
            }
            TopicReader.read(
                    kafka.bootstrapServers(),
                    config.kafka().resultsTopic(),
                    1,
                    Duration.ofSeconds(60),
                    bytes -> bytes);
            // two checkpoints taken while the long ones generate, then the TaskManager goes
            awaitCheckpoints(cluster, job, completedCheckpoints(cluster, job) + 2);
            Instant failure = Instant.now();
            cluster.terminateTaskManager(0).get(30, TimeUnit.SECONDS);
            cluster.startTaskManager();

            List<InferenceResult> results =
                    TopicReader.read(
                            kafka.bootstrapServers(),
                            config.kafka().resultsTopic(),
                            REQUESTS,
                            Duration.ofSeconds(120),
                            bytes -> AvroBytes.decode(bytes, InferenceResult.class));
            // anything answered twice comes with the first answers
            results =
                    TopicReader.read(
                            kafka.bootstrapServers(),
                            config.kafka().resultsTopic(),
                            2 * REQUESTS,
                            Duration.ofSeconds(2),
                            bytes -> AvroBytes.decode(bytes, InferenceResult.class));
            cluster.cancelJob(job).get(30, TimeUnit.SECONDS);

            assertThat(cluster.getExecutionGraph(job).get().getFailureInfo())
                    .as("the job failed over")
                    .isNotNull();
            assertThat(results)
                    .as("rounds in flight resumed from the checkpoint")
                    .anySatisfy(
                            r -> {
                                assertThat(r.getResumes()).isPositive();
                                assertThat(r.getCompletedTime()).isAfter(failure);
                            });
            Map<String, List<Integer>> alone =
                    GreedyReference.tokens(BundledModel.target(), requests);
            assertThat(results.stream().map(InferenceResult::getRequestId).distinct())
                    .containsExactlyInAnyOrderElementsOf(alone.keySet());
            assertThat(results)
                    .allSatisfy(
                            r ->
                                    assertThat(r.getTokenIds())
                                            .as(r.getRequestId())
                                            .isEqualTo(alone.get(r.getRequestId())));
        }
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

    private static JobConfig config(EmbeddedKafka kafka) {
        Map<String, String> settings = new HashMap<>();
        settings.put("tandem.kafka.bootstrap-servers", kafka.bootstrapServers());
        settings.put("tandem.kafka.group-id", "failover");
        settings.put("tandem.model.dir", BundledModel.target().toString());
        settings.put("tandem.model.draft-dir", BundledModel.draft().toString());
        settings.put("tandem.mode", "sd-fixed");
        settings.put("tandem.parallelism", "1");
        settings.put("tandem.limits.max-new-tokens", String.valueOf(NEW_TOKENS));
        settings.put("tandem.checkpoint.interval", "100 ms");
        JobConfig config = JobConfig.from(Configuration.fromMap(settings));
        TopicProvisioner.ensureTopics(config.kafka());
        return config;
    }
}
