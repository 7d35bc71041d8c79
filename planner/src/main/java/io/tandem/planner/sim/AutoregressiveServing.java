package io.tandem.planner.sim;

import io.tandem.planner.BatchShape;
import io.tandem.planner.batching.SegmentDp;
import io.tandem.planner.cost.StageCosts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The AD baseline: the target alone at the big node, one batch after another, each a prefill and
 * then one decode pass per output token. Batches are contiguous runs of the prompts sorted by
 * length, shortest first, chosen by the additive DP for the same goal as the speculative schemes
 * (the window's end, or the requests' mean latency).
 */
final class AutoregressiveServing {

    private AutoregressiveServing() {}

    /** Batches (indices into {@code inputTokens}) in execution order, shortest prompts first. */
    static List<int[]> plan(
            int[] inputTokens, int outputTokens, StageCosts costs, boolean meanLatency) {
        int[] order =
                IntStream.range(0, inputTokens.length)
                        .boxed()
                        .sorted(Comparator.comparingInt((Integer i) -> inputTokens[i]))
                        .mapToInt(Integer::intValue)
                        .toArray();
        int[] cuts =
                SegmentDp.cuts(
                        order.length,
                        (from, to) ->
                                batchSeconds(
                                        new BatchShape(
                                                to - from,
                                                inputTokens[order[to - 1]],
                                                outputTokens),
                                        costs),
                        meanLatency);
        List<int[]> batches = new ArrayList<>();
        for (int m = 1; m < cuts.length; m++) {
            batches.add(Arrays.copyOfRange(order, cuts[m - 1], cuts[m]));
        }
        return batches;
    }

    /** Seconds one batch occupies the target. */
    static double batchSeconds(BatchShape shape, StageCosts costs) {
        return costs.targetPrefill(shape) + shape.outputTokens() * costs.targetStep(shape);
    }

    /** Per-request latency when batch m can start at {@code readyAt[m]}. */
    static double[] run(
            List<int[]> batches,
            double[] readyAt,
            int[] inputTokens,
            int outputTokens,
            StageCosts costs) {
        double[] latency = new double[inputTokens.length];
        double free = 0;
        for (int m = 0; m < batches.size(); m++) {
            int[] members = batches.get(m);
            int longest = Arrays.stream(members).map(i -> inputTokens[i]).max().orElseThrow();
            BatchShape shape = new BatchShape(members.length, longest, outputTokens);
            free = Math.max(free, readyAt[m]) + batchSeconds(shape, costs);
            for (int i : members) {
                latency[i] = free;
            }
        }
        return latency;
    }
}
