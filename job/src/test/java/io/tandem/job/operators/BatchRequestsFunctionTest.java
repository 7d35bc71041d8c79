package io.tandem.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.job.config.JobConfig.Batching;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.testkit.Requests;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchRequestsFunctionTest {

    private static final int MAX_SIZE = 3;
    private static final Duration MAX_WAIT = Duration.ofMillis(50);

    private KeyedOneInputStreamOperatorTestHarness<Integer, AdmittedRequest, Batch> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                new BatchRequestsFunction(new Batching(MAX_SIZE, MAX_WAIT, 1, 0))),
                        new BatchLaneSelector(1, 1, 128),
                        Types.INT);
        harness.open();
        harness.setProcessingTime(1_000);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void closesABatchAsSoonAsItIsFull() throws Exception {
        for (int i = 1; i <= MAX_SIZE; i++) {
            harness.processElement(request("r" + i), 0);
        }

        assertThat(batches())
                .singleElement()
                .satisfies(b -> assertThat(ids(b)).containsExactly("r1", "r2", "r3"));
        assertNoLeftovers();
    }

    @Test
    void closesAPartialBatchAfterMaxWait() throws Exception {
        harness.processElement(request("r1"), 0);
        harness.setProcessingTime(1_020);
        harness.processElement(request("r2"), 0);

        harness.setProcessingTime(1_049);
        assertThat(batches()).isEmpty();

        harness.setProcessingTime(1_050);
        assertThat(batches())
                .singleElement()
                .satisfies(
                        b -> {
                            assertThat(ids(b)).containsExactly("r1", "r2");
                            assertThat(b.getClosedTime()).isEqualTo(Instant.ofEpochMilli(1_050));
                        });
        assertNoLeftovers();
    }

    @Test
    void theWaitStartsWithTheFirstRequestOfEachBatch() throws Exception {
        for (int i = 1; i <= MAX_SIZE; i++) {
            harness.processElement(request("a" + i), 0);
        }
        harness.setProcessingTime(1_040);
        harness.processElement(request("b1"), 0);

        harness.setProcessingTime(
                1_060); // the full batch's old deadline has passed: nothing closes
        assertThat(batches()).hasSize(1);

        harness.setProcessingTime(1_090);
        assertThat(batches())
                .hasSize(2)
                .last()
                .satisfies(b -> assertThat(ids(b)).containsExactly("b1"));
        assertNoLeftovers();
    }

    @Test
    void endOfInputClosesTheOpenBatch() throws Exception {
        harness.processElement(request("r1"), 0);

        harness.processWatermark(new Watermark(Long.MAX_VALUE));

        assertThat(batches())
                .singleElement()
                .satisfies(b -> assertThat(ids(b)).containsExactly("r1"));
        assertNoLeftovers();
    }

    @Test
    void batchIdsAreUnique() throws Exception {
        for (int i = 0; i < 4 * MAX_SIZE; i++) {
            harness.processElement(request("r" + i), 0);
        }
        List<String> ids = batches().stream().map(Batch::getBatchId).collect(Collectors.toList());
        assertThat(ids).hasSize(4).doesNotHaveDuplicates();
    }

    @Test
    void aQuietLaneClosesAWindowAsSoonAsItOpens() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<Integer, AdmittedRequest, Batch> adaptive =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                new BatchRequestsFunction(
                                        new Batching(MAX_SIZE, MAX_WAIT, 1, 0.5))),
                        new BatchLaneSelector(1, 1, 128),
                        Types.INT)) {
            adaptive.open();
            adaptive.setProcessingTime(1_000);
            adaptive.processElement(request("r1"), 0); // nothing known about the lane: waits
            assertThat(adaptive.extractOutputValues()).isEmpty();
            adaptive.setProcessingTime(1_050);

            adaptive.setProcessingTime(3_000); // 2 s after r1: nobody will join within 50 ms
            adaptive.processElement(request("r2"), 0);

            assertThat(adaptive.extractOutputValues())
                    .extracting(BatchRequestsFunctionTest::ids)
                    .containsExactly(List.of("r1"), List.of("r2"));
            assertThat(adaptive.numKeyedStateEntries()).isZero();
            assertThat(adaptive.numProcessingTimeTimers()).isZero();
            assertThat(adaptive.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aBurstAfterASilenceIsBatchedAgainWithinAFewRequests() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<Integer, AdmittedRequest, Batch> adaptive =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                new BatchRequestsFunction(new Batching(8, MAX_WAIT, 1, 0.5))),
                        new BatchLaneSelector(1, 1, 128),
                        Types.INT)) {
            adaptive.open();
            long now = 1_000;
            for (int i = 0; i < 10; i++) { // quiet: a request a second
                adaptive.setProcessingTime(now += 1_000);
                adaptive.processElement(request("quiet" + i), 0);
            }
            adaptive.setProcessingTime(now += 60); // past the first window's wait
            int quietBatches = adaptive.extractOutputValues().size();
            now += 11_000; // silence, then a burst of 30 requests 5 ms apart
            for (int i = 0; i < 30; i++) {
                adaptive.setProcessingTime(now += 5);
                adaptive.processElement(request("burst" + i), 0);
            }
            adaptive.setProcessingTime(now + MAX_WAIT.toMillis());

            List<Batch> burst =
                    adaptive.extractOutputValues()
                            .subList(quietBatches, adaptive.extractOutputValues().size());
            long singles = burst.stream().filter(b -> b.getRequests().size() == 1).count();
            assertThat(quietBatches).isEqualTo(10);
            assertThat(singles).as("burst requests served alone").isLessThanOrEqualTo(5);
            assertThat(burst.stream().mapToInt(b -> b.getRequests().size()).sum()).isEqualTo(30);
        }
    }

    private void assertNoLeftovers() {
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    private List<Batch> batches() {
        return harness.extractOutputValues();
    }

    private static List<String> ids(Batch batch) {
        return batch.getRequests().stream()
                .map(r -> r.getRequest().getRequestId())
                .collect(Collectors.toList());
    }

    private static AdmittedRequest request(String id) {
        return AdmittedRequest.newBuilder()
                .setRequest(Requests.greedy(id, "Hi", 4))
                .setPromptTokenIds(List.of(72, 105))
                .setArrivalTime(Instant.ofEpochMilli(1_000))
                .build();
    }
}
