package io.tandem.job;

import static io.tandem.testkit.Placement.vertexOn;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.job.config.JobConfig;
import io.tandem.job.kafka.TopicProvisioner;
import io.tandem.job.operators.Operators;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.RequestProducer;
import io.tandem.local.StandaloneCluster;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.GreedyReference;
import io.tandem.testkit.Requests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The round loop at parallelism 2 across four TaskManager processes: each loop head and its tail
 * share a JVM (the in-memory back edge needs that), the two heads live in different JVMs, and each
 * head's verify subtask runs in a third and fourth. A MiniCluster runs everything in one JVM, where
 * any placement would work; here a head whose tail landed elsewhere would never see its batches
 * come back, and the job would answer nothing.
 */
class MultiProcessLoopITCase {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(120);
    private static final List<String> SMALL = List.of("tm-small-1", "tm-small-2");
    private static final List<String> BIG = List.of("tm-big-1", "tm-big-2");

    /**
     * Resources that allow exactly one draft group per small TaskManager and one verify group per
     * big one (see {@link HeterogeneousClusterITCase} for why every group declares them):
     *
     * <pre>
     *              cpu    task heap
     * tm-small-*   1.0    300 MB
     * tm-big-*     0.5    600 MB
     * draft        0.75   100 MB    only on a small one, and one per small one (2 × 0.75 > 1.0)
     * verify       0.25   400 MB    only on a big one, and one per big one (2 × 400 > 600)
     * ingest       0.1     20 MB    beside either; both beside a draft (0.75 + 2 × 0.1 ≤ 1.0) or a
     *                                verify group (0.25 + 2 × 0.1 ≤ 0.5, 400 + 2 × 20 ≤ 600)
     * </pre>
     *
     * <p>The slot manager gives each slot the first TaskManager with room, without planning ahead:
     * with ingest slots of 0.25 cpu, both once landed on one small TaskManager and left no room for
     * its draft group. Ingest slots that fit anywhere twice over never take that room.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void everyHeadKeepsItsLoopInItsOwnJvmAndEveryRequestIsAnsweredOnceWithTheTargetsOutput()
            throws Exception {
        StandaloneCluster.Builder builder = StandaloneCluster.builder();
        SMALL.forEach(tm -> builder.taskManager(tm, 1.0, 300, 4));
        BIG.forEach(tm -> builder.taskManager(tm, 0.5, 600, 4));
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                StandaloneCluster cluster = builder.start()) {
            JobConfig config = config(kafka);
            StreamExecutionEnvironment env = cluster.remoteEnvironment(new Configuration());
            TandemJob.configure(env, config);
            TandemJob.wireKafka(env, config, false);
            JobClient job = env.executeAsync(TandemJob.JOB_NAME);
            try {
                cluster.awaitRunning(job.getJobID(), Duration.ofSeconds(120));
                Map<String, Set<String>> placement = cluster.placement(job.getJobID());

                List<InferenceRequest> requests = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    requests.add(
                            Requests.greedy(
                                    "mp-" + i, "Chapter " + (i + 1) + ". It was", 12 + 4 * i));
                }
                try (RequestProducer producer =
                        new RequestProducer(
                                kafka.bootstrapServers(), config.kafka().requestsTopic())) {
                    requests.forEach(producer::send);
                }
                TopicReader.read(
                        kafka.bootstrapServers(),
                        config.kafka().resultsTopic(),
                        requests.size(),
                        READ_TIMEOUT,
                        bytes -> bytes);
                // then a moment more for a result that should not come
                List<InferenceResult> results =
                        TopicReader.read(
                                kafka.bootstrapServers(),
                                config.kafka().resultsTopic(),
                                requests.size() + 1,
                                Duration.ofSeconds(3),
                                bytes -> AvroBytes.decode(bytes, InferenceResult.class));

                assertThat(vertexOn(placement, Operators.SCHEDULE))
                        .containsExactlyInAnyOrderElementsOf(SMALL);
                assertThat(vertexOn(placement, Operators.FEEDBACK))
                        .containsExactlyInAnyOrderElementsOf(SMALL);
                assertThat(vertexOn(placement, Operators.VERIFY))
                        .containsExactlyInAnyOrderElementsOf(BIG);
                // both loops served requests, each from its own pair of processes
                Set<String> loops =
                        results.stream()
                                .map(
                                        r ->
                                                r.getPlacement().getDraftTaskManager()
                                                        + " -> "
                                                        + r.getPlacement().getVerifyTaskManager())
                                .collect(Collectors.toCollection(TreeSet::new));
                assertThat(loops)
                        .hasSize(2)
                        .allSatisfy(loop -> assertThat(loop).matches("tm-small-\\d -> tm-big-\\d"));
                assertThat(
                                results.stream()
                                        .map(r -> r.getPlacement().getDraftTaskManager())
                                        .collect(Collectors.toSet()))
                        .containsExactlyInAnyOrderElementsOf(SMALL);
                assertThat(results)
                        .extracting(InferenceResult::getRequestId)
                        .containsExactlyInAnyOrderElementsOf(
                                requests.stream().map(InferenceRequest::getRequestId).toList());
                assertThat(GreedyReference.served(results))
                        .isEqualTo(GreedyReference.tokens(BundledModel.target(), requests));
            } finally {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static JobConfig config(EmbeddedKafka kafka) {
        Map<String, String> settings = new HashMap<>();
        settings.put("tandem.kafka.bootstrap-servers", kafka.bootstrapServers());
        settings.put("tandem.kafka.group-id", "multi-process");
        settings.put("tandem.model.dir", BundledModel.target().toString());
        settings.put("tandem.model.draft-dir", BundledModel.draft().toString());
        settings.put("tandem.planner.profile", BundledModel.pairProfile().toString());
        settings.put("tandem.mode", "sd");
        settings.put("tandem.parallelism", "2");
        settings.put("tandem.ingest.cpu-cores", "0.1");
        settings.put("tandem.ingest.task-heap", "20 mb");
        settings.put("tandem.draft.cpu-cores", "0.75");
        settings.put("tandem.draft.task-heap", "100 mb");
        settings.put("tandem.verify.cpu-cores", "0.25");
        settings.put("tandem.verify.task-heap", "400 mb");
        settings.put("tandem.checkpoint.interval", "0 ms");
        JobConfig config = JobConfig.from(Configuration.fromMap(settings));
        TopicProvisioner.ensureTopics(config.kafka());
        return config;
    }
}
