package io.tandem.planner.batching;

/**
 * The "max batching" baseline of the paper's comparison: every request in one batch, so nothing
 * overlaps, with the speculation length of least Fill + N(l)·(a + b). With only one partition to
 * choose from, both {@link PlanningProblem.Objective}s give the same plan. Immutable and
 * thread-safe.
 */
public final class MaxBatching implements Planner {

    @Override
    public BatchPlan plan(PlanningProblem problem) {
        SortedWindow window = new SortedWindow(problem);
        int requests = window.size();
        if (!window.fitsBatchLimit(0, requests)) {
            throw new PlanInfeasibleException(
                    "max batching puts all "
                            + requests
                            + " requests in one batch, "
                            + (requests - problem.batchSizeLimit())
                            + " more than the batch-size limit "
                            + problem.batchSizeLimit());
        }
        int[] bounds = {0, requests};
        PlanCandidate best = null;
        for (int l = problem.minSpeculation(); l <= problem.maxSpeculation(); l++) {
            if (KvBudget.paddingBudget(window, l) < window.padding(0, requests)) {
                continue;
            }
            PlanCandidate candidate = PlanCandidate.pipelined(window, bounds, l);
            if (best == null || PlanCandidate.BEST_FIRST.compare(candidate, best) < 0) {
                best = candidate;
            }
        }
        if (best == null) {
            long tokens = window.cachedTokens(0, requests, problem.minSpeculation());
            throw new PlanInfeasibleException(
                    "max batching does not fit the KV-cache memory: one batch of "
                            + requests
                            + " requests at l = "
                            + problem.minSpeculation()
                            + " caches "
                            + tokens
                            + " tokens; "
                            + problem.memoryLimit().orElseThrow().shortfall(tokens));
        }
        return PlanAssembler.pipelined(window, best, "max-batching", false);
    }
}
