package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.tandem.cli.demo.WarmUp;
import io.tandem.cli.replay.ReplayOutcome.Status;
import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.kafka.TopicProvisioner;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.InferenceRequest;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.MiniClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays the sample traces through an embedded Kafka broker against the speculative job on a
 * two-TaskManager MiniCluster with the bundled pair, as {@code ./tandem replay --bootstrap} does
 * against a running job.
 */
class ReplayITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.twoTaskManagers();

    private static EmbeddedKafka kafka;
    private static JobConfig config;
    private static JobClient job;

    @BeforeAll
    static void startJob() throws Exception {
        kafka = EmbeddedKafka.start();
        Map<String, String> settings = new HashMap<>();
        settings.put("tandem.kafka.bootstrap-servers", kafka.bootstrapServers());
        settings.put("tandem.kafka.topic-partitions", "2");
        settings.put("tandem.model.dir", BundledModel.target().toString());
        settings.put("tandem.model.draft-dir", BundledModel.draft().toString());
        settings.put("tandem.planner.profile", BundledModel.pairProfile().toString());
        settings.put("tandem.mode", "sd");
        settings.put("tandem.parallelism", "2");
        settings.put("tandem.checkpoint.interval", "0 ms");
        config = JobConfig.from(Configuration.fromMap(settings));
        TopicProvisioner.ensureTopics(config.kafka());
        StreamExecutionEnvironment env = TandemJob.environment(config, 2);
        TandemJob.wireKafka(env, config, false);
        job = env.executeAsync("replay-it");
        // the first answers then measure serving, not the job's start-up and model load
        WarmUp.serve(config, "it", 8, Duration.ofSeconds(120));
    }

    @AfterAll
    static void stopJob() throws Exception {
        job.cancel().get(30, TimeUnit.SECONDS);
        kafka.close();
    }

    @Test
    void replaysTheMooncakeSampleCappedToTheContextAndLosesNothing(@TempDir Path dir)
            throws Exception {
        Path trace = SampleTraces.file(SampleTraces.MOONCAKE);
        long requests = ReplayRun.count(trace, TraceFormat.MOONCAKE, Long.MAX_VALUE);

        ReplayReport report = replay(trace, TraceFormat.MOONCAKE, 20, new AtomicBoolean());

        assertThat(report.outcomes()).hasSize((int) requests);
        assertThat(report.count(Status.ANSWERED)).isEqualTo(requests);
        assertThat(report.complete()).isTrue();
        assertThat(report.outcomes())
                .allSatisfy(
                        o -> {
                            assertThat(o.sent().promptTokens() + o.sent().maxNewTokens())
                                    .isLessThanOrEqualTo(512);
                            // a greedy request may end at once on the end-of-text token
                            assertThat(o.answer().generatedTokens())
                                    .isBetween(0, o.sent().maxNewTokens());
                            assertThat(o.latencyMs()).isGreaterThan(o.answer().verifyMs());
                        });
        // the sample's 2,400-token prompts do not fit the bundled models' 512
        assertThat(report.outcomes()).anyMatch(o -> o.sent().capped());
        assertThat(report.summary().getAsJsonObject("capped").get("requests").getAsLong())
                .isPositive();
        assertThat(report.acceptanceRate()).isBetween(0.0, 1.0);
        assertSentOnce(report);

        List<Path> files = report.write(dir);
        assertThat(files).allSatisfy(f -> assertThat(f).isNotEmptyFile());
        assertThat(Files.readAllLines(dir.resolve(ReplayReport.REQUESTS)))
                .hasSize((int) requests + 1);
    }

    @Test
    void replaysTheTandemSampleWithItsOwnPromptsAndSampling() throws Exception {
        Path trace = SampleTraces.file(SampleTraces.TANDEM);

        ReplayReport report = replay(trace, TraceFormat.JSONL, 20, new AtomicBoolean());

        assertThat(report.complete()).isTrue();
        assertThat(report.count(Status.ANSWERED))
                .isEqualTo(ReplayRun.count(trace, TraceFormat.JSONL, Long.MAX_VALUE));
        assertThat(report.outcomes()).noneMatch(o -> o.sent().capped());
        assertThat(report.summary().get("p50_ms").getAsDouble()).isPositive();
        assertSentOnce(report);
    }

    @Test
    void stopStopsSendingAndReportsWhatCameBack() throws Exception {
        Path trace = SampleTraces.file(SampleTraces.AZURE);
        AtomicBoolean stopAfterFirstAnswers = new AtomicBoolean(true);

        // at the recorded pace the sample takes about ten seconds to send
        ReplayReport report = replay(trace, TraceFormat.AZURE, 1, stopAfterFirstAnswers);

        long total = ReplayRun.count(trace, TraceFormat.AZURE, Long.MAX_VALUE);
        assertThat(report.summary().get("interrupted").getAsBoolean()).isTrue();
        assertThat(report.complete()).isFalse();
        assertThat((long) report.outcomes().size()).isBetween(2L, total - 1);
        assertThat(report.count(Status.ANSWERED)).isGreaterThanOrEqualTo(2);
        assertThat(report.count(Status.LOST)).isZero();
        assertThat(report.outcomes())
                .extracting(ReplayOutcome::status)
                .isSubsetOf(Status.ANSWERED, Status.IN_FLIGHT);
        assertSentOnce(report);
    }

    /** Replays {@code trace}; with {@code stopEarly} set, stops once two answers are in. */
    private static ReplayReport replay(
            Path trace, TraceFormat format, double speedup, AtomicBoolean stopEarly)
            throws Exception {
        return TraceReplays.replay(config, trace, format, speedup, stopEarly);
    }

    @Test
    void aTraceWithoutOneGoodLineSendsNothingAndSaysWhy(@TempDir Path dir) throws Exception {
        Path trace =
                Files.writeString(
                        dir.resolve("bad.csv"),
                        "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                                + "yesterday,12,4\n"
                                + "2023-11-16 18:15:47.0515900,12,0\n");

        ReplayReport report = replay(trace, TraceFormat.AZURE, 1, new AtomicBoolean());

        assertThat(report.outcomes()).isEmpty();
        assertThat(report.complete()).isFalse();
        JsonObject skipped = report.summary().getAsJsonObject("skipped_lines");
        assertThat(skipped.get("count").getAsInt()).isEqualTo(2);
        assertThat(skipped.getAsJsonArray("first").get(0).getAsJsonObject().get("line").getAsInt())
                .isEqualTo(2);
    }

    /** The requests topic holds each request the report lists exactly once. */
    private static void assertSentOnce(ReplayReport report) {
        String run = report.outcomes().get(0).id().replaceFirst("-\\d+$", "-");
        List<String> keys =
                TopicReader.read(
                                kafka.bootstrapServers(),
                                config.kafka().requestsTopic(),
                                Integer.MAX_VALUE,
                                Duration.ofSeconds(3),
                                bytes ->
                                        AvroBytes.decode(bytes, InferenceRequest.class)
                                                .getRequestId())
                        .stream()
                        .filter(id -> id.startsWith(run))
                        .toList();
        assertThat(keys)
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(
                        report.outcomes().stream().map(ReplayOutcome::id).toList());
    }
}
