package io.tandem.planner.batching;

/**
 * What the pipelined planners share: for each allowed common speculation length, the partition a
 * search finds within the KV budget (on the problem's {@link PlanningProblem.Objective}), scored
 * Fill + N(l)·Cyc; the best by {@link PlanCandidate#BEST_FIRST} becomes the plan. Stateless.
 */
final class PipelinedPlanning {

    /** Finds a partition for one speculation length. */
    interface PartitionSearch {

        /** Window positions {@code 0 = c_0 < … < c_M = K}, or null if none fits the budget. */
        int[] partition(SortedWindow window, int l, long paddingBudget);
    }

    private PipelinedPlanning() {}

    static BatchPlan plan(
            PlanningProblem problem, PartitionSearch search, String planner, boolean tunePerBatch) {
        SortedWindow window = new SortedWindow(problem);
        PlanCandidate best = null;
        for (int l = problem.minSpeculation(); l <= problem.maxSpeculation(); l++) {
            long budget = KvBudget.paddingBudget(window, l);
            if (budget < 0) {
                continue;
            }
            int[] bounds = search.partition(window, l, budget);
            if (bounds == null) {
                continue;
            }
            PlanCandidate candidate = PlanCandidate.pipelined(window, bounds, l);
            if (best == null || PlanCandidate.BEST_FIRST.compare(candidate, best) < 0) {
                best = candidate;
            }
        }
        if (best == null) {
            throw KvBudget.windowTooLarge(window);
        }
        return PlanAssembler.pipelined(window, best, planner, tunePerBatch);
    }

    /** Every position of the window: the grid on which DP-2 is exact. */
    static int[] everyPosition(int requests) {
        int[] positions = new int[requests + 1];
        for (int p = 0; p <= requests; p++) {
            positions[p] = p;
        }
        return positions;
    }
}
