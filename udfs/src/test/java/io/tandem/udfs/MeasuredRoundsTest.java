package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.planner.GoodputLength;
import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.acceptance.IidAcceptance;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeasuredRoundsTest {

    private static final int MAX = 4;

    /** Prices that grow slowly with the length, as a memory-bound profile says. */
    private static GoodputLength.RoundCosts cheapDrafts() {
        double[] draft = new double[MAX + 1];
        double[] verify = new double[MAX + 1];
        for (int l = 0; l <= MAX; l++) {
            draft[l] = 0.1 * l;
            verify[l] = 10 + l;
        }
        return new GoodputLength.RoundCosts(draft, verify, 0, 0, 0, 1);
    }

    @Test
    void measuredTimesReplaceThePricesOfTheirBatchSizeOnly() {
        MeasuredRounds measured = new MeasuredRounds(MAX, 48);
        measured.record(16, 2, 3, 40);

        GoodputLength.RoundCosts corrected = measured.correct(16, cheapDrafts());
        assertThat(corrected.draftMillis()[2]).isEqualTo(3);
        assertThat(corrected.verifyMillis()[2]).isEqualTo(40);
        assertThat(corrected.verifyMillis()[3]).isEqualTo(13);
        // 12 to 22 share a group; 8 does not
        assertThat(measured.correct(12, cheapDrafts()).verifyMillis()[2]).isEqualTo(40);
        assertThat(measured.correct(8, cheapDrafts()).verifyMillis()[2]).isEqualTo(12);
    }

    @Test
    void neighboursAndPlainDecodingAreMeasuredWhenNeverSeenOrStale() {
        MeasuredRounds measured = new MeasuredRounds(MAX, 10);
        List<Integer> run = new ArrayList<>();
        for (int round = 0; round < 30; round++) {
            int length = measured.next(16, 3);
            run.add(length);
            measured.record(16, length, 1, 20);
        }
        // the three others first, then only when 10 rounds old
        assertThat(run.subList(0, 3)).containsExactlyInAnyOrder(2, 4, 0);
        assertThat(run.stream().filter(l -> l != 3).count()).isBetween(6L, 9L);
        assertThat(run.subList(3, 10)).containsOnly(3);
    }

    /**
     * A machine whose verify calls grow with the positions verified much faster than the prices
     * say: the rule, priced alone, drafts; with the rounds it runs measured, it settles on plain
     * decoding, which costs least per token here.
     */
    @Test
    void aComputeBoundMachineEndsUpDecodingPlainly() {
        MeasuredRounds measured = new MeasuredRounds(MAX, 48);
        Acceptance acceptance = new IidAcceptance(0.7);
        int priced = GoodputLength.best(cheapDrafts(), acceptance, 0);
        assertThat(priced).isPositive();

        int[] counts = new int[MAX + 1];
        for (int round = 0; round < 200; round++) {
            int length =
                    measured.next(
                            16,
                            GoodputLength.best(measured.correct(16, cheapDrafts()), acceptance, 0));
            counts[length]++;
            // true cost: each verified position costs as much as a plain round
            measured.record(16, length, 0.5 * length, 10.0 * (length + 1));
        }
        assertThat(counts[0]).isGreaterThan(170);
    }
}
