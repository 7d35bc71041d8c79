package io.tandem.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.job.config.JobConfig;
import io.tandem.job.kafka.TopicProvisioner;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.RequestFuzzer;
import io.tandem.local.RequestProducer;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import io.tandem.schemas.Sampling;
import io.tandem.schemas.Uplink;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.GreedyReference;
import io.tandem.testkit.JobSettings;
import io.tandem.testkit.MiniClusters;
import io.tandem.testkit.Requests;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole job on real parts: an embedded Kafka broker, a MiniCluster of two TaskManagers and the
 * bundled model. Valid and invalid Avro records go in; results and dead letters are read back from
 * Kafka.
 */
class TandemJobITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.twoTaskManagers();

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final double WALL_CLOCK_ROUNDING_MS = 2.0;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void servesEveryValidRequestOnceAndDeadLettersEveryInvalidOne() throws Exception {
        long started = System.currentTimeMillis();
        JobConfig config = config("mixed");
        List<InferenceRequest> valid = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            valid.add(Requests.greedy("ok-" + i, "It was the " + i + "th of May, and", 8 + 4 * i));
        }
        valid.add(
                Requests.builder("ok-sampled", "She said", 24)
                        .setSampling(new Sampling(0.9f, 0.95f, 11L))
                        .setMetadata(Map.of("trace", "t-1"))
                        .build());

        Map<String, byte[]> invalid = new LinkedHashMap<>();
        invalid.put("not-avro", "prompt=hello".getBytes(StandardCharsets.UTF_8));
        invalid.put("empty-prompt", AvroBytes.encode(Requests.greedy("bad-empty", "", 8)));
        invalid.put("too-long", AvroBytes.encode(Requests.greedy("bad-long", "x".repeat(300), 8)));
        invalid.put(
                "bad-temperature",
                AvroBytes.encode(
                        Requests.builder("bad-temp", "Hi", 8)
                                .setSampling(new Sampling(-1f, 1f, null))
                                .build()));
        invalid.put("no-tokens", AvroBytes.encode(Requests.greedy("bad-max", "Hi", 0)));
        invalid.put(
                "oversized", AvroBytes.encode(Requests.greedy("bad-size", "y".repeat(5000), 8)));
        // ok-6 again, right behind itself: its id is being served, so this copy is refused
        invalid.put("ok-6", AvroBytes.encode(valid.get(6)));

        try (RequestProducer producer =
                new RequestProducer(kafka.bootstrapServers(), config.kafka().requestsTopic())) {
            var invalidRecords = invalid.entrySet().iterator();
            for (InferenceRequest request : valid) {
                producer.send(request);
                if (invalidRecords.hasNext()) {
                    var next = invalidRecords.next();
                    producer.sendRaw(next.getKey(), next.getValue());
                }
            }
        }

        run(config);

        List<InferenceResult> results = readResults(config, valid.size());
        List<DeadLetter> deadLetters = readDeadLetters(config, invalid.size());

        assertThat(results)
                .extracting(InferenceResult::getRequestId)
                .containsExactlyInAnyOrderElementsOf(
                        valid.stream().map(InferenceRequest::getRequestId).toList());
        assertThat(results)
                .allSatisfy(
                        r -> {
                            assertThat(r.getFinishReason())
                                    .isIn(FinishReason.EOS, FinishReason.LENGTH);
                            assertThat(r.getPlacement().getVerifyTaskManager()).isNotBlank();
                            assertLatencyPartsAddUp(r.getLatency());
                            assertThat(r.getLatency().getTotalMs())
                                    .isLessThanOrEqualTo(System.currentTimeMillis() - started);
                            assertThat(r.getPromptTokens()).isPositive();
                        });
        assertThat(results)
                .filteredOn(r -> r.getRequestId().equals("ok-sampled"))
                .singleElement()
                .satisfies(r -> assertThat(r.getMetadata()).containsEntry("trace", "t-1"));

        assertThat(deadLetters)
                .extracting(DeadLetter::getErrorCode)
                .containsExactlyInAnyOrder(
                        DeadLetterCode.MALFORMED_AVRO,
                        DeadLetterCode.PROMPT_EMPTY,
                        DeadLetterCode.PROMPT_TOO_LONG,
                        DeadLetterCode.BAD_PARAMETER,
                        DeadLetterCode.BAD_PARAMETER,
                        DeadLetterCode.RECORD_TOO_LARGE,
                        DeadLetterCode.BAD_PARAMETER);
        Map<ByteBuffer, Long> sentInvalid =
                invalid.values().stream()
                        .collect(Collectors.groupingBy(ByteBuffer::wrap, Collectors.counting()));
        assertThat(
                        deadLetters.stream()
                                .collect(
                                        Collectors.groupingBy(
                                                DeadLetter::getOriginalBytes,
                                                Collectors.counting())))
                .isEqualTo(sentInvalid);
        assertThat(deadLetters)
                .allSatisfy(
                        d -> {
                            assertThat(d.getTopic()).isEqualTo(config.kafka().requestsTopic());
                            assertThat(d.getReason()).isNotBlank();
                        });
    }

    @Test
    void greedyResultsEqualGreedyDecodingWithTheModelAlone() throws Exception {
        assertGreedyResultsEqualTheTargetAlone(config("greedy-ad"), BundledModel.tiny());
    }

    @Test
    void speculativeGreedyResultsEqualGreedyDecodingWithTheTargetAlone() throws Exception {
        JobConfig config = config("greedy-sd", pair("sd-fixed", "tandem.speculation.length", "4"));

        List<InferenceResult> results =
                assertGreedyResultsEqualTheTargetAlone(config, BundledModel.target());

        assertThat(results)
                .allSatisfy(
                        r -> {
                            assertThat(r.getMode()).isEqualTo("sd-fixed");
                            assertThat(r.getDraftedTokens()).isPositive();
                            assertThat(r.getAcceptedTokens()).isBetween(0, r.getDraftedTokens());
                            assertThat(r.getSpeculationLengths()).hasSize(r.getRounds());
                        });
        int accepted = results.stream().mapToInt(InferenceResult::getAcceptedTokens).sum();
        assertThat(accepted).as("a trained pair agrees on some tokens").isPositive();
    }

    @Test
    void plannedSpeculativeGreedyResultsEqualGreedyDecodingWithTheTargetAlone() throws Exception {
        Map<String, String> pair =
                pair(
                        "sd",
                        "tandem.planner.profile",
                        BundledModel.pairProfile().toString(),
                        "tandem.wireless.uplink-bandwidth-hz",
                        "20000");
        JobConfig config = config("greedy-planned", pair);

        List<InferenceResult> results =
                assertGreedyResultsEqualTheTargetAlone(config, BundledModel.target());

        assertThat(results)
                .allSatisfy(
                        r -> {
                            assertThat(r.getMode()).isEqualTo("sd");
                            assertThat(r.getPlan()).isNotNull();
                            assertThat(r.getPlan().getBatchesInWindow()).isPositive();
                            // the planner's round times, re-chosen at the measured acceptance
                            assertThat(r.getPlan().getRoundMsByLength()).hasSize(8);
                            assertThat(r.getSpeculationLengths().get(0)).isBetween(1, 8);
                            // wireless mode: each request's share of the band, modelled upload
                            assertThat(r.getUplinkShare()).isBetween(0.0, 1.0);
                            assertThat(r.getLatency().getUploadMs()).isPositive();
                        });
        Map<String, Double> sharesByWindow =
                results.stream()
                        .collect(
                                Collectors.groupingBy(
                                        r -> r.getPlan().getWindowId(),
                                        Collectors.summingDouble(InferenceResult::getUplinkShare)));
        assertThat(sharesByWindow.values())
                .allSatisfy(sum -> assertThat(sum).isCloseTo(1.0, within(1e-9)));
    }

    @Test
    void requestsThatJoinRunningBatchesGetTheTargetsOwnGreedyOutput() throws Exception {
        // every window holds one request: the later ones can only share a batch by joining one
        // that runs
        JobConfig config =
                config(
                        "greedy-joined",
                        pair(
                                "sd",
                                "tandem.planner.profile",
                                BundledModel.pairProfile().toString(),
                                "tandem.batch.max-size",
                                "1",
                                "tandem.parallelism",
                                "1"));
        List<InferenceRequest> requests = greedyRequests();
        requests.get(1).setSpeculation("off");
        requests.get(2).setSpeculation("2");
        requests.get(0).setDeadlineMs(1);
        requests.get(3).setDeadlineMs(600_000);

        Map<String, InferenceResult> results =
                assertGreedyResultsEqualTheTargetAlone(config, BundledModel.target(), requests)
                        .stream()
                        .collect(Collectors.toMap(InferenceResult::getRequestId, r -> r));

        assertThat(results.values())
                .as("requests that joined a running batch")
                .anySatisfy(r -> assertThat(r.getBatchSize()).isGreaterThan(1));
        assertThat(results.values())
                .allSatisfy(
                        r -> {
                            assertThat(r.getPlan().getCostModel()).isNotNull();
                            assertLatencyPartsAddUp(r.getLatency());
                        });
        assertThat(results.get("g-2").getSpeculationLengths()).containsOnly(0);
        assertThat(results.get("g-2").getDraftedTokens()).isZero();
        assertThat(results.get("g-3").getSpeculationLengths()).containsOnly(2);
        assertThat(results.get("g-1").getDeadlineMet()).isFalse();
        assertThat(results.get("g-4").getDeadlineMet()).isTrue();
        assertThat(results.get("g-5").getDeadlineMet()).isNull();
    }

    @Test
    void fuzzedRecordsAmongValidRequestsAreEachAnsweredOrDeadLetteredAndChangeNoValidOutput()
            throws Exception {
        JobConfig config = config("fuzz");
        List<InferenceRequest> valid = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            // ids no flipped bit of "fuzz-N" can reach
            valid.add(Requests.greedy("valid-request-" + (100 + i), "It was the " + i, 6 + i));
        }
        List<RequestFuzzer.FuzzRecord> fuzz = new RequestFuzzer(11).records(valid, 2_000);
        try (RequestProducer producer =
                new RequestProducer(kafka.bootstrapServers(), config.kafka().requestsTopic())) {
            int every = fuzz.size() / valid.size();
            for (int i = 0; i < fuzz.size(); i++) {
                if (i % every == 0 && i / every < valid.size()) {
                    producer.send(valid.get(i / every));
                }
                producer.sendRaw(fuzz.get(i).requestId(), fuzz.get(i).bytes());
            }
        }

        // a record the job could not take would fail it: the job has no restart strategy here
        run(config);
        int sent = valid.size() + fuzz.size();
        // the job has ended, so what is on the topics is all there is: read it without waiting
        // for a count that no one knows
        Duration settled = Duration.ofSeconds(5);
        List<InferenceResult> results = readResults(config, sent, settled);
        List<DeadLetter> deadLetters = readDeadLetters(config, sent, settled);

        assertThat(results.size() + deadLetters.size()).isEqualTo(sent);
        assertThat(deadLetters).allSatisfy(d -> assertThat(d.getReason()).isNotBlank());
        assertThat(
                        GreedyReference.served(
                                results.stream()
                                        .filter(r -> r.getRequestId().startsWith("valid-request-"))
                                        .toList()))
                .isEqualTo(GreedyReference.tokens(BundledModel.tiny(), valid));
        assertThat(results)
                .allSatisfy(
                        r ->
                                assertThat(r.getFinishReason())
                                        .isIn(FinishReason.EOS, FinishReason.LENGTH));
    }

    /** Settings that serve the bundled draft/target pair in {@code mode}, and {@code more}. */
    private static Map<String, String> pair(String mode, String... more) {
        Map<String, String> settings = new HashMap<>();
        settings.put("tandem.model.dir", BundledModel.target().toString());
        settings.put("tandem.model.draft-dir", BundledModel.draft().toString());
        settings.put("tandem.mode", mode);
        for (int i = 0; i < more.length; i += 2) {
            settings.put(more[i], more[i + 1]);
        }
        return settings;
    }

    private static List<InferenceRequest> greedyRequests() {
        return List.of(
                Requests.greedy("g-1", "It is a truth universally acknowledged", 40),
                Requests.greedy("g-2", "Mr. Darcy", 30),
                Requests.greedy("g-3", "Captain Wentworth had", 50),
                Requests.greedy("g-4", "The", 20),
                Requests.greedy("g-5", "Emma could not", 35));
    }

    private static List<InferenceResult> assertGreedyResultsEqualTheTargetAlone(
            JobConfig config, Path target) throws Exception {
        return assertGreedyResultsEqualTheTargetAlone(config, target, greedyRequests());
    }

    private static List<InferenceResult> assertGreedyResultsEqualTheTargetAlone(
            JobConfig config, Path target, List<InferenceRequest> requests) throws Exception {
        if (config.generation().wireless()) {
            for (int i = 0; i < requests.size(); i++) {
                requests.get(i).setUplink(Uplink.newBuilder().setSnrDb(5.0 + 5 * i).build());
            }
        }
        try (RequestProducer producer =
                new RequestProducer(kafka.bootstrapServers(), config.kafka().requestsTopic())) {
            requests.forEach(producer::send);
        }

        run(config);
        List<InferenceResult> results = readResults(config, requests.size());
        Map<String, List<Integer>> served = GreedyReference.served(results);

        assertThat(served).isEqualTo(GreedyReference.tokens(target, requests));
        return results;
    }

    private static void run(JobConfig config) throws Exception {
        StreamExecutionEnvironment env = TandemJob.environment(config, 2);
        TandemJob.wireKafka(env, config, true);
        env.execute(TandemJob.JOB_NAME);
    }

    private static List<InferenceResult> readResults(JobConfig config, int expected) {
        return readResults(config, expected, READ_TIMEOUT);
    }

    private static List<InferenceResult> readResults(
            JobConfig config, int expected, Duration timeout) {
        return TopicReader.read(
                kafka.bootstrapServers(),
                config.kafka().resultsTopic(),
                expected,
                timeout,
                bytes -> AvroBytes.decode(bytes, InferenceResult.class));
    }

    private static List<DeadLetter> readDeadLetters(JobConfig config, int expected) {
        return readDeadLetters(config, expected, READ_TIMEOUT);
    }

    private static List<DeadLetter> readDeadLetters(
            JobConfig config, int expected, Duration timeout) {
        return TopicReader.read(
                kafka.bootstrapServers(),
                config.kafka().deadLetterTopic(),
                expected,
                timeout,
                bytes -> AvroBytes.decode(bytes, DeadLetter.class));
    }

    private static JobConfig config(String name) {
        return config(name, Map.of());
    }

    /** Topics unique to one test, so tests never read each other's records. */
    private static JobConfig config(String name, Map<String, String> overrides) {
        Map<String, String> settings = JobSettings.isolated(kafka.bootstrapServers(), name);
        settings.put("tandem.batch.max-size", "4");
        settings.put("tandem.batch.max-wait", "20 ms");
        settings.put("tandem.limits.max-new-tokens", "64");
        settings.put("tandem.limits.max-record-bytes", "2048");
        settings.putAll(overrides);
        JobConfig config = JobConfig.from(Configuration.fromMap(settings));
        TopicProvisioner.ensureTopics(config.kafka());
        return config;
    }

    /**
     * Every part of a result's latency is a real duration, the loop overhead is part of the loop,
     * and the measured parts add up to the total (the wireless upload is modelled, not measured).
     */
    private static void assertLatencyPartsAddUp(LatencyBreakdown latency) {
        double[] parts = {
            latency.getQueueingMs(),
            latency.getBatchingMs(),
            latency.getAdmissionMs(),
            latency.getDraftMs(),
            latency.getVerifyMs(),
            latency.getLoopMs()
        };
        assertThat(Arrays.stream(parts).min().orElseThrow()).isGreaterThanOrEqualTo(0);
        // The loop part is what remains of the total after the other parts, and the total comes
        // from millisecond timestamps (send, close, completion): the remainder can fall short of
        // the overhead, timed in nanoseconds, by up to the two roundings.
        assertThat(latency.getRoundOverheadMs())
                .isBetween(0.0, latency.getLoopMs() + WALL_CLOCK_ROUNDING_MS);
        assertThat(Arrays.stream(parts).sum()).isCloseTo(latency.getTotalMs(), within(1e-6));
    }
}
