package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.OnlineCostModel.Call;
import io.tandem.planner.cost.OnlineCostModel.Stage;
import org.junit.jupiter.api.Test;

class OnlineCostModelTest {

    private static final StepFit DRAFT = new StepFit(0.1, 0, 0.02, 0, 0, 0);
    private static final StepFit TARGET = new StepFit(1, 0, 0.2, 0, 0, 0);

    @Test
    void beforeAnyCallItPricesTheProfileAtTheBatchsOwnSize() {
        OnlineCostModel model = new OnlineCostModel(DRAFT, TARGET);

        assertThat(model.callMillis(Stage.VERIFY, "tm-1", 4, 5, 64, 1))
                .isEqualTo(TARGET.millis(4, 5, 64));
        assertThat(model.callSequences(Stage.VERIFY, 4)).isEqualTo(4);
        assertThat(model.waitRatio(Stage.VERIFY)).isZero();
    }

    @Test
    void pricesTheMergedCallABatchJoinsOnTheWorkerItRunsOn() {
        OnlineCostModel model = new OnlineCostModel(DRAFT, TARGET);
        for (int i = 0; i < 200; i++) {
            // batches of 2 ride in calls of 8 on tm-1, which runs at twice the profile's time
            model.observe(
                    Stage.VERIFY,
                    new Call("tm-1", 8, 5, 1, 64, 2 * TARGET.millis(8, 5, 64), 1, 2, 0, 0));
            // tm-2 runs batches alone, at the profile's speed
            model.observe(
                    Stage.VERIFY,
                    new Call("tm-2", 2, 5, 1, 64, TARGET.millis(2, 5, 64), 1, 2, 0, 0));
        }

        assertThat(model.callSequences(Stage.VERIFY, 2)).isCloseTo(5, within(3.0));
        assertThat(model.stepTime(Stage.VERIFY, "tm-1").millis(8, 5, 64))
                .isCloseTo(2 * TARGET.millis(8, 5, 64), within(0.2));
        assertThat(model.stepTime(Stage.VERIFY, "tm-2").millis(8, 5, 64))
                .isCloseTo(TARGET.millis(8, 5, 64), within(0.2));
        // an unknown worker is priced like the latest one seen
        assertThat(model.stepTime(Stage.VERIFY, "tm-9").millis(8, 5, 64))
                .isEqualTo(model.stepTime(Stage.VERIFY, "tm-2").millis(8, 5, 64));
    }

    @Test
    void measuresTheWaitAtEachStageRelativeToItsCallTime() {
        OnlineCostModel model = new OnlineCostModel(DRAFT, TARGET);
        for (int i = 0; i < 100; i++) {
            model.observe(Stage.VERIFY, new Call("tm-1", 4, 5, 1, 64, 10, 30, 4, 0, 0));
            model.observe(Stage.DRAFT, new Call("tm-0", 4, 1, 4, 64, 2, 0, 4, 0, 0));
        }

        assertThat(model.waitRatio(Stage.VERIFY)).isCloseTo(3, within(1e-6));
        assertThat(model.waitRatio(Stage.DRAFT)).isZero();
    }

    @Test
    void callsThatPrefillPromptsAreFittedWithTheirPrefillPricedByTheProfile() {
        OnlineCostModel model = new OnlineCostModel(DRAFT, TARGET);
        for (int i = 0; i < 300; i++) {
            // twice the profile, in calls that alternately prefill a 40-token prompt
            int prefills = i % 2;
            double millis = 2 * (TARGET.millis(4, 5, 64) + prefills * TARGET.prefillMillis(1, 40));
            model.observe(
                    Stage.VERIFY,
                    new Call("tm-1", 4, 5, 1, 64, millis, 0, 4, prefills, 40 * prefills));
        }

        assertThat(model.stepTime(Stage.VERIFY, "tm-1").calls()).isEqualTo(300);
        assertThat(model.stepTime(Stage.VERIFY, "tm-1").scale()).isCloseTo(2, within(0.05));
    }

    @Test
    void callsThatPrefillPromptsOfUnknownSizeCountForSizeAndWaitButAreNotFitted() {
        OnlineCostModel model = new OnlineCostModel(DRAFT, TARGET);
        for (int i = 0; i < 100; i++) {
            // a record from before prompts' sizes were reported
            model.observe(Stage.VERIFY, new Call("tm-1", 4, 5, 1, 64, 80, 40, 2, 1, 0));
        }

        assertThat(model.stepTime(Stage.VERIFY, "tm-1").calls()).isZero();
        assertThat(model.callMillis(Stage.VERIFY, "tm-1", 2, 5, 64, 1))
                .isEqualTo(TARGET.millis(4, 5, 64));
        assertThat(model.waitRatio(Stage.VERIFY)).isCloseTo(0.5, within(1e-6));
    }

    @Test
    void theDpsStageCostsUseTheFittedTimesAtTheJoinedCallSize() {
        OnlineCostModel model = new OnlineCostModel(DRAFT, TARGET);
        for (int i = 0; i < 300; i++) {
            model.observe(
                    Stage.VERIFY,
                    new Call("tm-1", 8, 5, 1, 96, 3 * TARGET.millis(8, 5, 96), 0, 4, 0, 0));
        }
        StageCosts costs = model.stageCosts();
        BatchShape four = new BatchShape(4, 64, 64); // a mean context of 96

        assertThat(costs.verifyRound(four, 4) * 1000)
                .isCloseTo(3 * TARGET.millis(8, 5, 96), within(0.5));
    }
}
