package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.BatchShape;
import org.junit.jupiter.api.Test;

class MeasuredStageCostsTest {

    private static final StepFit DRAFT = new StepFit(0.1, 0.002, 0.004, 1e-6, 0, 0.05);
    private static final StepFit TARGET = new StepFit(0.5, 0.01, 0.08, 2e-5, 0, 0.05);
    private static final double TRANSFER = 1e-5;
    private static final MeasuredStageCosts COSTS = new MeasuredStageCosts(DRAFT, TARGET, TRANSFER);

    /** 4 sequences, prompts padded to 100, 60 output tokens: mean context 130. */
    private static final BatchShape BATCH = new BatchShape(4, 100, 60);

    @Test
    void draftRoundIsLSingleTokenSteps() {
        assertThat(COSTS.draftRound(BATCH, 3))
                .isCloseTo(3 * DRAFT.seconds(4, 1, 130), within(1e-15));
    }

    @Test
    void verifyRoundIsOnePassOverTheDraftsPlusOneAndTheirTransfer() {
        assertThat(COSTS.verifyRound(BATCH, 3))
                .isCloseTo(TARGET.seconds(4, 4, 130) + 4 * 3 * TRANSFER, within(1e-15));
    }

    @Test
    void prefillsArePromptPassesOverHalfThePromptOnAverage() {
        assertThat(COSTS.draftPrefill(BATCH)).isEqualTo(DRAFT.seconds(4, 100, 50));
        assertThat(COSTS.targetPrefill(BATCH)).isEqualTo(TARGET.seconds(4, 100, 50));
        assertThat(COSTS.verifyPrefill(BATCH, 5)).isEqualTo(COSTS.targetPrefill(BATCH));
    }

    @Test
    void targetStepIsOneSingleTokenTargetStep() {
        assertThat(COSTS.targetStep(BATCH)).isEqualTo(TARGET.seconds(4, 1, 130));
    }

    @Test
    void profilesOfRealShapeFeedThePlannerInSeconds() {
        // a 0.5 ms fixed cost dominates a small target's step, as on the bench's CPU
        assertThat(COSTS.targetStep(new BatchShape(1, 1, 2))).isCloseTo(0.59e-3, within(1e-6));
    }

    @Test
    void rejectsNegativeTransferAndSpeculationLength() {
        assertThatThrownBy(() -> new MeasuredStageCosts(DRAFT, TARGET, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> COSTS.verifyRound(BATCH, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
