package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.speculative.AcceptanceStats;
import io.tandem.speculative.Verification;
import org.junit.jupiter.api.Test;

class AcceptanceTrackerTest {

    // a round costs 10 ms to verify plus 1 ms per drafted token
    private static final double[] ROUNDS = {11, 12, 13, 14, 15, 16, 17, 18};

    @Test
    void startsFromThePlannersAlpha() {
        AcceptanceTracker tracker = new AcceptanceTracker(8);
        tracker.assume(0.8, 20);

        assertThat(tracker.estimate().tokensPerRound(1)).isCloseTo(1.8, within(1e-9));
    }

    @Test
    void theChosenLengthFallsWhenTheDraftStopsBeingAcceptedAndRecoversAfter() {
        AcceptanceTracker tracker = new AcceptanceTracker(4);
        tracker.assume(0.85, 20);
        int planned = tracker.choose(ROUNDS);

        // each batch drafts the length the tracker chose, as the generation operator does
        int afterRejections = serve(tracker, 8, false);
        int afterAcceptance = serve(tracker, 8, true);

        assertThat(planned).isGreaterThanOrEqualTo(4);
        assertThat(afterRejections).isEqualTo(1);
        assertThat(afterAcceptance).isEqualTo(ROUNDS.length);
    }

    @Test
    void growsTheLengthWhenThePairDoesBetterThanTheProfileSays() {
        AcceptanceTracker tracker = new AcceptanceTracker(32);
        tracker.assume(0.5, 20);
        int planned = tracker.choose(ROUNDS);

        int measured = serve(tracker, 16, true);

        assertThat(planned).isLessThan(4);
        assertThat(measured).isEqualTo(ROUNDS.length);
    }

    /**
     * {@code batches} batches of 50 rounds, each drafting the length the tracker chooses and
     * accepting all or none of it; returns the length chosen after them.
     */
    private static int serve(AcceptanceTracker tracker, int batches, boolean acceptAll) {
        for (int batch = 0; batch < batches; batch++) {
            int l = tracker.choose(ROUNDS);
            tracker.record(rounds(50, l, acceptAll ? l : 0));
        }
        return tracker.choose(ROUNDS);
    }

    @Test
    void ignoresBatchesThatDraftedNothing() {
        AcceptanceTracker tracker = new AcceptanceTracker(1);
        tracker.assume(0.5, 10);
        double before = tracker.estimate().tokensPerRound(4);

        tracker.record(AcceptanceStats.none());

        assertThat(tracker.estimate().tokensPerRound(4)).isEqualTo(before);
    }

    @Test
    void aBatchWithNoRoundsOfItsOwnGetsTheHeadsEstimate() {
        AcceptanceTracker tracker = new AcceptanceTracker(16);
        tracker.assume(0.6, 20);
        tracker.record(rounds(40, 4, 3));

        for (int l = 0; l <= 8; l++) {
            assertThat(tracker.estimateFor(AcceptanceStats.none(), 8).tokensPerRound(l))
                    .isCloseTo(tracker.estimate().tokensPerRound(l), within(1e-9));
        }
    }

    @Test
    void aBatchsOwnRoundsOutweighTheHeadsEstimateAsTheyAccumulate() {
        AcceptanceTracker tracker = new AcceptanceTracker(16);
        tracker.assume(0.8, 20);
        tracker.record(rounds(40, 8, 6));

        // a prompt the draft gets wrong: one draft in eight accepted
        double fewRounds = tracker.estimateFor(rounds(4, 8, 1), 8).tokensPerRound(8);
        double manyRounds = tracker.estimateFor(rounds(40, 8, 1), 8).tokensPerRound(8);
        // and one it gets right
        double good = tracker.estimateFor(rounds(40, 8, 8), 8).tokensPerRound(8);

        double head = tracker.estimate().tokensPerRound(8);
        assertThat(fewRounds).isLessThan(head);
        assertThat(manyRounds).isLessThan(fewRounds).isLessThan(head / 2);
        assertThat(good).isGreaterThan(head);
    }

    /** {@code count} rounds drafting {@code drafted} tokens each, accepting {@code accepted}. */
    private static AcceptanceStats rounds(int count, int drafted, int accepted) {
        AcceptanceStats stats = AcceptanceStats.none();
        for (int i = 0; i < count; i++) {
            stats = stats.plus(new Verification(drafted, accepted, 0));
        }
        return stats;
    }
}
