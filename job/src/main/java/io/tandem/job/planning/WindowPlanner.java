package io.tandem.job.planning;

import io.tandem.planner.acceptance.IidAcceptance;
import io.tandem.planner.batching.BatchPlan;
import io.tandem.planner.batching.MeanLatencyPlanner;
import io.tandem.planner.batching.Planner;
import io.tandem.planner.batching.PlanningProblem;
import io.tandem.planner.batching.SequentialPlanner;
import io.tandem.planner.cost.StageCosts;
import io.tandem.schemas.internal.AdmittedRequest;
import java.util.List;

/**
 * Plans one window of requests with the planner: prompt lengths from the admitted requests, the
 * longest {@code maxNewTokens} as the window's output length (the planner's fixed output length),
 * stage costs measured on the models in use, and the acceptance rate assumed for the pair.
 *
 * <p>The generation operator runs a batch's rounds draft after verify on one worker, and the
 * window's batches one after another, so plans are scored without pipelining, for the lowest mean
 * latency. Immutable and thread-safe.
 */
final class WindowPlanner {

    static final int MAX_SPECULATION = 8;

    private final StageCosts costs;
    private final Planner planner = new MeanLatencyPlanner(new SequentialPlanner(), false);

    WindowPlanner(StageCosts costs) {
        this.costs = costs;
    }

    BatchPlan plan(List<AdmittedRequest> window, double alpha) {
        int[] prompts = new int[window.size()];
        int output = 1;
        for (int i = 0; i < prompts.length; i++) {
            AdmittedRequest request = window.get(i);
            prompts[i] = request.getPromptTokenIds().size();
            output = Math.max(output, request.getRequest().getMaxNewTokens());
        }
        return planner.plan(
                PlanningProblem.builder()
                        .setInputTokens(prompts)
                        .setOutputTokens(output)
                        .setAcceptance(new IidAcceptance(alpha))
                        .setCosts(costs)
                        .optSpeculationRange(1, MAX_SPECULATION)
                        .build());
    }
}
