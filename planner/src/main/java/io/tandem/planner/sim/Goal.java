package io.tandem.planner.sim;

/** What the schemes plan for: how they batch, and in which order the nodes take the rounds. */
public enum Goal {
    /**
     * The lowest mean latency per request: plans by {@link
     * io.tandem.planner.batching.MeanLatencyPlanner}, earliest batch first on the nodes.
     */
    MEAN_LATENCY,
    /**
     * The paper's: the whole window served soonest, by its DP and the round-robin pipeline. Every
     * batch then finishes near the end, so mean latency is close to the makespan.
     */
    MAKESPAN
}
