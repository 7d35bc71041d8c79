package io.tandem.planner.batching;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.planner.batching.PlanningProblem.Objective;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FastPlannerTest {

    @Test
    void staysWithinOnePercentOfTheExactPlannerOnEitherObjective() {
        for (Objective objective : Objective.values()) {
            SplittableRandom random = new SplittableRandom(21);
            double worst = 0;
            for (int instance = 0; instance < 40; instance++) {
                int k = 20 + random.nextInt(41);
                PlanningProblem problem =
                        Windows.problem(Windows.randomPrompts(random, k), costs(random, instance))
                                .optObjective(objective)
                                .build();

                double exact = new ExactPlanner().plan(problem).predictedSeconds();
                double fast = new FastPlanner().plan(problem).predictedSeconds();

                double gap = (fast - exact) / exact;
                assertThat(gap).as("instance %d: %s", instance, problem).isLessThanOrEqualTo(0.01);
                worst = Math.max(worst, gap);
            }
            System.out.printf(
                    "FastPlanner worst gap to ExactPlanner, K <= 60, %s: %.3e%n", objective, worst);
        }
    }

    @Test
    void refinementRecoversWhatCoarseGroupsMissOnEitherObjective() {
        for (Objective objective : Objective.values()) {
            SplittableRandom random = new SplittableRandom(22);
            double worst = 0;
            for (int instance = 0; instance < 40; instance++) {
                int k = 30 + random.nextInt(31);
                PlanningProblem problem =
                        Windows.problem(Windows.randomPrompts(random, k), costs(random, instance))
                                .optObjective(objective)
                                .build();

                double exact = new ExactPlanner().plan(problem).predictedSeconds();
                double fast = new FastPlanner(6, false).plan(problem).predictedSeconds();

                double gap = (fast - exact) / exact;
                assertThat(gap).as("instance %d: %s", instance, problem).isLessThanOrEqualTo(0.01);
                worst = Math.max(worst, gap);
            }
            System.out.printf(
                    "FastPlanner with 6 groups, worst gap, K <= 60, %s: %.3e%n", objective, worst);
        }
    }

    @Test
    void givesTheSamePlanForTheSameWindow() {
        SplittableRandom random = new SplittableRandom(23);
        int[] prompts = Windows.randomPrompts(random, 400);
        PlanningProblem problem =
                Windows.problem(prompts, TestCosts.Roofline.random(random)).build();

        assertThat(new FastPlanner(true).plan(problem))
                .isEqualTo(new FastPlanner(true).plan(problem));
    }

    @Test
    void givesTheSameBatchesWhateverTheInputOrder() {
        SplittableRandom random = new SplittableRandom(24);
        int[] prompts = Windows.distinctPrompts(random, 300);
        TestCosts.Roofline costs = TestCosts.Roofline.random(random);
        int[] shuffled = prompts.clone();
        for (int p = shuffled.length - 1; p > 0; p--) {
            int q = random.nextInt(p + 1);
            int t = shuffled[p];
            shuffled[p] = shuffled[q];
            shuffled[q] = t;
        }

        BatchPlan original = new FastPlanner().plan(Windows.problem(prompts, costs).build());
        BatchPlan reordered = new FastPlanner().plan(Windows.problem(shuffled, costs).build());

        assertThat(promptSets(reordered, shuffled)).isEqualTo(promptSets(original, prompts));
        assertThat(reordered.predictedSeconds()).isEqualTo(original.predictedSeconds());
    }

    @Test
    void plansAThousandRequestsKeepingEveryRequestOnceWithinTheBatchLimit() {
        SplittableRandom random = new SplittableRandom(25);
        PlanningProblem problem =
                Windows.problem(
                                Windows.randomPrompts(random, 1000),
                                TestCosts.Roofline.random(random))
                        .optMaxBatchSize(64)
                        .build();

        BatchPlan plan = new FastPlanner(true).plan(problem);

        assertThat(Windows.coveredRequests(plan))
                .containsExactly(IntStream.range(0, 1000).toArray());
        assertThat(plan.batches())
                .allSatisfy(b -> assertThat(b.shape().size()).isLessThanOrEqualTo(64));
        assertThat(plan.planner()).isEqualTo("fast");
    }

    @Test
    void neverDoesWorseThanOneBigBatch() {
        SplittableRandom random = new SplittableRandom(26);
        for (int instance = 0; instance < 20; instance++) {
            PlanningProblem problem =
                    Windows.problem(
                                    Windows.randomPrompts(random, 100 + random.nextInt(300)),
                                    costs(random, instance))
                            .build();

            assertThat(new FastPlanner().plan(problem).predictedSeconds())
                    .as("instance %d", instance)
                    .isLessThanOrEqualTo(
                            new MaxBatching().plan(problem).predictedSeconds() * (1 + 1e-12));
        }
    }

    /** Roofline costs, every other instance with prefill as costly as the decode rounds. */
    private static TestCosts.Roofline costs(SplittableRandom random, int instance) {
        return instance % 2 == 0
                ? TestCosts.Roofline.random(random)
                : TestCosts.Roofline.randomWithHeavyPrefill(random);
    }

    private static Set<Set<Integer>> promptSets(BatchPlan plan, int[] prompts) {
        Set<Set<Integer>> sets = new HashSet<>();
        for (PlannedBatch batch : plan.batches()) {
            sets.add(
                    Arrays.stream(batch.requestIndices())
                            .mapToObj(i -> prompts[i])
                            .collect(Collectors.toSet()));
        }
        return sets;
    }
}
