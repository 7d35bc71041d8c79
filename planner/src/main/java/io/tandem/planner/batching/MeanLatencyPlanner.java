package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.StageCosts;
import io.tandem.planner.pipeline.BatchRun;
import io.tandem.planner.pipeline.LockStep;
import io.tandem.planner.pipeline.PipelineEvaluator;
import io.tandem.planner.pipeline.PipelineTimeline;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Plans for the lowest mean latency per request rather than the soonest end of the window, which is
 * what the paper's DP (and {@link ExactPlanner}) minimise. The two differ a lot: under the
 * round-robin pipeline every batch finishes near the end of the window, so the mean is close to the
 * makespan, whereas serving earlier batches first lets them finish early. This planner therefore
 * assumes the earliest-batch-first pipeline ({@link PipelineEvaluator#prioritized}), or no
 * pipelining at all, and picks among candidate plans by their event-driven mean latency:
 *
 * <ul>
 *   <li>for every allowed l, the partitions of the sorted window that minimise the weighted sum of
 *       completion times when batches run one after another (the additive DP of {@link SegmentDp},
 *       Brucker's form), once with each batch costing its bottleneck stage (what a pipeline
 *       overlapping draft and verify approaches) and once with both stages (no overlap);
 *   <li>the plan of {@code cyclePlanner}, which may win when the stages are balanced.
 * </ul>
 *
 * <p>Each candidate's batches are ordered by Smith's rule (work per request, ascending), which is
 * optimal for weighted completion on one machine. Candidates are scored with expected rounds N(l),
 * like every planner here; ties go to fewer batches, then smaller l. Candidates that break a memory
 * limit are skipped. Deterministic and thread-safe.
 */
public final class MeanLatencyPlanner implements Planner {

    private final Planner cyclePlanner;
    private final boolean pipelined;

    /**
     * @param cyclePlanner the planner whose plan joins the candidates
     * @param pipelined score with the earliest-batch-first pipeline if true, else with no overlap
     */
    public MeanLatencyPlanner(Planner cyclePlanner, boolean pipelined) {
        this.cyclePlanner = cyclePlanner;
        this.pipelined = pipelined;
    }

    @Override
    public BatchPlan plan(PlanningProblem problem) {
        SortedWindow window = new SortedWindow(problem);
        Scored best = null;
        for (int l = problem.minSpeculation(); l <= problem.maxSpeculation(); l++) {
            for (boolean overlap : new boolean[] {true, false}) {
                Optional<List<PlannedBatch>> batches = batches(window, l, overlap);
                if (batches.isPresent()) {
                    best = better(best, score(problem, batches.get(), l));
                }
            }
        }
        try {
            BatchPlan cycle = cyclePlanner.plan(problem);
            best = better(best, score(problem, cycle.batches(), cycle.speculationLength()));
        } catch (PlanInfeasibleException e) {
            if (best == null) {
                throw e;
            }
        }
        if (best == null) {
            throw new PlanInfeasibleException(
                    "no plan of the "
                            + problem.requestCount()
                            + " requests fits the memory limit "
                            + problem.memoryLimit().orElseThrow());
        }
        return best.toPlan();
    }

    /**
     * The partition of the sorted window with the least summed completion, batches in order; empty
     * if no batch fits the limits.
     */
    private static Optional<List<PlannedBatch>> batches(
            SortedWindow window, int l, boolean overlap) {
        int rounds = window.rounds(l);
        StageCosts costs = window.costs();
        SegmentDp.SegmentCost cost =
                (from, to) -> {
                    if (!window.fitsBatchLimit(from, to) || !fitsMemory(window, from, to, l)) {
                        return Double.POSITIVE_INFINITY;
                    }
                    BatchShape shape = window.shape(from, to);
                    double a = costs.draftRound(shape, l);
                    double b = costs.verifyRound(shape, l);
                    return window.fill(from, to, l) + rounds * (overlap ? Math.max(a, b) : a + b);
                };
        return SegmentDp.bestCuts(window.size(), cost, true)
                .map(
                        cuts -> {
                            List<PlannedBatch> batches = new ArrayList<>();
                            for (int m = 1; m < cuts.length; m++) {
                                batches.add(
                                        new PlannedBatch(
                                                window.requestIndices(cuts[m - 1], cuts[m]),
                                                window.shape(cuts[m - 1], cuts[m]),
                                                l));
                            }
                            return batches;
                        });
    }

    /** Whether one batch's KV cache fits a node at all (the sum is checked per plan). */
    private static boolean fitsMemory(SortedWindow window, int from, int to, int l) {
        return window.problem()
                .memoryLimit()
                .map(limit -> limit.admits(window.cachedTokens(from, to, l)))
                .orElse(true);
    }

    private Scored score(PlanningProblem problem, List<PlannedBatch> batches, int l) {
        StageCosts costs = problem.costs();
        int rounds = problem.acceptance().rounds(l, problem.outputTokens());
        List<PlannedBatch> ordered = new ArrayList<>(batches);
        ordered.sort(
                Comparator.comparingDouble(
                        (PlannedBatch b) -> work(costs, b, rounds) / b.shape().size()));
        if (problem.memoryLimit().isPresent()) {
            // pipelined, every batch of the window holds its KV cache at once; one after
            // another, only the running batch does
            long total = 0;
            long largest = 0;
            for (PlannedBatch batch : ordered) {
                BatchShape shape = batch.shape();
                long tokens =
                        (long) shape.size()
                                * (shape.maxInputTokens()
                                        + shape.outputTokens()
                                        + batch.speculationLength());
                total += tokens;
                largest = Math.max(largest, tokens);
            }
            if (!problem.memoryLimit().get().admits(pipelined ? total : largest)) {
                return null;
            }
        }
        List<BatchRun> runs = new ArrayList<>();
        double[] draft = new double[ordered.size()];
        double[] verify = new double[ordered.size()];
        for (int m = 0; m < ordered.size(); m++) {
            PlannedBatch batch = ordered.get(m);
            BatchShape shape = batch.shape();
            int lm = batch.speculationLength();
            draft[m] = costs.draftRound(shape, lm);
            verify[m] = costs.verifyRound(shape, lm);
            runs.add(
                    BatchRun.steady(
                            0,
                            problem.acceptance().rounds(lm, problem.outputTokens()),
                            draft[m],
                            verify[m],
                            costs.draftPrefill(shape),
                            costs.verifyPrefill(shape, lm)));
        }
        PipelineTimeline timeline =
                pipelined
                        ? PipelineEvaluator.prioritized(runs)
                        : PipelineEvaluator.sequential(runs);
        double sum = 0;
        for (int m = 0; m < ordered.size(); m++) {
            sum += ordered.get(m).shape().size() * timeline.completion(m);
        }
        return new Scored(
                ordered,
                l,
                rounds,
                LockStep.cycle(draft, verify),
                sum / problem.requestCount(),
                timeline.makespan());
    }

    private static double work(StageCosts costs, PlannedBatch batch, int rounds) {
        BatchShape shape = batch.shape();
        int l = batch.speculationLength();
        return costs.draftPrefill(shape)
                + costs.verifyPrefill(shape, l)
                + rounds * (costs.draftRound(shape, l) + costs.verifyRound(shape, l));
    }

    private static Scored better(Scored incumbent, Scored candidate) {
        if (candidate == null) {
            return incumbent;
        }
        if (incumbent == null) {
            return candidate;
        }
        int order = Ties.compare(candidate.mean, incumbent.mean);
        if (order != 0) {
            return order < 0 ? candidate : incumbent;
        }
        if (candidate.batches.size() != incumbent.batches.size()) {
            return candidate.batches.size() < incumbent.batches.size() ? candidate : incumbent;
        }
        return candidate.l < incumbent.l ? candidate : incumbent;
    }

    private record Scored(
            List<PlannedBatch> batches,
            int l,
            int rounds,
            double cycle,
            double mean,
            double makespan) {

        BatchPlan toPlan() {
            return new BatchPlan(batches, l, rounds, cycle, mean, makespan, "mean-latency", 0);
        }
    }
}
