package io.tandem.planner.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.planner.batching.PlanningProblem.Objective;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class MemoryLimitTest {

    private static final double KAPPA_DRAFT = 36_864;
    private static final double KAPPA_VERIFY = 524_288;

    @Test
    void aLooseLimitChangesNothing() {
        SplittableRandom random = new SplittableRandom(31);
        for (int instance = 0; instance < 30; instance++) {
            int[] prompts = Windows.randomPrompts(random, 2 + random.nextInt(20));
            TestCosts.Roofline costs = costs(random, instance);
            Objective objective = objective(instance);
            BatchPlan free =
                    new ExactPlanner()
                            .plan(Windows.problem(prompts, costs).optObjective(objective).build());
            long tokens = prompts.length * (512L + 256 + 8);

            BatchPlan limited =
                    new ExactPlanner()
                            .plan(
                                    Windows.problem(prompts, costs)
                                            .optObjective(objective)
                                            .optMemoryLimit(limit(tokens))
                                            .build());

            assertThat(limited).as("instance %d", instance).isEqualTo(free);
        }
    }

    @Test
    void everyPlannerKeepsAllBatchesKvCachesWithinBothNodes() {
        SplittableRandom random = new SplittableRandom(32);
        int constrained = 0;
        for (int instance = 0; instance < 60; instance++) {
            int k = 2 + random.nextInt(11);
            int[] prompts = Windows.randomPrompts(random, k);
            TestCosts.Roofline costs = costs(random, instance);
            Objective objective = objective(instance);
            PlanningProblem free = Windows.problem(prompts, costs).optObjective(objective).build();
            BruteForce brute = new BruteForce(free);
            BatchPlan unlimited = new ExactPlanner().plan(free);
            long needed =
                    brute.cachedTokens(Windows.bounds(unlimited), unlimited.speculationLength());
            long floor = brute.cachedTokens(singletons(k), 1);
            // somewhere between what no padding needs and what the free optimum uses
            long capacity = floor + (long) (random.nextDouble() * (needed - floor));
            PlanningProblem problem =
                    Windows.problem(prompts, costs)
                            .optObjective(objective)
                            .optMemoryLimit(limit(capacity))
                            .build();

            for (Planner planner : List.of(new ExactPlanner(true), new FastPlanner(3, true))) {
                BatchPlan plan = planner.plan(problem);

                long tokens = 0;
                for (PlannedBatch batch : plan.batches()) {
                    tokens +=
                            (long) batch.shape().size()
                                    * (batch.shape().maxInputTokens()
                                            + 256
                                            + batch.speculationLength());
                }
                assertThat(tokens)
                        .as("instance %d, %s: %s", instance, plan.planner(), problem)
                        .isLessThanOrEqualTo(capacity);
                // the best plan that fits, on the objective: never beaten, since the planner's plan
                // fits too (a sanity bound on the search's scoring; the duality gap is measured in
                // ExactPlanner's Javadoc, not asserted)
                int l = plan.speculationLength();
                Predicate<int[]> fits = b -> brute.cachedTokens(b, l) <= capacity;
                if (objective == Objective.TOTAL) {
                    assertThat(plan.predictedSeconds())
                            .as("instance %d, %s: %s", instance, plan.planner(), problem)
                            .isGreaterThanOrEqualTo(brute.bestByRule(fits).total() * (1 - 1e-9));
                } else {
                    assertThat(plan.cycleSeconds())
                            .as("instance %d, %s: %s", instance, plan.planner(), problem)
                            .isGreaterThanOrEqualTo(
                                    brute.bestPipelinedCycle(l, fits).cycle() * (1 - 1e-9));
                }
            }
            if (needed > capacity) {
                constrained++;
            }
        }
        assertThat(constrained).isGreaterThan(20);
    }

    @Test
    void saysByHowMuchAWindowMissesTheMemory() {
        int[] prompts = {100, 200};
        // no padding at l = 1 caches 100 + 200 + 2 · 257 = 814 tokens
        PlanningProblem problem =
                Windows.problem(prompts, TestCosts.randomTable(1, 0))
                        .optMemoryLimit(
                                new MemoryLimit(
                                        1e12, 800 * KAPPA_VERIFY, KAPPA_DRAFT, KAPPA_VERIFY))
                        .build();

        assertThatThrownBy(() -> new ExactPlanner().plan(problem))
                .isInstanceOf(PlanInfeasibleException.class)
                .hasMessageContaining("814 tokens")
                .hasMessageContaining("verify node")
                .hasMessageContaining(String.format("%.0f more", 14 * KAPPA_VERIFY));
        assertThatThrownBy(() -> new FastPlanner().plan(problem))
                .isInstanceOf(PlanInfeasibleException.class);
        assertThatThrownBy(() -> new MaxBatching().plan(problem))
                .isInstanceOf(PlanInfeasibleException.class)
                .hasMessageContaining("one batch of 2 requests at l = 1 caches 914 tokens")
                .hasMessageContaining("verify node");
    }

    @Test
    void theSequentialBaselineOnlyHoldsTheRunningBatch() {
        int[] prompts = {100, 100, 100, 100};
        // one batch of two at l = 1 caches 2 · 357 = 714 tokens; the whole window would need 1428
        PlanningProblem problem =
                Windows.problem(prompts, TestCosts.randomTable(2, 0))
                        .optMemoryLimit(limit(714))
                        .build();

        BatchPlan plan = new SequentialPlanner().plan(problem);

        assertThat(plan.batches())
                .allSatisfy(
                        b ->
                                assertThat(b.shape().size() * (100L + 256 + b.speculationLength()))
                                        .isLessThanOrEqualTo(714));
    }

    @Test
    void admitsExactlyWhatBothNodesHold() {
        MemoryLimit limit = new MemoryLimit(100, 1000, 1, 20);

        assertThat(limit.tokenCapacity()).isEqualTo(50);
        assertThat(limit.admits(50)).isTrue();
        assertThat(limit.admits(51)).isFalse();
        assertThatThrownBy(() -> new MemoryLimit(1, 1, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes per token");
    }

    /** Both objectives, alternating. */
    private static Objective objective(int instance) {
        return Objective.values()[instance % 2];
    }

    /** Light and heavy prefill, alternating every two instances so both meet both objectives. */
    private static TestCosts.Roofline costs(SplittableRandom random, int instance) {
        return instance / 2 % 2 == 0
                ? TestCosts.Roofline.random(random)
                : TestCosts.Roofline.randomWithHeavyPrefill(random);
    }

    private static MemoryLimit limit(long tokens) {
        return new MemoryLimit(
                tokens * KAPPA_DRAFT, tokens * KAPPA_VERIFY, KAPPA_DRAFT, KAPPA_VERIFY);
    }

    private static int[] singletons(int k) {
        int[] bounds = new int[k + 1];
        for (int p = 0; p <= k; p++) {
            bounds[p] = p;
        }
        return bounds;
    }
}
