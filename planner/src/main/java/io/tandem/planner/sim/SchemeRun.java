package io.tandem.planner.sim;

import java.util.Arrays;

/**
 * What one scheme did with one workload: every request's latency (from the window's start until its
 * last token is verified) and the shape of the plan.
 *
 * @param scheme the scheme
 * @param latencySeconds per request, in the workload's order
 * @param batches batches in the plan
 * @param speculationLength the plan's common speculation length (0 for autoregressive serving)
 * @param planMillis wall time the planner took
 */
public record SchemeRun(
        Scheme scheme,
        double[] latencySeconds,
        int batches,
        int speculationLength,
        double planMillis) {

    public SchemeRun {
        latencySeconds = latencySeconds.clone();
    }

    @Override
    public double[] latencySeconds() {
        return latencySeconds.clone();
    }

    public double meanSeconds() {
        return Arrays.stream(latencySeconds).average().orElse(0);
    }

    public double makespanSeconds() {
        return Arrays.stream(latencySeconds).max().orElse(0);
    }
}
