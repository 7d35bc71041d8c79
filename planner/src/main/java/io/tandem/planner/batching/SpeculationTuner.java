package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.StageCosts;
import io.tandem.planner.pipeline.BatchRun;
import io.tandem.planner.pipeline.PipelineEvaluator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-batch speculation lengths, beyond the paper's common l: coordinate descent over the batches
 * of a fixed partition, scored by the event-driven makespan (each batch with its own rounds N(l_m),
 * prefill in its first round). A change is kept only if it lowers the makespan and the KV caches
 * still fit; passes repeat until none helps. Deterministic: batches in order, l ascending, the
 * first of equal improvements wins. Stateless.
 */
final class SpeculationTuner {

    private static final int MAX_PASSES = 20;

    private SpeculationTuner() {}

    /** Per-batch speculation lengths for {@code bounds}, starting from all equal to {@code l}. */
    static int[] tune(SortedWindow window, int[] bounds, int l) {
        int batches = bounds.length - 1;
        int[] ls = new int[batches];
        Arrays.fill(ls, l);
        double current = makespan(window, bounds, ls);
        PlanningProblem problem = window.problem();
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            boolean improved = false;
            for (int m = 0; m < batches; m++) {
                int kept = ls[m];
                int bestL = kept;
                double best = current;
                for (int candidate = problem.minSpeculation();
                        candidate <= problem.maxSpeculation();
                        candidate++) {
                    if (candidate == kept) {
                        continue;
                    }
                    ls[m] = candidate;
                    if (!KvBudget.admits(window, bounds, ls)) {
                        continue;
                    }
                    double value = makespan(window, bounds, ls);
                    if (Ties.compare(value, best) < 0) {
                        best = value;
                        bestL = candidate;
                    }
                }
                ls[m] = bestL;
                if (bestL != kept) {
                    current = best;
                    improved = true;
                }
            }
            if (!improved) {
                break;
            }
        }
        return ls;
    }

    /**
     * Event-driven makespan of {@code bounds} with speculation lengths {@code ls}, all ready at 0.
     */
    static double makespan(SortedWindow window, int[] bounds, int[] ls) {
        StageCosts costs = window.costs();
        List<BatchRun> runs = new ArrayList<>(ls.length);
        for (int m = 0; m < ls.length; m++) {
            BatchShape shape = window.shape(bounds[m], bounds[m + 1]);
            runs.add(
                    BatchRun.steady(
                            0,
                            window.rounds(ls[m]),
                            costs.draftRound(shape, ls[m]),
                            costs.verifyRound(shape, ls[m]),
                            costs.draftPrefill(shape),
                            costs.verifyPrefill(shape, ls[m])));
        }
        return PipelineEvaluator.pipelined(runs).makespan();
    }
}
