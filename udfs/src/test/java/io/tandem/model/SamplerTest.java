package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.tandem.speculative.TokenDistribution;
import org.junit.jupiter.api.Test;

class SamplerTest {

    /** Probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 at temperature 1. */
    private static final float[] LOGITS = {
        (float) Math.log(0.5),
        (float) Math.log(0.25),
        (float) Math.log(0.125),
        (float) Math.log(0.0625),
        (float) Math.log(0.0625)
    };

    @Test
    void greedyPicksTheArgmaxAndTheLowestIdOnTies() {
        Sampler greedy = new Sampler(SamplingConfig.greedy());

        assertThat(greedy.sample(new float[] {0.1f, 3f, -2f, 2.9f}, 0, 4, 0)).isEqualTo(1);
        assertThat(greedy.sample(new float[] {9f, 9f, 1f, 5f, 5f, 2f}, 2, 4, 7)).isEqualTo(1);
        assertThat(greedy.distribution(new float[] {9f, 9f, 1f, 5f, 5f, 2f}, 2, 4))
                .isEqualTo(TokenDistribution.certain(1));
    }

    @Test
    void temperatureOneSamplesTheSoftmax() {
        double[] p = dense(new SamplingConfig(1, 1, 0));

        assertThat(p)
                .containsExactly(new double[] {0.5, 0.25, 0.125, 0.0625, 0.0625}, offset(1e-6));
    }

    @Test
    void temperatureSharpensOrFlattensTheDistribution() {
        double[] cold = dense(new SamplingConfig(0.5, 1, 0));
        double[] hot = dense(new SamplingConfig(2, 1, 0));

        // p_i ∝ p_i^(1/T): squares at T = 0.5, square roots at T = 2
        double squares = 0.25 + 0.0625 + 0.015625 + 2 * 0.00390625;
        assertThat(cold[0]).isCloseTo(0.25 / squares, offset(1e-6));
        double roots = Math.sqrt(0.5) + 0.5 + Math.sqrt(0.125) + 2 * 0.25;
        assertThat(hot[4]).isCloseTo(0.25 / roots, offset(1e-6));
    }

    @Test
    void topPKeepsTheSmallestSetThatReachesP() {
        assertThat(nucleus(0.45)).containsExactly(new double[] {1, 0, 0, 0, 0}, offset(1e-6));
        assertThat(nucleus(0.6))
                .containsExactly(new double[] {2 / 3.0, 1 / 3.0, 0, 0, 0}, offset(1e-6));
        assertThat(nucleus(0.8))
                .containsExactly(new double[] {4 / 7.0, 2 / 7.0, 1 / 7.0, 0, 0}, offset(1e-6));
        // the two tied tokens: the lower id joins first
        assertThat(nucleus(0.9))
                .containsExactly(
                        new double[] {8 / 15.0, 4 / 15.0, 2 / 15.0, 1 / 15.0, 0}, offset(1e-6));
        assertThat(nucleus(1))
                .containsExactly(new double[] {0.5, 0.25, 0.125, 0.0625, 0.0625}, offset(1e-6));
    }

    @Test
    void drawsFollowTheDistribution() {
        // chi-squared goodness of fit, 4 degrees of freedom: 18.47 is the p = 0.001 critical value
        Sampler sampler = new Sampler(new SamplingConfig(1, 1, 42));
        int draws = 20_000;
        int[] counts = new int[5];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(LOGITS, 0, 5, i)]++;
        }
        double[] p = {0.5, 0.25, 0.125, 0.0625, 0.0625};
        double chiSquared = 0;
        for (int token = 0; token < 5; token++) {
            double expected = draws * p[token];
            chiSquared += (counts[token] - expected) * (counts[token] - expected) / expected;
        }

        assertThat(chiSquared).isLessThan(18.47);
    }

    @Test
    void theSameSeedDrawsTheSameTokens() {
        Sampler first = new Sampler(new SamplingConfig(0.8, 0.95, 7));
        Sampler second = new Sampler(new SamplingConfig(0.8, 0.95, 7));
        Sampler other = new Sampler(new SamplingConfig(0.8, 0.95, 8));
        int[] a = new int[50];
        int[] b = new int[50];
        int[] c = new int[50];
        for (int i = 0; i < 50; i++) {
            a[i] = first.sample(LOGITS, 0, 5, i);
            b[i] = second.sample(LOGITS, 0, 5, i);
            c[i] = other.sample(LOGITS, 0, 5, i);
        }

        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void samplingConfigRejectsValuesOutOfRange() {
        assertThatThrownBy(() -> new SamplingConfig(-1, 1, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingConfig(Double.NaN, 1, 0))
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingConfig(1, 0, 0))
                .hasMessageContaining("topP must be in (0, 1]");
        assertThatThrownBy(() -> new SamplingConfig(1, 1.5, 0))
                .hasMessageContaining("topP must be in (0, 1]");
        assertThat(SamplingConfig.greedy().isGreedy()).isTrue();
        assertThat(new SamplingConfig(0.7, 1, 0).isGreedy()).isFalse();
    }

    @Test
    void aDrawDependsOnlyOnTheSeedAndThePosition() {
        Sampler sampler = new Sampler(new SamplingConfig(1, 1, 11));
        int[] forward = new int[40];
        for (int position = 0; position < 40; position++) {
            forward[position] = sampler.sample(LOGITS, 0, 5, position);
        }

        for (int position = 39; position >= 0; position--) {
            assertThat(new Sampler(new SamplingConfig(1, 1, 11)).sample(LOGITS, 0, 5, position))
                    .isEqualTo(forward[position]);
        }
    }

    private static double[] nucleus(double topP) {
        return dense(new SamplingConfig(1, topP, 0));
    }

    /** The sampler's distribution over {@link #LOGITS} as one probability per token id. */
    private static double[] dense(SamplingConfig config) {
        TokenDistribution distribution = new Sampler(config).distribution(LOGITS, 0, 5);
        double[] p = new double[5];
        for (int token = 0; token < 5; token++) {
            p[token] = distribution.probability(token);
        }
        return p;
    }
}
