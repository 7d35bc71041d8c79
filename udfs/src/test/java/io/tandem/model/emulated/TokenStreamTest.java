package io.tandem.model.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.acceptance.PositionalAcceptance;
import org.junit.jupiter.api.Test;

class TokenStreamTest {

    @Test
    void theTargetsTokenDependsOnlyOnRequestAndPosition() {
        assertThat(TokenStream.target("r-1", 40)).isEqualTo(TokenStream.target("r-1", 40));
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (int p = 0; p < 200; p++) {
            a.append((char) TokenStream.target("r-1", p));
            b.append((char) TokenStream.target("r-2", p));
        }
        assertThat(a.toString()).isNotEqualTo(b.toString()).matches("[a-z ]+");
    }

    @Test
    void theDraftHitsTheTargetAtEachPositionsRate() {
        PositionalAcceptance rates = new PositionalAcceptance(new double[] {0.9, 0.6, 0.3});
        int[] hits = new int[4];
        int trials = 20_000;
        for (int t = 0; t < trials; t++) {
            String id = "req-" + t;
            for (int i = 1; i <= 4; i++) {
                int position = 100 + i;
                if (TokenStream.draft(id, position, i, rates) == TokenStream.target(id, position)) {
                    hits[i - 1]++;
                }
            }
        }
        assertThat(hits[0] / (double) trials).isCloseTo(0.9, within(0.01));
        assertThat(hits[1] / (double) trials).isCloseTo(0.6, within(0.015));
        assertThat(hits[2] / (double) trials).isCloseTo(0.3, within(0.015));
        // beyond the profile its last rate
        assertThat(hits[3] / (double) trials).isCloseTo(0.3, within(0.015));
    }

    @Test
    void aMissProposesAnotherToken() {
        PositionalAcceptance never = new PositionalAcceptance(new double[] {0});
        for (int p = 0; p < 500; p++) {
            assertThat(TokenStream.draft("r", p, 1, never))
                    .isNotEqualTo(TokenStream.target("r", p));
        }
    }
}
