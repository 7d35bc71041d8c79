package io.tandem.job.planning;

import io.tandem.planner.BatchShape;
import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.batching.BatchPlan;
import io.tandem.planner.batching.MeanLatencyPlanner;
import io.tandem.planner.batching.Planner;
import io.tandem.planner.batching.PlanningProblem;
import io.tandem.planner.batching.SequentialPlanner;
import io.tandem.planner.cost.RoundTransport;
import io.tandem.planner.cost.StageCosts;
import io.tandem.schemas.internal.AdmittedRequest;
import java.util.List;

/**
 * Plans one window of requests with the planner: prompt lengths from the admitted requests, the
 * longest {@code maxNewTokens} as the window's output length (the planner's fixed output length),
 * stage costs measured on the models in use, and the acceptance rate assumed for the pair.
 *
 * <p>Plans are scored without pipelining, for the lowest mean latency: a batch's draft and verify
 * alternate, and although other batches overlap with them across the two stages, the planner's
 * pipeline model would credit overlap the loop only gets when windows arrive back to back.
 * Immutable and thread-safe. Public for {@code ./tandem bench pipeline}, whose in-process loop
 * plans its windows the way the job does.
 */
public final class WindowPlanner {

    static final int MAX_SPECULATION = 8;

    private final StageCosts costs;
    private final Planner planner = new MeanLatencyPlanner(new SequentialPlanner(), false);

    public WindowPlanner(StageCosts costs) {
        this.costs = costs;
    }

    /**
     * This planner for a loop that adds {@code millis} of transport to every round: longer
     * speculation pays more when each round costs more to move.
     */
    public WindowPlanner withRoundOverhead(double millis) {
        return new WindowPlanner(new RoundTransport(costs, millis / 1000));
    }

    /** Predicted milliseconds of one round of {@code batch} at l = 1..MAX_SPECULATION. */
    public double[] roundMillis(BatchShape batch) {
        double[] millis = new double[MAX_SPECULATION];
        for (int l = 1; l <= MAX_SPECULATION; l++) {
            millis[l - 1] = 1000 * (costs.draftRound(batch, l) + costs.verifyRound(batch, l));
        }
        return millis;
    }

    /** Plans {@code window} (its requests in arrival order) for the pair's {@code acceptance}. */
    public BatchPlan plan(List<AdmittedRequest> window, Acceptance acceptance) {
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
                        .setAcceptance(acceptance)
                        .setCosts(costs)
                        .optSpeculationRange(1, MAX_SPECULATION)
                        .build());
    }
}
