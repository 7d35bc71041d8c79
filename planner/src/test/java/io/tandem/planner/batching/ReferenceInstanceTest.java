package io.tandem.planner.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.BatchShape;
import io.tandem.planner.batching.PlanningProblem.Objective;
import io.tandem.planner.cost.PaperStageCosts;
import io.tandem.planner.cost.StageCosts;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reference instance of docs/planner.md ("Worked examples"): LLaMA-68M on an RTX 3080 drafting
 * for LLaMA-7B.
 *
 * <p>The reference results are N·Cyc only: prefill is left out of both the partition and the choice
 * of l. {@link Objective#PAPER_CYCLE} leaves it out of the partition only, and still picks l by
 * Fill(l) + N(l)·Cyc; with the real prefill that moves the η = 0.05 plan from l = 1 to l = 2
 * ([(0,3),(3,6),(6,8),(8,10)], 29.47 s against 29.57 s). So the full-range reference checks use
 * costs without prefill, where both objectives coincide, and the real costs are checked at a fixed
 * l under the paper's objective, where the cycles match the reference, and over the full range
 * under both.
 */
class ReferenceInstanceTest {

    @Test
    void memoryBoundStagesKeepAllTenRequestsInOneBatchAtFiveDrafts() {
        for (Objective objective : Objective.values()) {
            BatchPlan plan =
                    new ExactPlanner()
                            .plan(withoutPrefill(0.5, 1, 8).optObjective(objective).build());

            assertThat(Windows.bounds(plan)).as("%s", objective).containsExactly(0, 10);
            assertThat(plan.speculationLength()).isEqualTo(5);
            assertThat(plan.rounds()).isEqualTo(70);
            assertThat(plan.cycleSeconds()).isCloseTo(0.034961, within(1e-6));
            assertThat(plan.predictedSeconds()).isCloseTo(2.4473, within(1e-4));
        }
    }

    @Test
    void computeBoundStagesSplitTheWindowToCutPadding() {
        for (Objective objective : Objective.values()) {
            BatchPlan plan =
                    new ExactPlanner()
                            .plan(withoutPrefill(0.05, 1, 8).optObjective(objective).build());

            assertThat(Windows.bounds(plan)).as("%s", objective).containsExactly(0, 4, 7, 10);
            assertThat(plan.speculationLength()).isEqualTo(1);
            assertThat(plan.rounds()).isEqualTo(143);
            // the runner-up [(0,6),(6,10)] is only 0.11% worse, so the tolerance stays below 1e-5 s
            assertThat(plan.cycleSeconds()).isCloseTo(0.104403, within(1e-6));
            assertThat(plan.predictedSeconds()).isCloseTo(14.9297, within(1e-4));
        }
    }

    @Test
    void thePapersObjectiveKeepsTheReferenceCyclesWithTheRealPrefill() {
        BatchPlan computeBound =
                new ExactPlanner()
                        .plan(withPrefill(0.05, 1, 1).optObjective(Objective.PAPER_CYCLE).build());
        BatchPlan memoryBound =
                new ExactPlanner()
                        .plan(withPrefill(0.5, 5, 5).optObjective(Objective.PAPER_CYCLE).build());

        assertThat(Windows.bounds(computeBound)).containsExactly(0, 4, 7, 10);
        assertThat(computeBound.cycleSeconds()).isCloseTo(0.104403, within(1e-6));
        assertThat(computeBound.rounds() * computeBound.cycleSeconds())
                .isCloseTo(14.9297, within(1e-4));
        // predicted adds Fill, as large as the decode rounds here
        assertThat(computeBound.predictedSeconds()).isCloseTo(29.5707, within(1e-4));
        assertThat(Windows.bounds(memoryBound)).containsExactly(0, 10);
        assertThat(memoryBound.cycleSeconds()).isCloseTo(0.034961, within(1e-6));
        assertThat(memoryBound.rounds() * memoryBound.cycleSeconds())
                .isCloseTo(2.4473, within(1e-4));
        assertThat(memoryBound.predictedSeconds()).isCloseTo(5.1285, within(1e-4));
    }

    @Test
    void theTotalObjectiveTradesALongerCycleForLessPaddedPrefill() {
        BatchPlan total = new ExactPlanner().plan(withPrefill(0.05, 1, 8).build());
        BatchPlan cycle =
                new ExactPlanner()
                        .plan(withPrefill(0.05, 1, 8).optObjective(Objective.PAPER_CYCLE).build());

        assertThat(Windows.bounds(cycle)).containsExactly(0, 3, 6, 8, 10);
        assertThat(cycle.speculationLength()).isEqualTo(2);
        assertThat(cycle.cycleSeconds()).isCloseTo(0.156501, within(1e-6));
        assertThat(cycle.predictedSeconds()).isCloseTo(29.4707, within(1e-4));
        assertThat(Windows.bounds(total)).containsExactly(0, 2, 4, 6, 8, 10);
        assertThat(total.speculationLength()).isEqualTo(2);
        assertThat(total.cycleSeconds()).isCloseTo(0.157341, within(1e-6));
        assertThat(total.predictedSeconds()).isCloseTo(29.0214, within(1e-4));
        // 0.5% more per round, 0.54 s less prefill: 1.5% sooner in all
        assertThat(total.cycleSeconds()).isGreaterThan(cycle.cycleSeconds());
        assertThat(total.predictedSeconds()).isLessThan(cycle.predictedSeconds());
        assertThat(total.simulatedSeconds()).isLessThan(cycle.simulatedSeconds());
    }

    @Test
    void equalTwoBatchPlansGoToTheSmallestLastCut() {
        // memory-bound verification makes every 2-batch partition cost the same 0.0649676 s;
        // the batch-size limit rules out the (better) single batch
        BatchPlan plan =
                new ExactPlanner().plan(withoutPrefill(0.5, 5, 5).optMaxBatchSize(9).build());

        assertThat(plan.cycleSeconds()).isCloseTo(0.0649676, within(1e-7));
        assertThat(Windows.bounds(plan)).containsExactly(0, 1, 10);
    }

    @Test
    void fastPlannerFindsTheSamePlansAsTheExactOne() {
        for (double efficiency : new double[] {0.5, 0.05}) {
            for (Objective objective : Objective.values()) {
                for (PlanningProblem problem :
                        List.of(
                                withoutPrefill(efficiency, 1, 8).optObjective(objective).build(),
                                withPrefill(efficiency, 1, 8).optObjective(objective).build())) {
                    BatchPlan exact = new ExactPlanner().plan(problem);
                    BatchPlan fast = new FastPlanner().plan(problem);

                    assertThat(Windows.bounds(fast))
                            .as("%s", problem)
                            .containsExactly(Windows.bounds(exact));
                    assertThat(fast.speculationLength()).isEqualTo(exact.speculationLength());
                }
            }
        }
    }

    @Test
    void prefillDoesNotChangeTheMemoryBoundChoice() {
        PlanningProblem problem = withPrefill(0.5, 1, 8).build();

        BatchPlan plan = new ExactPlanner().plan(problem);

        assertThat(Windows.bounds(plan)).containsExactly(0, 10);
        assertThat(plan.speculationLength()).isEqualTo(5);
        assertThat(plan.predictedSeconds()).isGreaterThan(plan.rounds() * plan.cycleSeconds());
        // one batch has nothing to overlap: the lock-step prediction is the event-driven makespan
        assertThat(plan.simulatedSeconds())
                .isCloseTo(plan.predictedSeconds(), within(1e-9 * plan.predictedSeconds()));
    }

    /**
     * The reference totals are N·Cyc only, so these reference costs leave the prefill terms out.
     */
    private static PlanningProblem.Builder withoutPrefill(double efficiency, int minL, int maxL) {
        return Windows.problem(
                        Windows.REFERENCE_PROMPTS,
                        withoutPrefill(PaperStageCosts.reference(efficiency)))
                .optSpeculationRange(minL, maxL);
    }

    private static PlanningProblem.Builder withPrefill(double efficiency, int minL, int maxL) {
        return Windows.problem(Windows.REFERENCE_PROMPTS, PaperStageCosts.reference(efficiency))
                .optSpeculationRange(minL, maxL);
    }

    private static StageCosts withoutPrefill(StageCosts costs) {
        return new StageCosts() {
            @Override
            public double draftRound(BatchShape batch, int l) {
                return costs.draftRound(batch, l);
            }

            @Override
            public double verifyRound(BatchShape batch, int l) {
                return costs.verifyRound(batch, l);
            }

            @Override
            public double draftPrefill(BatchShape batch) {
                return 0;
            }

            @Override
            public double verifyPrefill(BatchShape batch, int l) {
                return 0;
            }

            @Override
            public double targetStep(BatchShape batch) {
                return costs.targetStep(batch);
            }

            @Override
            public double targetPrefill(BatchShape batch) {
                return costs.targetPrefill(batch);
            }
        };
    }
}
