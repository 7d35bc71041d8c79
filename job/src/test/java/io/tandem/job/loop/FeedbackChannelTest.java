package io.tandem.job.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
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
    void theTailReachesItsOwnHeadOnly() {
        List<String> head0 = new ArrayList<>();
        List<String> head1 = new ArrayList<>();
        List<String> otherJob = new ArrayList<>();
        FeedbackChannel.openHead(JOB, LOOP, 0, 1, into(head0));
        FeedbackChannel.openHead(JOB, LOOP, 1, 1, into(head1));
        FeedbackChannel.openHead("job-2", LOOP, 0, 1, into(otherJob));

        FeedbackChannel.openTail(JOB, LOOP, 0).send(round("a"));
        FeedbackChannel.openTail(JOB, LOOP, 1).send(round("b"));

        assertThat(head0).containsExactly("a");
        assertThat(head1).containsExactly("b");
        assertThat(otherJob).isEmpty();
    }

    @Test
    void aTailThatOpensFirstFeedsTheHeadThatOpensAfterIt() {
        FeedbackChannel tail = FeedbackChannel.openTail(JOB, LOOP, 0);
        List<String> head = new ArrayList<>();
        FeedbackChannel.openHead(JOB, LOOP, 0, 7, into(head));

        tail.send(round("a"));
        tail.send(round("b"));

        assertThat(head).containsExactly("a", "b");
        assertThat(tail.epoch()).isEqualTo(7);
    }

    @Test
    void aRestartedHeadTakesTheRoundsFromThenOnAndTellsTheTailItsEpoch() {
        List<String> first = new ArrayList<>();
        FeedbackChannel.openHead(JOB, LOOP, 0, 1, into(first));
        FeedbackChannel tail = FeedbackChannel.openTail(JOB, LOOP, 0);
        tail.send(round("old"));

        List<String> second = new ArrayList<>();
        FeedbackChannel.openHead(JOB, LOOP, 0, 2, into(second));
        tail.send(round("new"));

        assertThat(tail.epoch()).isEqualTo(2);
        assertThat(first).containsExactly("old");
        assertThat(second).containsExactly("new");
    }

    @Test
    void aRoundSentWhenNoHeadIsOpenIsDropped() {
        FeedbackChannel tail = FeedbackChannel.openTail(JOB, LOOP, 0);
        tail.send(round("before"));
        List<String> head = new ArrayList<>();
        FeedbackChannel.openHead(JOB, LOOP, 0, 1, into(head));
        FeedbackChannel.close(JOB, LOOP, 0);
        tail.send(round("after"));

        assertThat(head).isEmpty();
    }

    @Test
    void closingTheHeadForgetsTheChannel() {
        FeedbackChannel before = FeedbackChannel.openHead(JOB, LOOP, 0, 1, round -> {});
        FeedbackChannel.close(JOB, LOOP, 0);

        assertThat(FeedbackChannel.openTail(JOB, LOOP, 0)).isNotSameAs(before);
    }

    private static Consumer<RoundBatch> into(List<String> batchIds) {
        return round -> batchIds.add(round.getBatchId());
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
