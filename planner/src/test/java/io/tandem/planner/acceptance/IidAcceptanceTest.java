package io.tandem.planner.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class IidAcceptanceTest {

    @Test
    void tokensPerRoundMatchesTheClosedFormAtAlphaPointEight() {
        double[] expected = {1.8, 2.44, 2.952, 3.3616, 3.68928, 3.951424, 4.1611392, 4.32891136};
        IidAcceptance acceptance = new IidAcceptance(0.8);
        for (int l = 1; l <= 8; l++) {
            assertThat(acceptance.tokensPerRound(l)).isCloseTo(expected[l - 1], within(1e-12));
        }
    }

    @Test
    void roundsFor256TokensMatchTheReferenceInstance() {
        int[] expected = {143, 105, 87, 77, 70, 65, 62, 60};
        IidAcceptance acceptance = new IidAcceptance(0.8);
        for (int l = 1; l <= 8; l++) {
            assertThat(acceptance.rounds(l, 256)).as("N(%d)", l).isEqualTo(expected[l - 1]);
        }
    }

    @Test
    void alphaOneYieldsEveryDraftPlusOne() {
        for (int l = 0; l <= 8; l++) {
            assertThat(new IidAcceptance(1).tokensPerRound(l)).isEqualTo(l + 1);
        }
    }

    @Test
    void alphaJustBelowOneApproachesTheLimitContinuously() {
        assertThat(new IidAcceptance(1 - 1e-9).tokensPerRound(5)).isCloseTo(6, within(1e-6));
    }

    @Test
    void roundWithoutDraftsYieldsOneToken() {
        assertThat(new IidAcceptance(0.3).tokensPerRound(0)).isEqualTo(1);
        assertThat(new IidAcceptance(0).tokensPerRound(6)).isEqualTo(1);
    }

    @Test
    void rejectsAlphaOutsideTheUnitInterval() {
        assertThatThrownBy(() -> new IidAcceptance(1.01))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1.01");
        assertThatThrownBy(() -> new IidAcceptance(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
