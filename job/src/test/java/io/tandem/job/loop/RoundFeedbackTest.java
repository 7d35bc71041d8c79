package io.tandem.job.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import io.tandem.schemas.Placement;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The loop tail: results out, the rest back to the head, earlier runs' rounds dropped. */
class RoundFeedbackTest {

    private static final String LOOP = "test-loop";
    private static final long EPOCH = 42;

    @Test
    void emitsTheFinishedAndFeedsTheRestBackWithTheRoundsOverhead() throws Exception {
        try (OneInputStreamOperatorTestHarness<RoundBatch, InferenceResult> harness = harness()) {
            List<RoundBatch> back = head(harness);
            RoundBatch round = round(EPOCH, result("done-1"));

            harness.processElement(round, 0);

            assertThat(harness.extractOutputValues())
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getRequestId()).isEqualTo("done-1");
                                assertThat(r.getLatency().getRoundOverheadMs()).isPositive();
                                assertThat(r.getLatency().getLoopMs()).isGreaterThanOrEqualTo(10.0);
                            });
            assertThat(back)
                    .singleElement()
                    .satisfies(
                            b -> {
                                assertThat(b.getReleased()).containsExactly("done-1");
                                assertThat(b.getResults()).isEmpty();
                                assertThat(b.getReport().getForwardOverheadMs()).isPositive();
                                assertThat(b.getReport().getFeedbackNanos()).isPositive();
                            });
        } finally {
            FeedbackChannel.close(jobId, LOOP, 0);
        }
    }

    @Test
    void dropsARoundFromAnEarlierRunOfTheHead() throws Exception {
        try (OneInputStreamOperatorTestHarness<RoundBatch, InferenceResult> harness = harness()) {
            List<RoundBatch> back = head(harness);

            harness.processElement(round(EPOCH - 1, result("replayed")), 0);
            harness.processElement(round(EPOCH, result("current")), 0);

            assertThat(harness.extractOutputValues())
                    .extracting(InferenceResult::getRequestId)
                    .containsExactly("current");
            assertThat(back).extracting(RoundBatch::getEpoch).containsExactly(EPOCH);
        } finally {
            FeedbackChannel.close(jobId, LOOP, 0);
        }
    }

    private String jobId;

    private OneInputStreamOperatorTestHarness<RoundBatch, InferenceResult> harness()
            throws Exception {
        OneInputStreamOperatorTestHarness<RoundBatch, InferenceResult> harness =
                new OneInputStreamOperatorTestHarness<>(
                        new StreamFlatMap<>(new RoundFeedback(LOOP)));
        jobId = harness.getEnvironment().getJobID().toString();
        return harness;
    }

    /**
     * Opens the head's end of the channel at {@link #EPOCH}, then the tail; returns what the head
     * receives.
     */
    private List<RoundBatch> head(
            OneInputStreamOperatorTestHarness<RoundBatch, InferenceResult> harness)
            throws Exception {
        List<RoundBatch> received = new ArrayList<>();
        FeedbackChannel.openHead(jobId, LOOP, 0, EPOCH, received::add);
        harness.open();
        return received;
    }

    private static RoundBatch round(long epoch, InferenceResult... results) {
        return RoundBatch.newBuilder()
                .setBatchId("b-" + epoch)
                .setClosedTime(Instant.EPOCH)
                .setBatchSize(results.length)
                .setMode("sd")
                .setLoopSubtask(0)
                .setEpoch(epoch)
                .setRound(3)
                .setSpeculationLength(4)
                .setSequences(List.of())
                .setResults(List.of(results))
                // sent 5 ms ago, of which 2 ms went to the models
                .setReport(
                        RoundReport.newBuilder()
                                .setHeadEmitNanos(System.nanoTime() - 5_000_000)
                                .setDraftMs(0.5)
                                .setVerifyMs(1.5)
                                .build())
                .build();
    }

    private static InferenceResult result(String id) {
        long completed = System.currentTimeMillis() - 10;
        return InferenceResult.newBuilder()
                .setRequestId(id)
                .setText("")
                .setFinishReason(FinishReason.LENGTH)
                .setPlacement(new Placement("tm-a", "tm-b"))
                .setLatency(LatencyBreakdown.newBuilder().setTotalMs(50).build())
                .setCompletedTime(Instant.ofEpochMilli(completed))
                .build();
    }
}
