package io.tandem.planner.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AcceptanceSamplerTest {

    private static final long SEED = 20251011L;
    private static final int ROUNDS = 200_000;

    /** χ² quantile at p = 0.999 for 4 degrees of freedom (5 outcomes at l = 4). */
    private static final double CHI_SQUARED_999_DF4 = 18.467;

    @Test
    void iidRoundsFollowTheTruncatedGeometricLaw() {
        double a = 0.8;
        double[] expected = {
            1 - a, a * (1 - a), a * a * (1 - a), a * a * a * (1 - a), a * a * a * a
        };

        assertFollows(new IidAcceptance(a), expected);
    }

    @Test
    void positionalRoundsFollowSequentialBernoulliTrials() {
        // rates 0.9, 0.7, 0.5 and the last repeated at position 4
        double[] expected = {0.1, 0.9 * 0.3, 0.63 * 0.5, 0.315 * 0.5, 0.315 * 0.5};

        assertFollows(new PositionalAcceptance(new double[] {0.9, 0.7, 0.5}), expected);
    }

    @Test
    void otherModelsFollowTheLawImpliedByTheirTokensPerRound() {
        Acceptance viaTokensOnly = l -> new IidAcceptance(0.6).tokensPerRound(l);
        double a = 0.6;
        double[] expected = {
            1 - a, a * (1 - a), a * a * (1 - a), a * a * a * (1 - a), a * a * a * a
        };

        assertFollows(viaTokensOnly, expected);
    }

    @Test
    void meanTokensPerRoundConvergeToTheModel() {
        Acceptance acceptance = new PositionalAcceptance(new double[] {0.95, 0.85, 0.7});
        AcceptanceSampler sampler = new AcceptanceSampler(acceptance);
        SplittableRandom random = new SplittableRandom(SEED);
        long tokens = 0;
        for (int i = 0; i < ROUNDS; i++) {
            tokens += sampler.acceptedDrafts(6, random) + 1;
        }

        assertThat((double) tokens / ROUNDS).isCloseTo(acceptance.tokensPerRound(6), within(0.02));
    }

    @Test
    void certainOutcomesNeedNoLuck() {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < 1000; i++) {
            assertThat(new AcceptanceSampler(new IidAcceptance(1)).acceptedDrafts(5, random))
                    .isEqualTo(5);
            assertThat(new AcceptanceSampler(new IidAcceptance(0)).acceptedDrafts(5, random))
                    .isZero();
            assertThat(new AcceptanceSampler(new IidAcceptance(0.7)).acceptedDrafts(0, random))
                    .isZero();
        }
    }

    @Test
    void everyRoundConsumesOneUniformWhateverItsOutcome() {
        SplittableRandom low = new SplittableRandom(SEED);
        SplittableRandom high = new SplittableRandom(SEED);
        for (int i = 0; i < 100; i++) {
            new AcceptanceSampler(new IidAcceptance(0.1)).acceptedDrafts(8, low);
            new AcceptanceSampler(new PositionalAcceptance(new double[] {0.99}))
                    .acceptedDrafts(3, high);
        }

        assertThat(low.nextLong()).isEqualTo(high.nextLong());
    }

    @Test
    void rejectsNegativeSpeculationLength() {
        assertThatThrownBy(
                        () ->
                                new AcceptanceSampler(new IidAcceptance(0.5))
                                        .acceptedDrafts(-1, new SplittableRandom(SEED)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    private static void assertFollows(Acceptance acceptance, double[] expected) {
        int l = expected.length - 1;
        AcceptanceSampler sampler = new AcceptanceSampler(acceptance);
        SplittableRandom random = new SplittableRandom(SEED);
        long[] observed = new long[expected.length];
        for (int i = 0; i < ROUNDS; i++) {
            observed[sampler.acceptedDrafts(l, random)]++;
        }
        double chiSquared = 0;
        for (int j = 0; j < expected.length; j++) {
            double e = ROUNDS * expected[j];
            chiSquared += (observed[j] - e) * (observed[j] - e) / e;
        }
        assertThat(chiSquared)
                .as("chi-squared of %s (seed %d)", Arrays.toString(observed), SEED)
                .isLessThan(CHI_SQUARED_999_DF4);
    }
}
