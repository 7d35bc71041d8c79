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

        assertThat(GenerateAsyncFunction.speculationLengths(stats))
                .containsExactly(4, 4, 4, 4, 4, 2, 1);
    }

    @Test
    void autoregressiveGenerationHasNoSpeculationLengths() {
        assertThat(GenerateAsyncFunction.speculationLengths(AcceptanceStats.none())).isEmpty();
    }
}
