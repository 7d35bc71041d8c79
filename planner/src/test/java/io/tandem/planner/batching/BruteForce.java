package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.StageCosts;
import io.tandem.planner.pipeline.LockStep;
import java.util.Arrays;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Enumerates every contiguous partition of a problem's sorted window (2^(K-1) of them) and every
 * speculation length: the independent reference the planners are tested against.
 */
final class BruteForce {

    /** A partition with its scores. */
    record Scored(int l, int[] bounds, double cycle, double total) {}

    private final PlanningProblem problem;
    private final int[] sorted;
    private final int[][] partitions;

    BruteForce(PlanningProblem problem) {
        this.problem = problem;
        this.sorted = problem.inputTokens();
        Arrays.sort(sorted);
        this.partitions = enumerate(sorted.length);
    }

    /** The least lock-step cycle over partitions allowed by {@code allowed}, at speculation l. */
    Scored bestPipelinedCycle(int l, Predicate<int[]> allowed) {
        Scored best = null;
        for (int[] bounds : partitions) {
            if (!allowed.test(bounds)) {
                continue;
            }
            double cycle = pipelinedCycle(bounds, l);
            if (best == null || cycle < best.cycle()) {
                best = new Scored(l, bounds, cycle, Double.NaN);
            }
        }
        return best;
    }

    /**
     * The best pipelined plan under the planners' documented rule, on the problem's objective.
     * Every plan is scored Fill + N(l)·Cyc. Under {@code TOTAL}: least total within 1e-12 relative,
     * then fewer batches, then smaller l, then cuts compared from the last one, smaller first.
     * Under {@code PAPER_CYCLE}: for each l the partition of least Cyc by the same rule, then the l
     * whose plan comes first by the rule on the total.
     */
    Scored bestByRule(Predicate<int[]> allowed) {
        return best(allowed, this::pipelinedCycle);
    }

    /**
     * The best sequential plan, Σ_m [Fill_m + N·(a_m + b_m)], on the problem's objective as in
     * {@link #bestByRule}, with Σ_m (a_m + b_m) as the cycle.
     */
    Scored bestSequential(Predicate<int[]> allowed) {
        return best(allowed, this::sequentialCycle);
    }

    private Scored best(Predicate<int[]> allowed, CycleModel model) {
        ToDoubleFunction<Scored> withinL =
                problem.objective() == PlanningProblem.Objective.TOTAL
                        ? Scored::total
                        : Scored::cycle;
        Scored best = null;
        for (int l = problem.minSpeculation(); l <= problem.maxSpeculation(); l++) {
            int rounds = problem.acceptance().rounds(l, problem.outputTokens());
            Scored bestAtL = null;
            for (int[] bounds : partitions) {
                if (!allowed.test(bounds)) {
                    continue;
                }
                double cycle = model.cycle(bounds, l);
                Scored candidate = new Scored(l, bounds, cycle, fill(bounds, l) + rounds * cycle);
                if (bestAtL == null || ruleOrder(candidate, bestAtL, withinL) < 0) {
                    bestAtL = candidate;
                }
            }
            if (bestAtL != null && (best == null || ruleOrder(bestAtL, best, Scored::total) < 0)) {
                best = bestAtL;
            }
        }
        return best;
    }

    /** Fill + N(l)·Cyc of {@code bounds} at l as a pipeline: what ExactPlanner predicts. */
    double pipelinedTotal(int[] bounds, int l) {
        return fill(bounds, l)
                + problem.acceptance().rounds(l, problem.outputTokens())
                        * pipelinedCycle(bounds, l);
    }

    double pipelinedCycle(int[] bounds, int l) {
        int batches = bounds.length - 1;
        double[] a = new double[batches];
        double[] b = new double[batches];
        for (int m = 0; m < batches; m++) {
            BatchShape shape = shape(bounds[m], bounds[m + 1]);
            a[m] = costs().draftRound(shape, l);
            b[m] = costs().verifyRound(shape, l);
        }
        return LockStep.cycle(a, b);
    }

    private double sequentialCycle(int[] bounds, int l) {
        double cycle = 0;
        for (int m = 0; m + 1 < bounds.length; m++) {
            BatchShape shape = shape(bounds[m], bounds[m + 1]);
            cycle += costs().draftRound(shape, l) + costs().verifyRound(shape, l);
        }
        return cycle;
    }

    /** KV tokens all batches cache together at a common l. */
    long cachedTokens(int[] bounds, int l) {
        long tokens = 0;
        for (int m = 0; m + 1 < bounds.length; m++) {
            tokens +=
                    (long) (bounds[m + 1] - bounds[m])
                            * (sorted[bounds[m + 1] - 1] + problem.outputTokens() + l);
        }
        return tokens;
    }

    int maxBatch(int[] bounds) {
        int max = 0;
        for (int m = 0; m + 1 < bounds.length; m++) {
            max = Math.max(max, bounds[m + 1] - bounds[m]);
        }
        return max;
    }

    private static int ruleOrder(Scored x, Scored y, ToDoubleFunction<Scored> score) {
        int order = Ties.compare(score.applyAsDouble(x), score.applyAsDouble(y));
        if (order == 0) {
            order = Integer.compare(x.bounds().length, y.bounds().length);
        }
        if (order == 0) {
            order = Integer.compare(x.l(), y.l());
        }
        if (order == 0) {
            for (int p = x.bounds().length - 1; p >= 0 && order == 0; p--) {
                order = Integer.compare(x.bounds()[p], y.bounds()[p]);
            }
        }
        return order;
    }

    private double fill(int[] bounds, int l) {
        double fill = 0;
        for (int m = 0; m + 1 < bounds.length; m++) {
            BatchShape shape = shape(bounds[m], bounds[m + 1]);
            fill += costs().draftPrefill(shape) + costs().verifyPrefill(shape, l);
        }
        return fill;
    }

    private BatchShape shape(int from, int to) {
        return new BatchShape(to - from, sorted[to - 1], problem.outputTokens());
    }

    private StageCosts costs() {
        return problem.costs();
    }

    /** Seconds per round of the window split at {@code bounds}. */
    private interface CycleModel {
        double cycle(int[] bounds, int l);
    }

    private static int[][] enumerate(int k) {
        int[][] all = new int[1 << (k - 1)][];
        for (int mask = 0; mask < all.length; mask++) {
            int[] bounds = new int[Integer.bitCount(mask) + 2];
            int p = 1;
            for (int cut = 1; cut < k; cut++) {
                if ((mask & (1 << (cut - 1))) != 0) {
                    bounds[p++] = cut;
                }
            }
            bounds[p] = k;
            all[mask] = bounds;
        }
        return all;
    }
}
