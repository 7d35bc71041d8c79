package io.tandem.planner.batching;

import java.util.List;

/**
 * A plan for one window: batches in execution (round-robin) order and what the planner predicts for
 * them. Immutable.
 *
 * <p>{@code speculationLength}, {@code rounds}, {@code cycleSeconds} and {@code predictedSeconds}
 * describe the plan with one common speculation length, as the planner's model scores it: for the
 * pipelined planners predicted = Fill + N·Cyc (the paper's objective without its upload term, Fill
 * = Σ_m of both prefills, an upper bound), for {@link SequentialPlanner} Fill + N·Σ_m(a_m + b_m),
 * its exact makespan. That is what the planners minimize under the default {@link
 * PlanningProblem.Objective#TOTAL}; under {@code PAPER_CYCLE} the partition minimizes the cycle
 * alone and predicted still includes Fill. {@code simulatedSeconds} is the {@link
 * io.tandem.planner.pipeline.PipelineEvaluator} makespan of the batches as planned (each with its
 * own speculation length and rounds, prefill in the first round, all ready at 0; sequential for
 * {@link SequentialPlanner}).
 *
 * @param batches the batches, in execution order, at least one
 * @param speculationLength the common speculation length the plan was built for
 * @param rounds N(l) at the common speculation length
 * @param cycleSeconds Cyc: seconds per round of the whole window at the common speculation length
 * @param predictedSeconds Fill + N·Cyc at the common speculation length, whatever the objective
 * @param simulatedSeconds event-driven makespan of the batches as planned
 * @param planner the name of the planner that made the plan
 * @param perBatchGainSeconds how much choosing each batch's speculation length separately lowered
 *     {@code simulatedSeconds}; 0 when not tried or no change helped
 */
public record BatchPlan(
        List<PlannedBatch> batches,
        int speculationLength,
        int rounds,
        double cycleSeconds,
        double predictedSeconds,
        double simulatedSeconds,
        String planner,
        double perBatchGainSeconds) {

    public BatchPlan {
        batches = List.copyOf(batches);
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("a plan has at least one batch");
        }
        if (!(perBatchGainSeconds >= 0)) {
            throw new IllegalArgumentException(
                    "per-batch gain must be >= 0, got " + perBatchGainSeconds);
        }
    }

    public int batchCount() {
        return batches.size();
    }

    /** True if some batch runs with a speculation length other than the common one. */
    public boolean perBatchSpeculation() {
        return batches.stream().anyMatch(b -> b.speculationLength() != speculationLength);
    }
}
