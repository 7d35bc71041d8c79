package io.tandem.job.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The back edge's life: one channel per job, loop and subtask, renewed with each run of the head.
 */
class FeedbackChannelTest {

    private static final String JOB = "job-1";
    private static final String LOOP = "loop";

    @AfterEach
    void closeChannels() {
        FeedbackChannel.close(JOB, LOOP, 0);
        FeedbackChannel.close(JOB, LOOP, 1);
        FeedbackChannel.close("job-2", LOOP, 0);
    }

    @Test
    void theTailReachesItsOwnHeadOnly() throws Exception {
        FeedbackChannel head0 = FeedbackChannel.openHead(JOB, LOOP, 0, 1);
        FeedbackChannel head1 = FeedbackChannel.openHead(JOB, LOOP, 1, 1);
        FeedbackChannel otherJob = FeedbackChannel.openHead("job-2", LOOP, 0, 1);

        FeedbackChannel.openTail(JOB, LOOP, 0).send(round("a"));
        FeedbackChannel.openTail(JOB, LOOP, 1).send(round("b"));

        assertThat(takeAll(head0)).containsExactly("a");
        assertThat(takeAll(head1)).containsExactly("b");
        assertThat(otherJob).isNotSameAs(head0);
    }

    @Test
    void aTailThatOpensFirstFeedsTheHeadThatOpensAfterIt() throws Exception {
        FeedbackChannel tail = FeedbackChannel.openTail(JOB, LOOP, 0);
        FeedbackChannel head = FeedbackChannel.openHead(JOB, LOOP, 0, 7);

        tail.send(round("a"));
        tail.send(round("b"));

        assertThat(takeAll(head)).containsExactly("a", "b");
        assertThat(tail.epoch()).isEqualTo(7);
    }

    @Test
    void aRestartedHeadDropsWhatTheEarlierRunLeftAndTellsTheTailItsEpoch() throws Exception {
        FeedbackChannel first = FeedbackChannel.openHead(JOB, LOOP, 0, 1);
        FeedbackChannel tail = FeedbackChannel.openTail(JOB, LOOP, 0);
        tail.send(round("left-over"));

        FeedbackChannel second = FeedbackChannel.openHead(JOB, LOOP, 0, 2);
        tail.send(round("new"));

        assertThat(second).isSameAs(first);
        assertThat(tail.epoch()).isEqualTo(2);
        assertThat(takeAll(second)).containsExactly("new");
    }

    @Test
    void closingTheHeadForgetsTheChannel() {
        FeedbackChannel before = FeedbackChannel.openHead(JOB, LOOP, 0, 1);
        FeedbackChannel.close(JOB, LOOP, 0);

        assertThat(FeedbackChannel.openTail(JOB, LOOP, 0)).isNotSameAs(before);
    }

    private static List<String> takeAll(FeedbackChannel channel) throws InterruptedException {
        List<RoundBatch> rounds = new ArrayList<>();
        channel.takeAll(rounds);
        return rounds.stream().map(RoundBatch::getBatchId).toList();
    }

    private static RoundBatch round(String batchId) {
        return RoundBatch.newBuilder()
                .setBatchId(batchId)
                .setClosedTime(Instant.EPOCH)
                .setBatchSize(0)
                .setMode("ad")
                .setLoopSubtask(0)
                .setRound(0)
                .setSpeculationLength(0)
                .setSequences(List.of())
                .setReport(RoundReport.newBuilder().build())
                .build();
    }
}
