package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.StageCosts;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * A problem's requests sorted by prompt length, ascending (ties by original index, so the order is
 * deterministic), with what segment costs need. Batches are contiguous segments {@code [from, to)}
 * of this order: with padding to the longest prompt, that avoids needless padding. Immutable.
 */
final class SortedWindow {

    private final PlanningProblem problem;
    private final int[] lengths;
    private final int[] originalIndex;
    private final long[] prefix;

    SortedWindow(PlanningProblem problem) {
        this.problem = problem;
        int[] raw = problem.inputTokens();
        this.originalIndex =
                IntStream.range(0, raw.length)
                        .boxed()
                        .sorted(
                                Comparator.<Integer>comparingInt(k -> raw[k])
                                        .thenComparingInt(k -> k))
                        .mapToInt(Integer::intValue)
                        .toArray();
        this.lengths = Arrays.stream(originalIndex).map(k -> raw[k]).toArray();
        this.prefix = new long[raw.length + 1];
        for (int p = 0; p < raw.length; p++) {
            prefix[p + 1] = prefix[p] + lengths[p];
        }
    }

    PlanningProblem problem() {
        return problem;
    }

    StageCosts costs() {
        return problem.costs();
    }

    int size() {
        return lengths.length;
    }

    int length(int position) {
        return lengths[position];
    }

    boolean fitsBatchLimit(int from, int to) {
        return to - from <= problem.batchSizeLimit();
    }

    BatchShape shape(int from, int to) {
        return new BatchShape(to - from, lengths[to - 1], problem.outputTokens());
    }

    /** Padding tokens of segment {@code [from, to)}: what padding to its longest prompt adds. */
    long padding(int from, int to) {
        return (long) (to - from) * lengths[to - 1] - (prefix[to] - prefix[from]);
    }

    /** Prompt tokens of the whole window, without padding. */
    long promptTokens() {
        return prefix[lengths.length];
    }

    int rounds(int l) {
        return problem.acceptance().rounds(l, problem.outputTokens());
    }

    /** Both first-round prefill terms of segment {@code [from, to)}. */
    double fill(int from, int to, int l) {
        BatchShape shape = shape(from, to);
        return costs().draftPrefill(shape) + costs().verifyPrefill(shape, l);
    }

    /**
     * What segment {@code [from, to)} adds, besides its stage times, to the per-round value the
     * partition searches minimize: under {@link PlanningProblem.Objective#TOTAL} its fill / N(l),
     * so that N(l) times the sum is Fill + N(l)·Cyc (Fill is additive over batches, and each batch
     * enters the sum once); under {@link PlanningProblem.Objective#PAPER_CYCLE} 0, the cycle alone.
     */
    double fillShare(int from, int to, int l) {
        return problem.objective() == PlanningProblem.Objective.TOTAL
                ? fill(from, to, l) / rounds(l)
                : 0;
    }

    /** KV tokens segment {@code [from, to)} keeps: {@code |B|·(I_max + O + l)}. */
    long cachedTokens(int from, int to, int l) {
        return (long) (to - from) * (lengths[to - 1] + problem.outputTokens() + l);
    }

    int[] requestIndices(int from, int to) {
        return Arrays.copyOfRange(originalIndex, from, to);
    }
}
