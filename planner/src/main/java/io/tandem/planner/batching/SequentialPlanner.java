package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.StageCosts;
import java.util.Optional;

/**
 * The "no pipelining" baseline: batches run one after another and the two nodes never work at the
 * same time, so the makespan Σ_m [Fill_m + N(l)·(a_m + b_m)] is additive and, under the default
 * {@link PlanningProblem.Objective}, the additive DP (docs/planner.md) minimizes it exactly for
 * each common speculation length; then the l of least makespan is taken. Under {@code PAPER_CYCLE},
 * as for the pipelined planners, the partition for each l minimizes the round time Σ_m (a_m + b_m)
 * alone, blind to the prefill. Only the running batch holds KV cache, so the memory limit applies
 * to each batch alone. Ties follow {@link PlanCandidate}'s rule. O(l·K²). Immutable and
 * thread-safe.
 */
public final class SequentialPlanner implements Planner {

    @Override
    public BatchPlan plan(PlanningProblem problem) {
        SortedWindow window = new SortedWindow(problem);
        PlanCandidate best = null;
        for (int l = problem.minSpeculation(); l <= problem.maxSpeculation(); l++) {
            int[] bounds = partition(window, l);
            if (bounds == null) {
                continue;
            }
            PlanCandidate candidate = PlanCandidate.sequential(window, bounds, l);
            if (best == null || PlanCandidate.BEST_FIRST.compare(candidate, best) < 0) {
                best = candidate;
            }
        }
        if (best == null) {
            int longest = window.size() - 1;
            long tokens = window.cachedTokens(longest, longest + 1, problem.minSpeculation());
            throw new PlanInfeasibleException(
                    "no plan fits the KV-cache memory: the longest request alone at l = "
                            + problem.minSpeculation()
                            + " caches "
                            + tokens
                            + " tokens; "
                            + problem.memoryLimit().orElseThrow().shortfall(tokens));
        }
        return PlanAssembler.sequential(window, best, "sequential");
    }

    /**
     * DP-1: V(k) = min_j V(j) + c(j, k) with c = a + b + the segment's fill share, per round:
     * N(l)·V is the makespan under the total objective, the round time alone under the paper's.
     * Ties to fewer batches, then the smaller last cut.
     */
    private static int[] partition(SortedWindow window, int l) {
        int requests = window.size();
        StageCosts costs = window.costs();
        Optional<MemoryLimit> memory = window.problem().memoryLimit();
        double[] value = new double[requests + 1];
        int[] count = new int[requests + 1];
        int[] parent = new int[requests + 1];
        for (int k = 1; k <= requests; k++) {
            value[k] = Double.POSITIVE_INFINITY;
            for (int j = k - 1; j >= 0 && window.fitsBatchLimit(j, k); j--) {
                if (value[j] == Double.POSITIVE_INFINITY) {
                    continue;
                }
                if (memory.isPresent() && !memory.get().admits(window.cachedTokens(j, k, l))) {
                    // longer segments ending at k only pad more
                    break;
                }
                BatchShape shape = window.shape(j, k);
                double v =
                        value[j]
                                + window.fillShare(j, k, l)
                                + costs.draftRound(shape, l)
                                + costs.verifyRound(shape, l);
                // j descends, so on a tie in value and count the smaller last cut wins
                int order = Ties.compare(v, value[k]);
                if (order < 0 || (order == 0 && count[j] + 1 <= count[k])) {
                    value[k] = v;
                    count[k] = count[j] + 1;
                    parent[k] = j;
                }
            }
        }
        if (value[requests] == Double.POSITIVE_INFINITY) {
            return null;
        }
        int[] bounds = new int[count[requests] + 1];
        for (int k = requests, p = bounds.length - 1; p >= 0; p--) {
            bounds[p] = k;
            k = parent[k];
        }
        return bounds;
    }
}
