package io.tandem.planner.sim;

import io.tandem.planner.BatchShape;
import io.tandem.planner.acceptance.AcceptanceSampler;
import io.tandem.planner.batching.BatchPlan;
import io.tandem.planner.batching.PlannedBatch;
import io.tandem.planner.cost.StageCosts;
import io.tandem.planner.pipeline.BatchRun;
import io.tandem.planner.pipeline.PipelineEvaluator;
import io.tandem.planner.pipeline.PipelineTimeline;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs a plan with random acceptance: every round each unfinished request gains its accepted drafts
 * plus one token, drawn from the pair's acceptance law, until it has its output tokens. A batch
 * keeps its shape (and cost) until its last request is done, as static batching does; a request's
 * latency ends with the verification that completes it. Acceptance draws come from a stream per
 * request, so every scheme sees the same luck for the same request.
 */
final class SpeculativeExecution {

    private SpeculativeExecution() {}

    static double[] run(
            BatchPlan plan,
            double[] readyAt,
            int users,
            StageCosts costs,
            AcceptanceSampler sampler,
            long seed,
            Schedule schedule) {
        List<BatchRun> runs = new ArrayList<>();
        int[][] finishRound = new int[plan.batchCount()][];
        for (int m = 0; m < plan.batchCount(); m++) {
            PlannedBatch batch = plan.batches().get(m);
            finishRound[m] = finishRounds(batch, sampler, seed);
            int rounds = 0;
            for (int round : finishRound[m]) {
                rounds = Math.max(rounds, round + 1);
            }
            runs.add(batchRun(batch.shape(), batch.speculationLength(), rounds, readyAt[m], costs));
        }
        PipelineTimeline timeline =
                switch (schedule) {
                    case ROUND_ROBIN -> PipelineEvaluator.pipelined(runs);
                    case EARLIEST_BATCH_FIRST -> PipelineEvaluator.prioritized(runs);
                    case SEQUENTIAL -> PipelineEvaluator.sequential(runs);
                };
        double[] latency = new double[users];
        for (int m = 0; m < plan.batchCount(); m++) {
            int[] members = plan.batches().get(m).requestIndices();
            for (int i = 0; i < members.length; i++) {
                latency[members[i]] = timeline.verifyEnd(m, finishRound[m][i]);
            }
        }
        return latency;
    }

    /** The round (from 0) in which each member of the batch reaches its output length. */
    private static int[] finishRounds(PlannedBatch batch, AcceptanceSampler sampler, long seed) {
        int[] members = batch.requestIndices();
        int l = batch.speculationLength();
        int target = batch.shape().outputTokens();
        int[] rounds = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + members[i]);
            int tokens = 0;
            int round = -1;
            while (tokens < target) {
                tokens += sampler.acceptedDrafts(l, random) + 1;
                round++;
            }
            rounds[i] = round;
        }
        return rounds;
    }

    private static BatchRun batchRun(
            BatchShape shape, int l, int rounds, double readyAt, StageCosts costs) {
        double[] draft = new double[rounds];
        double[] verify = new double[rounds];
        for (int n = 0; n < rounds; n++) {
            draft[n] = costs.draftRound(shape, l);
            verify[n] = costs.verifyRound(shape, l);
        }
        draft[0] += costs.draftPrefill(shape);
        verify[0] += costs.verifyPrefill(shape, l);
        return new BatchRun(readyAt, draft, verify);
    }
}
