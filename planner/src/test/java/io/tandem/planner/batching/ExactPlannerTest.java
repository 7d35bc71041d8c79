package io.tandem.planner.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.batching.PlanningProblem.Objective;
import io.tandem.planner.cost.StageCosts;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ExactPlannerTest {

    private static final double RELATIVE = 1e-9;

    @Test
    void thePaperObjectiveFindsTheLeastCycleOfAllContiguousPartitionsWhateverThePrefill() {
        SplittableRandom random = new SplittableRandom(11);
        for (int instance = 0; instance < 200; instance++) {
            int k = 1 + random.nextInt(12);
            int l = 1 + random.nextInt(8);
            int maxBatch = random.nextInt(3) == 0 ? 1 + random.nextInt(k) : k;
            PlanningProblem problem =
                    Windows.problem(
                                    Windows.randomPrompts(random, k),
                                    TestCosts.randomTable(random.nextLong(), 0, 64))
                            .optSpeculationRange(l, l)
                            .optMaxBatchSize(maxBatch)
                            .optObjective(Objective.PAPER_CYCLE)
                            .build();

            BatchPlan plan = new ExactPlanner().plan(problem);

            BruteForce brute = new BruteForce(problem);
            double best = brute.bestPipelinedCycle(l, b -> brute.maxBatch(b) <= maxBatch).cycle();
            String seed = "instance " + instance + ": " + problem;
            assertThat(plan.cycleSeconds()).as(seed).isCloseTo(best, within(RELATIVE * best));
            assertThat(brute.pipelinedCycle(Windows.bounds(plan), l))
                    .as(seed)
                    .isCloseTo(plan.cycleSeconds(), within(RELATIVE * best));
            assertThat(brute.maxBatch(Windows.bounds(plan))).as(seed).isLessThanOrEqualTo(maxBatch);
            assertThat(Windows.coveredRequests(plan))
                    .as(seed)
                    .containsExactly(IntStream.range(0, k).toArray());
        }
    }

    @Test
    void findsTheBestPlanOfAllContiguousPartitionsAndSpeculationLengthsOnEitherObjective() {
        SplittableRandom random = new SplittableRandom(12);
        int totalBeatsCycle = 0;
        for (int instance = 0; instance < 100; instance++) {
            int k = 1 + random.nextInt(11);
            int[] prompts = Windows.randomPrompts(random, k);
            StageCosts costs =
                    instance % 2 == 0
                            ? TestCosts.randomTable(random.nextLong(), 0, 64)
                            : TestCosts.Roofline.randomWithHeavyPrefill(random);
            double[] predicted = new double[2];
            for (Objective objective : Objective.values()) {
                PlanningProblem problem =
                        Windows.problem(prompts, costs).optObjective(objective).build();

                BatchPlan plan = new ExactPlanner().plan(problem);

                BruteForce brute = new BruteForce(problem);
                BruteForce.Scored best = brute.bestByRule(b -> true);
                String seed = "instance " + instance + ": " + problem;
                assertThat(plan.predictedSeconds())
                        .as(seed)
                        .isCloseTo(best.total(), within(RELATIVE * best.total()));
                assertThat(Windows.bounds(plan)).as(seed).containsExactly(best.bounds());
                assertThat(plan.speculationLength()).as(seed).isEqualTo(best.l());
                // the reported cycle and prediction are those of the plan's own partition
                assertThat(plan.cycleSeconds())
                        .as(seed)
                        .isCloseTo(best.cycle(), within(RELATIVE * best.cycle()));
                assertThat(plan.predictedSeconds())
                        .as(seed)
                        .isGreaterThan(plan.rounds() * plan.cycleSeconds());
                predicted[objective.ordinal()] = plan.predictedSeconds();
            }
            double total = predicted[Objective.TOTAL.ordinal()];
            double cycleOnly = predicted[Objective.PAPER_CYCLE.ordinal()];
            assertThat(total).isLessThanOrEqualTo(cycleOnly * (1 + RELATIVE));
            if (total < cycleOnly * (1 - RELATIVE)) {
                totalBeatsCycle++;
            }
        }
        // the prefills are large enough to change the plan in a good share of the windows
        assertThat(totalBeatsCycle).isGreaterThan(20);
    }

    @Test
    void breaksExactTiesByFewerBatchesThenSmallerSpeculationThenSmallerCutsFromTheLast() {
        SplittableRandom random = new SplittableRandom(13);
        for (Objective objective : Objective.values()) {
            int decidedByCuts = 0;
            for (int instance = 0; instance < 150; instance++) {
                int k = 2 + random.nextInt(9);
                // few integer cost levels and as many rounds for every l: many exact ties; the
                // prefills are multiples of 64, so Fill / 256 rounds stays exact
                PlanningProblem problem =
                        Windows.problem(
                                        Windows.distinctPrompts(random, k),
                                        TestCosts.randomTable(random.nextLong(), 2, 64))
                                .setAcceptance(TestCosts.oneTokenPerRound())
                                .optSpeculationRange(1, 3)
                                .optMaxBatchSize(1 + random.nextInt(k))
                                .optObjective(objective)
                                .build();
                int maxBatch = problem.maxBatchSize().orElseThrow();

                BatchPlan plan = new ExactPlanner().plan(problem);

                BruteForce brute = new BruteForce(problem);
                BruteForce.Scored best = brute.bestByRule(b -> brute.maxBatch(b) <= maxBatch);
                String seed = "instance " + instance + ": " + problem;
                assertThat(Windows.bounds(plan)).as(seed).containsExactly(best.bounds());
                assertThat(plan.speculationLength()).as(seed).isEqualTo(best.l());
                if (best.bounds().length > 2) {
                    decidedByCuts++;
                }
            }
            assertThat(decidedByCuts).as("%s", objective).isGreaterThan(20);
        }
    }

    @Test
    void keepsEveryRequestOnceAndReportsWhichPlannerMadeThePlan() {
        int[] prompts = {300, 32, 512, 64, 300};
        BatchPlan plan =
                new ExactPlanner()
                        .plan(Windows.problem(prompts, TestCosts.randomTable(5, 0)).build());

        assertThat(Windows.coveredRequests(plan)).containsExactly(0, 1, 2, 3, 4);
        assertThat(plan.planner()).isEqualTo("exact");
        for (PlannedBatch batch : plan.batches()) {
            int longest =
                    Arrays.stream(batch.requestIndices()).map(i -> prompts[i]).max().orElseThrow();
            assertThat(batch.shape().maxInputTokens()).isEqualTo(longest);
            assertThat(batch.shape().outputTokens()).isEqualTo(256);
        }
    }

    @Test
    void perBatchSpeculationNeverRaisesTheSimulatedMakespan() {
        SplittableRandom random = new SplittableRandom(14);
        int helped = 0;
        for (int instance = 0; instance < 60; instance++) {
            PlanningProblem problem =
                    Windows.problem(
                                    Windows.randomPrompts(random, 5 + random.nextInt(26)),
                                    TestCosts.Roofline.random(random))
                            .build();

            BatchPlan common = new ExactPlanner().plan(problem);
            BatchPlan tuned = new ExactPlanner(true).plan(problem);

            String seed = "instance " + instance + ": " + problem;
            assertThat(Windows.bounds(tuned)).as(seed).containsExactly(Windows.bounds(common));
            assertThat(common.perBatchGainSeconds()).isZero();
            assertThat(tuned.simulatedSeconds() + tuned.perBatchGainSeconds())
                    .as(seed)
                    .isCloseTo(
                            common.simulatedSeconds(), within(1e-12 * common.simulatedSeconds()));
            assertThat(tuned.perBatchSpeculation()).isEqualTo(tuned.perBatchGainSeconds() > 0);
            if (tuned.perBatchSpeculation()) {
                helped++;
            }
        }
        assertThat(helped).isPositive();
    }
}
