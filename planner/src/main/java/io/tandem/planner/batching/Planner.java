package io.tandem.planner.batching;

/**
 * Splits a window of requests into batches and chooses their speculation lengths. Implementations
 * are immutable and thread-safe, and deterministic: the same problem always gives the same plan.
 */
public interface Planner {

    /**
     * The plan for {@code problem}.
     *
     * @throws PlanInfeasibleException if no plan satisfies the problem's limits
     */
    BatchPlan plan(PlanningProblem problem);
}
