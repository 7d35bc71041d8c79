package io.tandem.planner.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AcceptanceFitTest {

    @Test
    void alphaFromTokensPerRoundInvertsTheIidModel() {
        for (double alpha : new double[] {0.05, 0.3, 0.6, 0.8, 0.97}) {
            for (int l = 1; l <= 8; l++) {
                double tokens = new IidAcceptance(alpha).tokensPerRound(l);
                assertThat(AcceptanceFit.alphaFromTokensPerRound(tokens, l))
                        .as("alpha %s at l %d", alpha, l)
                        .isCloseTo(alpha, within(1e-9));
            }
        }
    }

    @Test
    void alphaFromTheTokensPerRoundOfAlphaPointEightAtFourIsPointEight() {
        assertThat(AcceptanceFit.alphaFromTokensPerRound(3.3616, 4)).isCloseTo(0.8, within(1e-12));
    }

    @Test
    void meansOutsideTheModelsRangeClampToZeroOrOne() {
        assertThat(AcceptanceFit.alphaFromTokensPerRound(0.9, 3)).isZero();
        assertThat(AcceptanceFit.alphaFromTokensPerRound(1, 3)).isZero();
        assertThat(AcceptanceFit.alphaFromTokensPerRound(4, 3)).isEqualTo(1);
        assertThat(AcceptanceFit.alphaFromTokensPerRound(4.2, 3)).isEqualTo(1);
    }

    @Test
    void alphaNeedsAtLeastOneDraft() {
        assertThatThrownBy(() -> AcceptanceFit.alphaFromTokensPerRound(1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("l >= 1");
        assertThatThrownBy(() -> AcceptanceFit.alphaFromTokensPerRound(Double.NaN, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countsOfFixedLengthRoundsGiveRatiosOfSuccessiveAcceptances() {
        PositionalAcceptance fit =
                AcceptanceFit.fromCounts(new long[] {1000, 1000, 1000}, new long[] {900, 630, 315});

        assertThat(fit.alphas()[0]).isCloseTo(0.9, within(1e-15));
        assertThat(fit.alphas()[1]).isCloseTo(0.7, within(1e-15));
        assertThat(fit.alphas()[2]).isCloseTo(0.5, within(1e-15));
    }

    @Test
    void countsOfMixedLengthRoundsChargeAPositionOnlyToRoundsThatDraftedIt() {
        // 1000 rounds at l = 1 and 1000 at l = 2, true rates 0.8 then 0.5: position 2 was
        // drafted by 1000 rounds and accepted in 1000 · 0.8 · 0.5 of them
        PositionalAcceptance fit =
                AcceptanceFit.fromCounts(new long[] {2000, 1000}, new long[] {1600, 400});

        assertThat(fit.alphas()).containsExactly(0.8, 0.5);
    }

    @Test
    void uninformativePositionsCarryThePreviousRateForward() {
        PositionalAcceptance neverReached =
                AcceptanceFit.fromCounts(new long[] {100, 100, 100}, new long[] {0, 0, 0});
        PositionalAcceptance neverDrafted =
                AcceptanceFit.fromCounts(new long[] {100, 0, 0}, new long[] {60, 0, 0});

        assertThat(neverReached.alphas()).containsExactly(0.0, 0.0, 0.0);
        assertThat(neverDrafted.alphas()).containsExactly(0.6, 0.6, 0.6);
    }

    @Test
    void noisyRatiosAboveOneAreClampedToOne() {
        PositionalAcceptance fit =
                AcceptanceFit.fromCounts(new long[] {100, 50}, new long[] {50, 30});

        assertThat(fit.alphas()).containsExactly(0.5, 1.0);
    }

    @Test
    void fittedProfileRoundTripsThroughExpectedCounts() {
        PositionalAcceptance truth = new PositionalAcceptance(new double[] {0.95, 0.8, 0.6, 0.4});
        long rounds = 1L << 20;
        long[] drafted = new long[4];
        long[] accepted = new long[4];
        double survival = 1;
        for (int i = 0; i < 4; i++) {
            survival *= truth.alpha(i + 1);
            drafted[i] = rounds;
            accepted[i] = Math.round(rounds * survival);
        }

        PositionalAcceptance fit = AcceptanceFit.fromCounts(drafted, accepted);

        for (int l = 0; l <= 6; l++) {
            assertThat(fit.tokensPerRound(l)).isCloseTo(truth.tokensPerRound(l), within(1e-5));
        }
    }

    @Test
    void rejectsInconsistentCounts() {
        assertThatThrownBy(() -> AcceptanceFit.fromCounts(new long[] {10}, new long[] {11}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("position 1");
        assertThatThrownBy(() -> AcceptanceFit.fromCounts(new long[] {10, 10}, new long[] {5}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same");
        assertThatThrownBy(() -> AcceptanceFit.fromCounts(new long[] {0, 0}, new long[] {0, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nothing to fit");
    }
}
