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
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop tail: rounds back to the head with their results delivered, earlier runs' dropped. */
class RoundFeedbackTest {

    private static final String LOOP = "test-loop";
    private static final String JOB = "tail-test";
    private static final long EPOCH = 42;

    private final List<RoundBatch> back = new ArrayList<>();
    private final SimpleCounter stale = new SimpleCounter();

    @AfterEach
    void closeChannel() {
        FeedbackChannel.close(JOB, LOOP, 0);
    }

    @Test
    void feedsTheRoundBackWithItsResultsDeliveredAndTheRoundsOverhead() {
        RoundFeedback.Writer tail = tail();

        tail.write(round(EPOCH, result("done-1")), null);

        assertThat(back)
                .singleElement()
                .satisfies(
                        b -> {
                            assertThat(b.getReleased()).containsExactly("done-1");
                            assertThat(b.getResults())
                                    .singleElement()
                                    .satisfies(
                                            r -> {
                                                assertThat(r.getLatency().getRoundOverheadMs())
                                                        .isPositive();
                                                assertThat(r.getLatency().getLoopMs())
                                                        .isGreaterThanOrEqualTo(10.0);
                                            });
                            assertThat(b.getReport().getForwardOverheadMs()).isPositive();
                            assertThat(b.getReport().getFeedbackNanos()).isPositive();
                        });
    }

    @Test
    void dropsARoundFromAnEarlierRunOfTheHead() {
        RoundFeedback.Writer tail = tail();

        tail.write(round(EPOCH - 1, result("replayed")), null);
        tail.write(round(EPOCH, result("current")), null);

        assertThat(back).extracting(RoundBatch::getEpoch).containsExactly(EPOCH);
        assertThat(stale.getCount()).isEqualTo(1);
    }

    /** Opens the head's end of the channel at {@link #EPOCH}, then the tail's. */
    private RoundFeedback.Writer tail() {
        FeedbackChannel.openHead(JOB, LOOP, 0, EPOCH, back::add);
        return new RoundFeedback.Writer(FeedbackChannel.openTail(JOB, LOOP, 0), stale);
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
