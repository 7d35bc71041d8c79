package io.tandem.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.planner.GoodputLength.RoundCosts;
import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.acceptance.IidAcceptance;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GoodputLengthTest {

    private static final int PLAIN = 8;
    private static final int L = 8;
    private static final Acceptance PAIR = new IidAcceptance(0.75);

    /**
     * A CPU: a verify pass costs 1 ms plus 0.3 ms per token, so a batch of one verifies 5 positions
     * for little more than it decodes 1, while a batch of 16 pays for every position it verifies.
     */
    private static RoundCosts cpu(int batch, double overhead, double draftWait, double verifyWait) {
        return costs(0.15, l -> 1 + 0.3 * batch * (l + 1), overhead, draftWait, verifyWait);
    }

    /** A memory-bound verifier (a GPU): verifying 9 positions costs little more than 1. */
    private static RoundCosts gpu(double overhead, double draftWait, double verifyWait) {
        return costs(1.5, l -> 20 + 0.3 * l, overhead, draftWait, verifyWait);
    }

    private static RoundCosts costs(
            double draftStep,
            java.util.function.IntToDoubleFunction verify,
            double overhead,
            double draftWait,
            double verifyWait) {
        double[] draft = new double[L + 1];
        double[] verifyMs = new double[L + 1];
        verifyMs[0] = PLAIN * verify.applyAsDouble(0);
        for (int l = 1; l <= L; l++) {
            draft[l] = l * draftStep;
            verifyMs[l] = verify.applyAsDouble(l);
        }
        return new RoundCosts(draft, verifyMs, overhead, draftWait, verifyWait, PLAIN);
    }

    @Test
    void matchesTheCheapestTokenByBruteForce() {
        for (RoundCosts costs :
                new RoundCosts[] {
                    cpu(1, 2, 0, 0),
                    cpu(8, 10, 0.5, 3),
                    gpu(2, 0, 0),
                    gpu(1, 0, 20),
                    cpu(1, 0, 4, 0)
                }) {
            int best = GoodputLength.best(costs, PAIR, 0);
            double cheapest =
                    IntStream.rangeClosed(0, L)
                            .mapToDouble(
                                    l ->
                                            costs.weighedMillis(l)
                                                    / GoodputLength.tokens(l, PAIR, PLAIN))
                            .min()
                            .orElseThrow();
            assertThat(GoodputLength.millisPerToken(best, costs, PAIR))
                    .isBetween(cheapest, cheapest * (1 + GoodputLength.NEAR_TIE));
            // nothing within the tie yields more tokens a trip
            for (int l = 1; l <= L; l++) {
                if (GoodputLength.millisPerToken(l, costs, PAIR)
                        <= cheapest * (1 + GoodputLength.NEAR_TIE)) {
                    assertThat(GoodputLength.tokens(l, PAIR, PLAIN))
                            .isLessThanOrEqualTo(GoodputLength.tokens(best, PAIR, PLAIN));
                }
            }
        }
    }

    @Test
    void fallsToPlainDecodingWhenAComputeBoundVerifierSaturates() {
        // under load the calls a batch joins grow and batches queue for the verifier
        int idle = GoodputLength.best(cpu(1, 0.5, 0, 0), PAIR, 0);
        int busy = GoodputLength.best(cpu(4, 0.5, 0, 1), PAIR, 0);
        int saturated = GoodputLength.best(cpu(16, 0.5, 0, 5), PAIR, 0);

        assertThat(idle).isPositive();
        assertThat(busy).isLessThanOrEqualTo(idle);
        assertThat(saturated).isZero();
    }

    @Test
    void risesAgainWhenTheVerifierIdles() {
        int saturated = GoodputLength.best(cpu(16, 0.5, 0, 5), PAIR, 0);
        int idle = GoodputLength.best(cpu(1, 0.5, 0, 0), PAIR, 0);

        assertThat(saturated).isZero();
        assertThat(idle).isGreaterThan(saturated);
    }

    @Test
    void aCostlyLoopTripFavoursPlainRoundsOfSeveralSteps() {
        // a plain round pays the trip once per 8 tokens, a speculative one per L(l)
        assertThat(GoodputLength.best(cpu(1, 0.5, 0, 0), PAIR, 0)).isPositive();
        assertThat(GoodputLength.best(cpu(1, 20, 0, 0), PAIR, 0)).isZero();
    }

    @Test
    void aMemoryBoundVerifierKeepsSpeculatingWhenSaturated() {
        // at saturation the rule maximises accepted tokens per unit of verify time: L(l) / V(l)
        int saturated = GoodputLength.best(gpu(1, 0, 1e6), PAIR, 0);
        int byVerifyTime =
                IntStream.rangeClosed(0, L)
                        .boxed()
                        .min(
                                (a, b) ->
                                        Double.compare(
                                                gpu(0, 0, 0).verifyMillis()[a]
                                                        / GoodputLength.tokens(a, PAIR, PLAIN),
                                                gpu(0, 0, 0).verifyMillis()[b]
                                                        / GoodputLength.tokens(b, PAIR, PLAIN)))
                        .orElseThrow();

        assertThat(saturated).isEqualTo(byVerifyTime).isPositive();
    }

    @Test
    void aBusyDrafterShortensTheDrafts() {
        int idle = GoodputLength.best(gpu(1, 0, 0), PAIR, 1);
        int busy = GoodputLength.best(gpu(1, 30, 0), PAIR, 1);

        assertThat(busy).isLessThan(idle);
    }

    @Test
    void anIdleLoopMakesTheDpsOwnChoiceAmongSpeculativeLengths() {
        RoundCosts costs = gpu(3, 0, 0);
        double[] rounds = new double[L];
        for (int l = 1; l <= L; l++) {
            rounds[l - 1] = costs.weighedMillis(l);
        }

        int dp = SpeculationLength.best(rounds, PAIR);
        int rule = GoodputLength.best(costs, PAIR, 1);

        // the DP's length, or a longer one priced within the near tie
        assertThat(rule).isGreaterThanOrEqualTo(dp);
        assertThat(GoodputLength.millisPerToken(rule, costs, PAIR))
                .isLessThanOrEqualTo(
                        GoodputLength.millisPerToken(dp, costs, PAIR)
                                * (1 + GoodputLength.NEAR_TIE));
    }

    @Test
    void refusesAMinimumOutsideThePricedLengths() {
        assertThatThrownBy(() -> GoodputLength.best(cpu(1, 1, 0, 0), PAIR, L + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> new RoundCosts(new double[] {0}, new double[] {1}, 0, -1, 0, PLAIN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
