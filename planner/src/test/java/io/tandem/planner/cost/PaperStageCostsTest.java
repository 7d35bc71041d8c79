package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.BatchShape;
import org.junit.jupiter.api.Test;

/**
 * The reference instance of docs/planner.md ("Worked examples"): I = [32, …, 512] sorted, O = 256.
 */
class PaperStageCostsTest {

    private static final int OUTPUT = 256;

    /**
     * Stage times are checked to 1e-6 s, the precision the reference values are given to: a looser
     * tolerance could hide the compute-bound runner-up partition, only 0.11% (about 1e-4 s) worse
     * (see ReferenceInstanceTest).
     */
    private static final double SECONDS = 1e-6;

    private static final BatchShape FIRST_FOUR = new BatchShape(4, 128, OUTPUT);
    private static final BatchShape MIDDLE_THREE = new BatchShape(3, 256, OUTPUT);
    private static final BatchShape LAST_THREE = new BatchShape(3, 512, OUTPUT);
    private static final BatchShape ALL_TEN = new BatchShape(10, 512, OUTPUT);

    @Test
    void computeBoundSegmentsMatchTheReference() {
        StageCosts costs = PaperStageCosts.reference(0.05);

        assertThat(costs.verifyRound(FIRST_FOUR, 1)).isCloseTo(0.041392, within(SECONDS));
        assertThat(costs.verifyRound(MIDDLE_THREE, 1)).isCloseTo(0.031357, within(SECONDS));
        assertThat(costs.verifyRound(LAST_THREE, 1)).isCloseTo(0.031654, within(SECONDS));
        for (BatchShape segment : new BatchShape[] {FIRST_FOUR, MIDDLE_THREE, LAST_THREE}) {
            assertThat(costs.draftRound(segment, 1)).isCloseTo(0.000179, within(SECONDS));
        }
    }

    @Test
    void computeBoundPartitionCycleMatchesTheReference() {
        StageCosts costs = PaperStageCosts.reference(0.05);
        BatchShape[] parts = {FIRST_FOUR, MIDDLE_THREE, LAST_THREE};
        double cycle = 0;
        for (int m = 0; m < parts.length; m++) {
            BatchShape next = parts[(m + 1) % parts.length];
            cycle += Math.max(costs.draftRound(next, 1), costs.verifyRound(parts[m], 1));
        }

        assertThat(cycle).isCloseTo(0.104403, within(SECONDS));
        assertThat(143 * cycle).isCloseTo(14.9297, within(1e-4));
    }

    @Test
    void memoryBoundSingleBatchCycleMatchesTheReference() {
        StageCosts costs = PaperStageCosts.reference(0.5);
        double cycle = costs.draftRound(ALL_TEN, 5) + costs.verifyRound(ALL_TEN, 5);

        assertThat(cycle).isCloseTo(0.034961, within(SECONDS));
        assertThat(70 * cycle).isCloseTo(2.4473, within(1e-4));
    }

    @Test
    void autoregressiveBaselineIsOneWeightReadPerTokenPlusResults() {
        double seconds = OUTPUT * PaperStageCosts.reference(0.5).targetStep(ALL_TEN);

        // 256 · 13.48e9 / 432e9 = 7.988148 s, plus 256 · 10 · 64 bits at 10 Gb/s = 16.4 µs
        assertThat(seconds).isCloseTo(7.98815, within(7.98815 * 1e-5));
        assertThat(seconds).isCloseTo(7.988148148 + 1.6384e-5, within(1e-9));
    }

    @Test
    void draftRoundIsLDecodePassesOfTheWholeBatch() {
        PaperStageCosts costs = PaperStageCosts.reference(0.05);
        double pass = 10 * TransformerShape.LLAMA_68M.decodeFlops(640) / (0.05 * 29.77e12);

        assertThat(costs.draftRound(ALL_TEN, 3)).isCloseTo(3 * pass, within(1e-15));
        assertThat(costs.draftRound(ALL_TEN, 0)).isZero();
    }

    @Test
    void prefillsArePromptPassesAndTheVerifySideAlsoForwardsThePrompts() {
        PaperStageCosts costs = PaperStageCosts.reference(0.5);
        double draftPass = 10 * TransformerShape.LLAMA_68M.prefillFlops(512) / (0.5 * 29.77e12);
        double targetPass = 10 * TransformerShape.LLAMA_7B.prefillFlops(512) / (0.5 * 39.63e12);
        double prompts = 10 * 512 * 32 / 10e9;

        assertThat(costs.draftPrefill(ALL_TEN)).isCloseTo(draftPass, within(1e-15));
        assertThat(costs.targetPrefill(ALL_TEN)).isCloseTo(targetPass + prompts, within(1e-12));
        for (int l = 0; l <= 8; l++) {
            assertThat(costs.verifyPrefill(ALL_TEN, l)).isEqualTo(costs.targetPrefill(ALL_TEN));
        }
    }

    @Test
    void rejectsNegativeSpeculationLength() {
        PaperStageCosts costs = PaperStageCosts.reference(0.5);

        assertThatThrownBy(() -> costs.draftRound(ALL_TEN, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> costs.verifyRound(ALL_TEN, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> costs.verifyPrefill(ALL_TEN, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
