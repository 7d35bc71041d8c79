package io.tandem.job;

import static io.tandem.testkit.Placement.vertexOn;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.job.config.JobConfig;
import io.tandem.job.operators.Operators;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.RequestProducer;
import io.tandem.local.StandaloneCluster;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.GreedyReference;
import io.tandem.testkit.ImageLayout;
import io.tandem.testkit.Requests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real cluster whose TaskManagers differ, as in production, started as the container
 * images start it: a JobManager in application mode and two TaskManager processes, a small one and
 * a big one, with fine-grained resource management, all through the images' entrypoint script, on
 * the images' class path (Flink's classes and DJL parent-first, the job jar from {@code usrlib/} in
 * a class loader of its own). The job gets its settings on its command line. The draft and verify
 * slot sharing groups declare what they need, and the test checks where Flink put them, from the
 * REST API and from every result, and that the output is still exactly the target's greedy output,
 * once per request, with a malformed record in the middle of the stream.
 */
class HeterogeneousClusterITCase {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(90);

    /**
     * The slot manager gives each slot request to the first TaskManager that fits, so each group
     * must not fit on the other TaskManager at all (not only in what would be left of it):
     *
     * <pre>
     *              cpu    task heap
     * tm-small     1.0    300 MB
     * tm-big       0.5    600 MB
     * draft        0.75   100 MB    0.75 cpu > tm-big's 0.5: only tm-small
     * verify       0.25   400 MB    400 MB > tm-small's 300 MB: only tm-big
     * ingest       0.25    50 MB    fits beside either group
     * </pre>
     *
     * Every group declares its resources: a request that declares none matches any free slot, and
     * could take the one sized for verify.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void draftRunsOnTheSmallTaskManagerAndVerifyOnTheBigOneWithUnchangedOutput(@TempDir Path home)
            throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Map<String, String> settings = settings(kafka);
            JobConfig config = JobConfig.from(Configuration.fromMap(settings));
            List<String> jobArgs = new ArrayList<>();
            settings.forEach((key, value) -> jobArgs.addAll(List.of("--set", key + "=" + value)));
            try (StandaloneCluster cluster =
                    StandaloneCluster.builder()
                            .classPath(ImageLayout.classPath())
                            .application(ImageLayout.flinkHome(home), jobArgs)
                            .taskManager("tm-small", 1.0, 300, 4)
                            .taskManager("tm-big", 0.5, 600, 4)
                            .start()) {
                JobID job = cluster.awaitJob(Duration.ofSeconds(90));
                cluster.awaitRunning(job, Duration.ofSeconds(90));
                Map<String, Set<String>> placement = cluster.placement(job);

                List<InferenceRequest> requests = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    requests.add(
                            Requests.greedy(
                                    "h-" + i, "It was the " + i + "th of May, and", 16 + 6 * i));
                }
                try (RequestProducer producer =
                        new RequestProducer(
                                kafka.bootstrapServers(), config.kafka().requestsTopic())) {
                    for (int i = 0; i < requests.size(); i++) {
                        if (i == requests.size() / 2) {
                            producer.sendRaw(
                                    "malformed",
                                    "{\"prompt\": 1}".getBytes(StandardCharsets.UTF_8));
                        }
                        producer.send(requests.get(i));
                    }
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
                List<DeadLetter> deadLetters =
                        TopicReader.read(
                                kafka.bootstrapServers(),
                                config.kafka().deadLetterTopic(),
                                1,
                                READ_TIMEOUT,
                                bytes -> AvroBytes.decode(bytes, DeadLetter.class));

                assertThat(vertexOn(placement, Operators.DRAFT)).containsExactly("tm-small");
                assertThat(vertexOn(placement, Operators.SCHEDULE)).containsExactly("tm-small");
                assertThat(vertexOn(placement, Operators.FEEDBACK)).containsExactly("tm-small");
                assertThat(vertexOn(placement, Operators.VERIFY)).containsExactly("tm-big");
                assertThat(results)
                        .allSatisfy(
                                r -> {
                                    assertThat(r.getPlacement().getDraftTaskManager())
                                            .isEqualTo("tm-small");
                                    assertThat(r.getPlacement().getVerifyTaskManager())
                                            .isEqualTo("tm-big");
                                });
                // the goodput rule may serve a request by plain rounds alone, but not all of them
                assertThat(results.stream().mapToLong(InferenceResult::getDraftedTokens).sum())
                        .isPositive();
                assertThat(results)
                        .extracting(InferenceResult::getRequestId)
                        .containsExactlyInAnyOrderElementsOf(
                                requests.stream().map(InferenceRequest::getRequestId).toList());
                assertThat(GreedyReference.served(results))
                        .isEqualTo(GreedyReference.tokens(BundledModel.target(), requests));
                assertThat(deadLetters)
                        .singleElement()
                        .satisfies(
                                d ->
                                        assertThat(d.getErrorCode())
                                                .isEqualTo(DeadLetterCode.MALFORMED_AVRO));
            }
        }
    }

    /** The job's settings, passed to it as {@code --set} options of its command line. */
    private static Map<String, String> settings(EmbeddedKafka kafka) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("tandem.kafka.bootstrap-servers", kafka.bootstrapServers());
        settings.put("tandem.kafka.group-id", "heterogeneous");
        settings.put("tandem.model.dir", BundledModel.target().toString());
        settings.put("tandem.model.draft-dir", BundledModel.draft().toString());
        settings.put("tandem.planner.profile", BundledModel.pairProfile().toString());
        settings.put("tandem.mode", "sd");
        settings.put("tandem.parallelism", "1");
        settings.put("tandem.ingest.cpu-cores", "0.25");
        settings.put("tandem.ingest.task-heap", "50 mb");
        settings.put("tandem.draft.cpu-cores", "0.75");
        settings.put("tandem.draft.task-heap", "100 mb");
        settings.put("tandem.verify.cpu-cores", "0.25");
        settings.put("tandem.verify.task-heap", "400 mb");
        settings.put("tandem.checkpoint.interval", "0 ms");
        return settings;
    }
}
