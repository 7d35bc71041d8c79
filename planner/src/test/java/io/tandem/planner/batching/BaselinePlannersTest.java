package io.tandem.planner.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.batching.PlanningProblem.Objective;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BaselinePlannersTest {

    @Test
    void sequentialPlannerFindsTheBestPlanWithoutPipeliningOnEitherObjective() {
        SplittableRandom random = new SplittableRandom(41);
        for (int instance = 0; instance < 160; instance++) {
            int k = 1 + random.nextInt(11);
            int maxBatch = 1 + random.nextInt(k);
            PlanningProblem problem =
                    Windows.problem(
                                    Windows.randomPrompts(random, k),
                                    TestCosts.Roofline.randomWithHeavyPrefill(random))
                            .optMaxBatchSize(maxBatch)
                            .optObjective(Objective.values()[instance % 2])
                            .build();

            BatchPlan plan = new SequentialPlanner().plan(problem);

            BruteForce brute = new BruteForce(problem);
            BruteForce.Scored best = brute.bestSequential(b -> brute.maxBatch(b) <= maxBatch);
            String seed = "instance " + instance + ": " + problem;
            assertThat(Windows.bounds(plan)).as(seed).containsExactly(best.bounds());
            assertThat(plan.speculationLength()).as(seed).isEqualTo(best.l());
            assertThat(plan.predictedSeconds())
                    .as(seed)
                    .isCloseTo(best.total(), within(1e-9 * best.total()));
            assertThat(plan.simulatedSeconds())
                    .as(seed)
                    .isCloseTo(plan.predictedSeconds(), within(1e-9 * best.total()));
            assertThat(plan.planner()).isEqualTo("sequential");
            assertThat(Windows.coveredRequests(plan))
                    .containsExactly(IntStream.range(0, k).toArray());
        }
    }

    @Test
    void maxBatchingPutsEveryRequestInOneBatchAtItsBestSpeculationLength() {
        SplittableRandom random = new SplittableRandom(42);
        for (int instance = 0; instance < 40; instance++) {
            int k = 1 + random.nextInt(20);
            PlanningProblem.Builder builder =
                    Windows.problem(
                            Windows.randomPrompts(random, k),
                            TestCosts.Roofline.randomWithHeavyPrefill(random));
            PlanningProblem problem = builder.build();

            BatchPlan plan = new MaxBatching().plan(problem);

            double best = new BruteForce(problem).bestByRule(b -> b.length == 2).total();
            assertThat(plan.batchCount()).isEqualTo(1);
            assertThat(plan.predictedSeconds()).isCloseTo(best, within(1e-9 * best));
            assertThat(plan.simulatedSeconds()).isCloseTo(best, within(1e-9 * best));
            assertThat(plan.planner()).isEqualTo("max-batching");
            // one partition leaves the objective nothing to choose
            assertThat(new MaxBatching().plan(builder.optObjective(Objective.PAPER_CYCLE).build()))
                    .isEqualTo(plan);
        }
    }

    @Test
    void pipelinedPlansAreNeverWorseThanTheBaselines() {
        SplittableRandom random = new SplittableRandom(43);
        for (int instance = 0; instance < 40; instance++) {
            PlanningProblem problem =
                    Windows.problem(
                                    Windows.randomPrompts(random, 2 + random.nextInt(30)),
                                    instance % 2 == 0
                                            ? TestCosts.Roofline.random(random)
                                            : TestCosts.Roofline.randomWithHeavyPrefill(random))
                            .build();

            double exact = new ExactPlanner().plan(problem).predictedSeconds();

            assertThat(exact)
                    .isLessThanOrEqualTo(
                            new MaxBatching().plan(problem).predictedSeconds() * (1 + 1e-12));
            // on the total objective: a pipeline's cycle is at most Σ(a + b), the same Fill
            assertThat(exact)
                    .isLessThanOrEqualTo(
                            new SequentialPlanner().plan(problem).predictedSeconds() * (1 + 1e-12));
        }
    }

    @Test
    void maxBatchingRejectsAWindowOverTheBatchLimit() {
        PlanningProblem problem =
                Windows.problem(new int[] {10, 20, 30}, TestCosts.randomTable(3, 0))
                        .optMaxBatchSize(2)
                        .build();

        assertThatThrownBy(() -> new MaxBatching().plan(problem))
                .isInstanceOf(PlanInfeasibleException.class)
                .hasMessageContaining("1 more than the batch-size limit 2");
    }

    @Test
    void aFixedSpeculationLengthIsKept() {
        PlanningProblem problem =
                Windows.problem(Windows.REFERENCE_PROMPTS, TestCosts.randomTable(4, 0))
                        .optSpeculationRange(3, 3)
                        .build();

        for (Planner planner :
                new Planner[] {
                    new ExactPlanner(),
                    new FastPlanner(),
                    new MaxBatching(),
                    new SequentialPlanner()
                }) {
            assertThat(planner.plan(problem).batches())
                    .allSatisfy(b -> assertThat(b.speculationLength()).isEqualTo(3));
        }
    }
}
