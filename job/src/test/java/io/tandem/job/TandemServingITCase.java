package io.tandem.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tandem.job.config.JobConfig;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.GreedyReference;
import io.tandem.testkit.Requests;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The DataStream API on a source that is not Kafka: a user's bounded stream of requests served by
 * the bundled pair in mode sd, every valid request answered with the target's greedy output and
 * every invalid one dead-lettered with its reason and its place in the stream.
 */
class TandemServingITCase {

    /** A slot per group for ingest, draft and verify, and one for the test's collecting sinks. */
    @RegisterExtension
    static final MiniClusterExtension CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(TandemJob.SLOT_SHARING_GROUPS + 1)
                            .build());

    @Test
    void aUsersStreamIsServedAndItsBadRequestsDeadLettered() throws Exception {
        List<InferenceRequest> valid = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            valid.add(Requests.greedy("r-" + i, "It is a truth universally acknowledged " + i, 12));
        }
        List<InferenceRequest> requests = new ArrayList<>(valid);
        requests.add(Requests.greedy("empty", "", 12));
        requests.add(Requests.greedy("too-many", "Emma", 100_000));

        JobConfig config =
                JobConfig.from(
                        Configuration.fromMap(
                                Map.of(
                                        "tandem.model.dir", BundledModel.target().toString(),
                                        "tandem.model.draft-dir", BundledModel.draft().toString(),
                                        "tandem.planner.profile",
                                                BundledModel.pairProfile().toString(),
                                        "tandem.mode", "sd",
                                        "tandem.parallelism", "2")));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TandemJob.configure(env, config);
        TandemServing.Served served =
                TandemServing.generate(
                        env.fromData(requests, new AvroTypeInfo<>(InferenceRequest.class)), config);

        List<InferenceResult> results = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        try (CloseableIterator<InferenceResult> r = served.results().collectAsync();
                CloseableIterator<DeadLetter> d = served.deadLetters().collectAsync()) {
            // the collecting sinks hand results over while the job runs: read them as it does
            env.executeAsync("tandem-datastream");
            r.forEachRemaining(results::add);
            d.forEachRemaining(deadLetters::add);
        }

        assertThat(GreedyReference.served(results))
                .isEqualTo(GreedyReference.tokens(BundledModel.target(), valid));
        assertThat(deadLetters)
                .extracting(
                        DeadLetter::getRequestId, DeadLetter::getErrorCode, DeadLetter::getTopic)
                .containsExactlyInAnyOrder(
                        tuple("empty", DeadLetterCode.PROMPT_EMPTY, TandemServing.STREAM_SOURCE),
                        tuple(
                                "too-many",
                                DeadLetterCode.BAD_PARAMETER,
                                TandemServing.STREAM_SOURCE));
        // a dead letter carries the request as Avro, as one from Kafka carries the record's bytes
        DeadLetter empty =
                deadLetters.stream()
                        .filter(l -> l.getRequestId().equals("empty"))
                        .findFirst()
                        .get();
        assertThat(AvroBytes.decode(empty.getOriginalBytes().array(), InferenceRequest.class))
                .isEqualTo(requests.get(6));
    }
}
