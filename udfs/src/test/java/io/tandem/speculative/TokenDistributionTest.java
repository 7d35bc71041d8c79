package io.tandem.speculative;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class TokenDistributionTest {

    private static final float[] LOGITS = {
        (float) Math.log(0.5),
        (float) Math.log(0.25),
        (float) Math.log(0.125),
        (float) Math.log(0.0625),
        (float) Math.log(0.0625)
    };

    @Test
    void keepsOnlyTokensWithPositiveProbabilityInIdOrder() {
        TokenDistribution nucleus = TokenDistribution.fromLogits(LOGITS, 0, 5, 1, 0.8);

        assertThat(nucleus.tokens()).containsExactly(0, 1, 2);
        assertThat(nucleus.size()).isEqualTo(3);
        assertThat(nucleus.probability(1)).isCloseTo(2 / 7.0, offset(1e-7));
        assertThat(nucleus.probability(3)).isZero();
        assertThat(nucleus.probability(99)).isZero();
    }

    @Test
    void zeroTemperatureIsCertainOfTheArgmaxWithTiesToTheLowestId() {
        float[] tied = {1f, 7f, 7f, -3f};

        assertThat(TokenDistribution.fromLogits(tied, 0, 4, 0, 0.5))
                .isEqualTo(TokenDistribution.certain(1));
        assertThat(TokenDistribution.argmax(tied, 2, 2)).isEqualTo(0);
        assertThat(TokenDistribution.certain(4).probability(4)).isEqualTo(1.0);
    }

    @Test
    void samplesByInverseCumulativeProbabilityInIdOrder() {
        TokenDistribution distribution =
                TokenDistribution.of(new int[] {2, 5, 9}, new float[] {0.5f, 0.25f, 0.25f});

        assertThat(distribution.sample(0)).isEqualTo(2);
        assertThat(distribution.sample(0.4999)).isEqualTo(2);
        assertThat(distribution.sample(0.5)).isEqualTo(5);
        assertThat(distribution.sample(0.75)).isEqualTo(9);
        assertThat(distribution.sample(Math.nextDown(1.0))).isEqualTo(9);
    }

    @Test
    void normalisesWeightsByTheirSum() {
        TokenDistribution distribution =
                TokenDistribution.of(new int[] {0, 1}, new float[] {3f, 1f});

        assertThat(distribution.probability(0)).isEqualTo(0.75);
        assertThat(distribution.sample(0.74)).isEqualTo(0);
        assertThat(distribution.sample(0.76)).isEqualTo(1);
    }

    @Test
    void residualSamplingDrawsFromThePositivePartOfTheDifference() {
        TokenDistribution p =
                TokenDistribution.of(new int[] {0, 1, 2}, new float[] {0.5f, 0.3f, 0.2f});
        TokenDistribution q = TokenDistribution.of(new int[] {0, 3}, new float[] {0.8f, 0.2f});
        // max(0, p - q) = {1: 0.3, 2: 0.2}: normalised 0.6 and 0.4

        assertThat(p.sampleResidual(q, 0)).isEqualTo(1);
        assertThat(p.sampleResidual(q, 0.59)).isEqualTo(1);
        assertThat(p.sampleResidual(q, 0.61)).isEqualTo(2);
        assertThat(p.sampleResidual(p, 0.61)).isEqualTo(p.sample(0.61));
    }

    @Test
    void rejectsMalformedSupports() {
        assertThatThrownBy(() -> TokenDistribution.of(new int[] {2, 1}, new float[] {1f, 1f}))
                .hasMessageContaining("ascending");
        assertThatThrownBy(() -> TokenDistribution.of(new int[] {1}, new float[] {0f}))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> TokenDistribution.of(new int[0], new float[0]))
                .hasMessageContaining("at least one token");
        assertThatThrownBy(() -> TokenDistribution.certain(-1)).hasMessageContaining("-1");
    }

    @Test
    void copiesItsArraysAndComparesByValue() {
        int[] tokens = {1, 2};
        float[] weights = {0.5f, 0.5f};
        TokenDistribution distribution = TokenDistribution.of(tokens, weights);
        tokens[0] = 0;
        distribution.weights()[0] = 9f;

        assertThat(distribution.tokens()).containsExactly(1, 2);
        assertThat(distribution)
                .isEqualTo(TokenDistribution.of(new int[] {1, 2}, new float[] {0.5f, 0.5f}))
                .hasSameHashCodeAs(
                        TokenDistribution.of(new int[] {1, 2}, new float[] {0.5f, 0.5f}));
    }
}
