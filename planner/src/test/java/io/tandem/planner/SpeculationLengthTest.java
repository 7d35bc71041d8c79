package io.tandem.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.planner.acceptance.IidAcceptance;
import org.junit.jupiter.api.Test;

class SpeculationLengthTest {

    // a round costs a fixed 10 plus 1 per drafted token: drafting is cheap next to verifying
    private static final double[] ROUNDS = {11, 12, 13, 14, 15, 16, 17, 18};

    @Test
    void draftsLongerWhenMoreIsAccepted() {
        int low = SpeculationLength.best(ROUNDS, new IidAcceptance(0.3));
        int mid = SpeculationLength.best(ROUNDS, new IidAcceptance(0.7));
        int high = SpeculationLength.best(ROUNDS, new IidAcceptance(0.95));

        assertThat(low).isLessThan(mid);
        assertThat(mid).isLessThan(high);
        assertThat(high).isEqualTo(8);
    }

    @Test
    void matchesTheCheapestTokenByBruteForce() {
        IidAcceptance acceptance = new IidAcceptance(0.7);
        int best = SpeculationLength.best(ROUNDS, acceptance);

        for (int l = 1; l <= ROUNDS.length; l++) {
            assertThat(ROUNDS[best - 1] / acceptance.tokensPerRound(best))
                    .isLessThanOrEqualTo(ROUNDS[l - 1] / acceptance.tokensPerRound(l));
        }
    }

    @Test
    void takesTheShorterLengthOnATie() {
        // with nothing accepted every l yields one token, and equal round times tie everywhere
        assertThat(SpeculationLength.best(new double[] {5, 5, 5}, new IidAcceptance(0)))
                .isEqualTo(1);
    }
}
