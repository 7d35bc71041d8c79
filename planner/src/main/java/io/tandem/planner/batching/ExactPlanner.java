package io.tandem.planner.batching;

/**
 * The paper's cyclic DP ({@link CycleSearch}; docs/planner.md, "The cyclic programme"), exactly, on
 * the problem's {@link PlanningProblem.Objective}: for each allowed speculation length l, the
 * contiguous partition of the sorted window with the least Fill + N(l)·Cyc (by default; the DP adds
 * each segment's fill / N(l) to its cycle term, which is exact because Fill is additive over
 * batches) or with the least lock-step cycle Cyc ({@code PAPER_CYCLE}; one batch: a + b); then the
 * l with the least Fill(l) + N(l)·Cyc. By default the plan is thus the least Fill + N·Cyc over all
 * contiguous partitions and allowed l. Ties follow {@link PlanCandidate}'s rule. O(l·K⁴/24) time
 * and O(K²) memory per call: about 4·10⁶ steps per l at K = 100; use {@link FastPlanner} for larger
 * windows. With a KV-memory limit the search per l is the Lagrangian one of {@link GridSearch}
 * followed by {@link CutRefiner} within the budget: always within the limit, but not always optimal
 * (a duality gap can hide the constrained optimum; in 300 constrained random windows of up to 12
 * requests it was found in 295 to 299, depending on the objective and how heavy the prefill is, the
 * worst plan 4% above it).
 *
 * <p>Optionally tunes each batch's speculation length afterwards ({@link SpeculationTuner}).
 * Immutable and thread-safe.
 */
public final class ExactPlanner implements Planner {

    private final boolean tunePerBatch;

    /** The paper's planner: one speculation length for all batches. */
    public ExactPlanner() {
        this(false);
    }

    /**
     * @param tunePerBatch whether to try a different speculation length for each batch after the
     *     common-l plan
     */
    public ExactPlanner(boolean tunePerBatch) {
        this.tunePerBatch = tunePerBatch;
    }

    @Override
    public BatchPlan plan(PlanningProblem problem) {
        return PipelinedPlanning.plan(problem, ExactPlanner::partition, "exact", tunePerBatch);
    }

    private static int[] partition(SortedWindow window, int l, long paddingBudget) {
        int[] bounds =
                new GridSearch(window, PipelinedPlanning.everyPosition(window.size()), l)
                        .bestWithin(paddingBudget);
        if (bounds == null || paddingBudget == Long.MAX_VALUE) {
            return bounds;
        }
        // the Lagrangian can stop short of the constrained optimum; local moves within the
        // budget close part of that gap and never lose anything
        return new CutRefiner(window, l, paddingBudget, window.size()).refine(bounds);
    }
}
