package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.planner.BatchShape;
import io.tandem.planner.SpeculationLength;
import io.tandem.planner.acceptance.IidAcceptance;
import org.junit.jupiter.api.Test;

class RoundTransportTest {

    private static final StageCosts MODELS =
            new MeasuredStageCosts(
                    new StepFit(1e-4, 1e-5, 2e-5, 1e-8, 0, 0.05),
                    new StepFit(1e-3, 1e-4, 5e-4, 1e-7, 0, 0.05),
                    0);
    private static final BatchShape BATCH = new BatchShape(2, 60, 64);

    @Test
    void chargesTheTransportToEveryVerifyRoundAndNothingElse() {
        RoundTransport loop = new RoundTransport(MODELS, 0.002);

        assertThat(loop.verifyRound(BATCH, 4)).isEqualTo(MODELS.verifyRound(BATCH, 4) + 0.002);
        assertThat(loop.draftRound(BATCH, 4)).isEqualTo(MODELS.draftRound(BATCH, 4));
        assertThat(loop.draftPrefill(BATCH)).isEqualTo(MODELS.draftPrefill(BATCH));
        assertThat(loop.verifyPrefill(BATCH, 4)).isEqualTo(MODELS.verifyPrefill(BATCH, 4));
        assertThat(loop.targetStep(BATCH)).isEqualTo(MODELS.targetStep(BATCH));
    }

    @Test
    void aCostlierLoopMakesLongerSpeculationPay() {
        IidAcceptance acceptance = new IidAcceptance(0.7);

        int local = SpeculationLength.best(roundMillis(new RoundTransport(MODELS, 0)), acceptance);
        int remote =
                SpeculationLength.best(roundMillis(new RoundTransport(MODELS, 0.05)), acceptance);

        assertThat(remote).isGreaterThan(local);
    }

    @Test
    void refusesANegativeTransport() {
        assertThatThrownBy(() -> new RoundTransport(MODELS, -1e-3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-0.001");
    }

    private static double[] roundMillis(StageCosts costs) {
        double[] millis = new double[8];
        for (int l = 1; l <= 8; l++) {
            millis[l - 1] = 1000 * (costs.draftRound(BATCH, l) + costs.verifyRound(BATCH, l));
        }
        return millis;
    }
}
