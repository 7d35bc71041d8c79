package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.speculative.AcceptanceStats;
import org.junit.jupiter.api.Test;

class GenerateAsyncFunctionTest {

    @Test
    void recoversEachRoundsSpeculationLengthFromDraftedCountsPerPosition() {
        // five rounds of γ 4, then one of 2 and one of 1 (the last tokens before the length limit)
        AcceptanceStats stats =
                new AcceptanceStats(new long[] {7, 6, 5, 5}, new long[] {7, 6, 5, 5});

        assertThat(GenerateAsyncFunction.speculationLengths(stats, 7))
                .containsExactly(4, 4, 4, 4, 4, 2, 1);
    }

    @Test
    void aRoundWithOneTokenToGoDraftsNothing() {
        AcceptanceStats stats = new AcceptanceStats(new long[] {2, 2}, new long[] {2, 1});

        assertThat(GenerateAsyncFunction.speculationLengths(stats, 3)).containsExactly(2, 2, 0);
        assertThat(GenerateAsyncFunction.speculationLengths(AcceptanceStats.none(), 1))
                .containsExactly(0);
    }
}
