package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StepProfileTest {

    private static final long SEED = 7L;

    /**
     * A CPU-like model: 0.2 ms overhead, tiny per-sequence cost, attention visible at 512, small
     * passes dearer per token.
     */
    private static final StepFit TRUTH = new StepFit(0.2, 0.01, 0.05, 2e-4, 0.1, 0);

    @Test
    void fitRecoversTheCoefficientsOfExactSamples() {
        StepFit fit = new StepProfile("synthetic", benchGrid(TRUTH, 0)).fit();

        assertThat(fit.fixedMillis()).isCloseTo(0.2, within(1e-10));
        assertThat(fit.perSequenceMillis()).isCloseTo(0.01, within(1e-10));
        assertThat(fit.perTokenMillis()).isCloseTo(0.05, within(1e-10));
        assertThat(fit.perAttentionMillis()).isCloseTo(2e-4, within(1e-12));
        assertThat(fit.perLogTokensMillis()).isCloseTo(0.1, within(1e-10));
        assertThat(fit.maxRelativeError()).isLessThan(1e-9);
    }

    @Test
    void fitOfNoisySamplesStaysCloseAndReportsItsError() {
        StepFit fit = new StepProfile("noisy", benchGrid(TRUTH, 0.03)).fit();

        assertThat(fit.fixedMillis()).isCloseTo(0.2, within(0.03));
        assertThat(fit.perTokenMillis()).isCloseTo(0.05, within(0.005));
        assertThat(fit.perAttentionMillis()).isCloseTo(2e-4, within(2e-5));
        assertThat(fit.maxRelativeError()).isBetween(0.01, 0.15);
        assertThat(fit.millis(8, 1, 256)).isCloseTo(TRUTH.millis(8, 1, 256), within(0.05));
    }

    @Test
    void fitNeverReturnsANegativeCoefficient() {
        // t = 1 + 0.5·b·q − 0.05·b: unconstrained least squares would make c1 negative
        List<StepSample> samples = new ArrayList<>();
        for (int b : new int[] {1, 2, 4, 8, 16}) {
            for (int q : new int[] {1, 4, 16}) {
                samples.add(new StepSample(b, q, 0, 1 + 0.5 * b * q - 0.05 * b));
            }
        }

        StepFit fit = new StepProfile("concave", samples).fit();

        assertThat(fit.perSequenceMillis()).isZero();
        assertThat(fit.fixedMillis()).isPositive();
        assertThat(fit.perTokenMillis()).isPositive();
        assertThat(fit.perAttentionMillis()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void decodeOnlyProfilesStillFitThoughBatchAndTokenTermsCoincide() {
        // newTokens is always 1, so c1 and c2 multiply the same column: only their sum is known
        List<StepSample> samples = new ArrayList<>();
        for (int b : new int[] {1, 2, 4, 8}) {
            for (int s : new int[] {32, 128, 512}) {
                samples.add(new StepSample(b, 1, s, TRUTH.millis(b, 1, s)));
            }
        }

        StepFit fit = new StepProfile("decode only", samples).fit();

        assertThat(fit.perSequenceMillis() + fit.perTokenMillis()).isCloseTo(0.06, within(1e-10));
        assertThat(fit.maxRelativeError()).isLessThan(1e-9);
    }

    @Test
    void secondsAreMillisOverAThousand() {
        assertThat(TRUTH.seconds(4, 5, 300)).isEqualTo(TRUTH.millis(4, 5, 300) / 1000);
        assertThat(TRUTH.millis(4, 5, 300))
                .isCloseTo(0.2 + 0.04 + 1.0 + 1.2 + 0.1 * Math.log(20), within(1e-12));
    }

    @Test
    void rejectsEmptyProfilesAndImpossibleSamples() {
        assertThatThrownBy(() -> new StepProfile("none", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none");
        assertThatThrownBy(() -> new StepSample(1, 1, 10, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StepFit(-1, 0, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The grid {@code ./tandem bench models} measures: batch at context 64, context at batch 1,
     * prefills at batch 1; times scaled by {@code 1 + noise·N(0, 1)} under a fixed seed.
     */
    private static List<StepSample> benchGrid(StepFit truth, double noise) {
        SplittableRandom random = new SplittableRandom(SEED);
        List<StepSample> samples = new ArrayList<>();
        for (int b : new int[] {1, 2, 4, 8, 16}) {
            samples.add(sample(truth, b, 1, 64, noise, random));
        }
        for (int s : new int[] {32, 64, 128, 256, 512}) {
            samples.add(sample(truth, 1, 1, s, noise, random));
        }
        for (int p : new int[] {16, 64, 256, 480}) {
            samples.add(sample(truth, 1, p, p / 2.0, noise, random));
        }
        return samples;
    }

    private static StepSample sample(
            StepFit truth, int b, int q, double s, double noise, SplittableRandom random) {
        double factor = 1 + noise * gaussian(random);
        return new StepSample(b, q, s, truth.millis(b, q, s) * factor);
    }

    /** Box–Muller, so the test depends on nothing but the seed. */
    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
