package io.tandem.planner.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PositionalAcceptanceTest {

    @Test
    void constantProfileEqualsIidAcceptance() {
        for (double alpha : new double[] {0, 0.3, 0.8, 0.95, 1}) {
            PositionalAcceptance positional =
                    new PositionalAcceptance(new double[] {alpha, alpha, alpha});
            IidAcceptance iid = new IidAcceptance(alpha);
            for (int l = 0; l <= 10; l++) {
                assertThat(positional.tokensPerRound(l))
                        .as("alpha %s, l %d", alpha, l)
                        .isCloseTo(iid.tokensPerRound(l), within(1e-12));
                assertThat(positional.rounds(l, 256)).isEqualTo(iid.rounds(l, 256));
            }
        }
    }

    @Test
    void tokensPerRoundSumsProductsOfConditionalRates() {
        PositionalAcceptance acceptance = new PositionalAcceptance(new double[] {0.9, 0.7, 0.5});

        assertThat(acceptance.tokensPerRound(0)).isEqualTo(1);
        assertThat(acceptance.tokensPerRound(1)).isCloseTo(1.9, within(1e-15));
        assertThat(acceptance.tokensPerRound(2)).isCloseTo(1.9 + 0.63, within(1e-15));
        assertThat(acceptance.tokensPerRound(3)).isCloseTo(1.9 + 0.63 + 0.315, within(1e-15));
    }

    @Test
    void positionsBeyondTheProfileRepeatTheLastRate() {
        PositionalAcceptance acceptance = new PositionalAcceptance(new double[] {0.9, 0.5});

        assertThat(acceptance.alpha(2)).isEqualTo(0.5);
        assertThat(acceptance.alpha(7)).isEqualTo(0.5);
        assertThat(acceptance.tokensPerRound(4))
                .isCloseTo(1 + 0.9 + 0.45 + 0.225 + 0.1125, within(1e-15));
    }

    @Test
    void profileIsCopiedInAndOut() {
        double[] alphas = {0.9, 0.5};
        PositionalAcceptance acceptance = new PositionalAcceptance(alphas);
        alphas[0] = 0;
        acceptance.alphas()[1] = 0;

        assertThat(acceptance.alphas()).containsExactly(0.9, 0.5);
        assertThat(acceptance).isEqualTo(new PositionalAcceptance(new double[] {0.9, 0.5}));
        assertThat(acceptance.hashCode())
                .isEqualTo(new PositionalAcceptance(new double[] {0.9, 0.5}).hashCode());
        assertThat(acceptance.toString()).contains("0.9", "0.5");
    }

    @Test
    void rejectsEmptyProfilesAndRatesOutsideTheUnitInterval() {
        assertThatThrownBy(() -> new PositionalAcceptance(new double[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one");
        assertThatThrownBy(() -> new PositionalAcceptance(new double[] {0.5, 1.5}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("position 2");
        assertThatThrownBy(() -> new PositionalAcceptance(new double[] {0.5}).alpha(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PositionalAcceptance(new double[] {0.5}).tokensPerRound(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
