package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.StageCosts;
import io.tandem.planner.pipeline.BatchRun;
import io.tandem.planner.pipeline.PipelineEvaluator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns a chosen candidate into the public {@link BatchPlan}. Stateless. */
final class PlanAssembler {

    private PlanAssembler() {}

    /** A pipelined plan, with per-batch speculation lengths tuned if {@code tunePerBatch}. */
    static BatchPlan pipelined(
            SortedWindow window, PlanCandidate chosen, String planner, boolean tunePerBatch) {
        int[] common = new int[chosen.batchCount()];
        Arrays.fill(common, chosen.l());
        double commonMakespan = SpeculationTuner.makespan(window, chosen.bounds(), common);
        int[] ls =
                tunePerBatch ? SpeculationTuner.tune(window, chosen.bounds(), chosen.l()) : common;
        double makespan =
                tunePerBatch
                        ? SpeculationTuner.makespan(window, chosen.bounds(), ls)
                        : commonMakespan;
        return plan(window, chosen, ls, makespan, planner, Math.max(0, commonMakespan - makespan));
    }

    /** A plan whose batches run one after another, never overlapping. */
    static BatchPlan sequential(SortedWindow window, PlanCandidate chosen, String planner) {
        int[] bounds = chosen.bounds();
        List<BatchRun> runs = new ArrayList<>();
        for (int m = 0; m < chosen.batchCount(); m++) {
            BatchShape shape = window.shape(bounds[m], bounds[m + 1]);
            StageCosts costs = window.costs();
            runs.add(
                    BatchRun.steady(
                            0,
                            chosen.rounds(),
                            costs.draftRound(shape, chosen.l()),
                            costs.verifyRound(shape, chosen.l()),
                            costs.draftPrefill(shape),
                            costs.verifyPrefill(shape, chosen.l())));
        }
        int[] ls = new int[chosen.batchCount()];
        Arrays.fill(ls, chosen.l());
        double makespan = PipelineEvaluator.sequential(runs).makespan();
        return plan(window, chosen, ls, makespan, planner, 0);
    }

    private static BatchPlan plan(
            SortedWindow window,
            PlanCandidate chosen,
            int[] ls,
            double simulated,
            String planner,
            double gain) {
        int[] bounds = chosen.bounds();
        List<PlannedBatch> batches = new ArrayList<>(ls.length);
        for (int m = 0; m < ls.length; m++) {
            batches.add(
                    new PlannedBatch(
                            window.requestIndices(bounds[m], bounds[m + 1]),
                            window.shape(bounds[m], bounds[m + 1]),
                            ls[m]));
        }
        return new BatchPlan(
                batches,
                chosen.l(),
                chosen.rounds(),
                chosen.cycle(),
                chosen.total(),
                simulated,
                planner,
                gain);
    }
}
