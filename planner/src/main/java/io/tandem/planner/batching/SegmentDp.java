package io.tandem.planner.batching;

import java.util.Optional;

/**
 * The additive DP over contiguous segments of a sorted window (docs/planner.md, "The additive
 * programme"), for batches that run one after another in window order: it minimises either the sum
 * of the batches' costs (when the last one finishes) or the sum of every request's completion time
 * (Brucker's backward form, where a batch's cost delays every request from its first on). O(K²)
 * cost evaluations. Ties go to fewer batches. Pure and thread-safe.
 */
public final class SegmentDp {

    /** Seconds a batch of sorted positions {@code [from, to)} takes; infinite if not allowed. */
    @FunctionalInterface
    public interface SegmentCost {
        double seconds(int from, int to);
    }

    private SegmentDp() {}

    /**
     * The cut positions {@code 0 = c_0 < c_1 < … < c_M = k} of the best partition.
     *
     * @param sumOfCompletions minimise the requests' summed completion time if true, else the
     *     batches' summed cost
     * @throws IllegalArgumentException if no partition has a finite cost
     */
    public static int[] cuts(int k, SegmentCost cost, boolean sumOfCompletions) {
        return bestCuts(k, cost, sumOfCompletions)
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "no partition of " + k + " requests is allowed"));
    }

    /** As {@link #cuts}, but empty when no partition has a finite cost (limits leave none). */
    public static Optional<int[]> bestCuts(int k, SegmentCost cost, boolean sumOfCompletions) {
        // best[j]: the least value of positions j..k-1 served from time 0
        double[] best = new double[k + 1];
        int[] next = new int[k + 1];
        int[] batches = new int[k + 1];
        for (int j = k - 1; j >= 0; j--) {
            best[j] = Double.POSITIVE_INFINITY;
            for (int end = j + 1; end <= k; end++) {
                double seconds = cost.seconds(j, end);
                double value = best[end] + (sumOfCompletions ? k - j : 1) * seconds;
                int order = Ties.compare(value, best[j]);
                if (order < 0 || order == 0 && batches[end] + 1 < batches[j]) {
                    best[j] = value;
                    next[j] = end;
                    batches[j] = batches[end] + 1;
                }
            }
        }
        if (best[0] == Double.POSITIVE_INFINITY) {
            return Optional.empty();
        }
        int[] cuts = new int[batches[0] + 1];
        for (int m = 0, j = 0; j < k; j = next[j]) {
            cuts[++m] = next[j];
        }
        return Optional.of(cuts);
    }
}
