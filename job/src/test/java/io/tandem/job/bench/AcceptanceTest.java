package io.tandem.job.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AcceptanceTest {

    @Test
    void tokensPerRoundFollowsTheGeometricSeries() {
        assertThat(Acceptance.tokensPerRound(0, 4)).isEqualTo(1);
        assertThat(Acceptance.tokensPerRound(1, 4)).isEqualTo(5);
        // 1 + 0.5 + 0.25 + 0.125 + 0.0625
        assertThat(Acceptance.tokensPerRound(0.5, 4)).isCloseTo(1.9375, within(1e-12));
    }

    @Test
    void alphaInvertsTokensPerRound() {
        for (int gamma = 1; gamma <= 8; gamma++) {
            for (double alpha = 0.05; alpha < 1; alpha += 0.1) {
                double tokens = Acceptance.tokensPerRound(alpha, gamma);
                assertThat(Acceptance.alpha(tokens, gamma)).isCloseTo(alpha, within(1e-9));
            }
        }
    }

    @Test
    void alphaIsClampedToItsRange() {
        assertThat(Acceptance.alpha(0.5, 4)).isZero();
        assertThat(Acceptance.alpha(6, 4)).isEqualTo(1);
    }
}
