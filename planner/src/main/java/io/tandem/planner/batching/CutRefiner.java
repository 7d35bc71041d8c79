package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.pipeline.LockStep;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Local search on a partition of the sorted window for one speculation length: moves each cut by
 * steps from {@code maxStep} down to 1 in both directions, then merges neighbours, then splits
 * batches at a few evenly spaced points. It scores partitions by the same search value as {@link
 * GridSearch}: the lock-step cycle plus every batch's {@link SortedWindow#fillShare}. A change is
 * kept only if it lowers that value (beyond {@link Ties}) and keeps every batch within the size
 * limit and the padding within budget, so the search ends and never leaves the feasible set. A cut
 * move changes only the three cycle terms next to it and the fill shares of its two batches, so it
 * is scored in O(1). Deterministic. Not thread-safe: one per search.
 */
final class CutRefiner {

    private static final int MAX_PASSES = 200;
    private static final int SPLIT_POINTS = 8;

    private final SortedWindow window;
    private final int l;
    private final long paddingBudget;
    private final int maxStep;
    private final Map<Long, double[]> segmentCosts = new HashMap<>();

    CutRefiner(SortedWindow window, int l, long paddingBudget, int maxStep) {
        this.window = window;
        this.l = l;
        this.paddingBudget = paddingBudget;
        this.maxStep = Math.max(1, maxStep);
    }

    /** A partition no worse than {@code start}, which must be feasible. */
    int[] refine(int[] start) {
        int[] bounds = start.clone();
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            boolean improved = moveCuts(bounds);
            if (!improved) {
                int[] merged = mergeNeighbours(bounds);
                int[] split = merged == bounds ? splitBatches(bounds) : merged;
                if (split == bounds) {
                    break;
                }
                bounds = split;
            }
        }
        return bounds;
    }

    /** The search value of {@code bounds}: lock-step cycle plus the batches' fill shares. */
    double searchValue(int[] bounds) {
        int batches = bounds.length - 1;
        double[] draft = new double[batches];
        double[] verify = new double[batches];
        double shares = 0;
        for (int m = 0; m < batches; m++) {
            double[] costs = segment(bounds[m], bounds[m + 1]);
            draft[m] = costs[0];
            verify[m] = costs[1];
            shares += costs[2];
        }
        return LockStep.cycle(draft, verify) + shares;
    }

    /** Moves cuts in place while that helps; true if any moved. */
    private boolean moveCuts(int[] bounds) {
        int batches = bounds.length - 1;
        if (batches < 2) {
            return false;
        }
        double[] draft = new double[batches];
        double[] verify = new double[batches];
        double[] share = new double[batches];
        long padding = 0;
        for (int m = 0; m < batches; m++) {
            set(draft, verify, share, m, segment(bounds[m], bounds[m + 1]));
            padding += window.padding(bounds[m], bounds[m + 1]);
        }
        double value = LockStep.cycle(draft, verify) + sum(share);
        boolean improved = false;
        for (int c = 1; c < batches; c++) {
            for (int step = maxStep; step >= 1; step /= 2) {
                for (int direction = -1; direction <= 1; direction += 2) {
                    int position = bounds[c] + direction * step;
                    if (position <= bounds[c - 1]
                            || position >= bounds[c + 1]
                            || !window.fitsBatchLimit(bounds[c - 1], position)
                            || !window.fitsBatchLimit(position, bounds[c + 1])) {
                        continue;
                    }
                    long movedPadding =
                            padding
                                    - window.padding(bounds[c - 1], bounds[c])
                                    - window.padding(bounds[c], bounds[c + 1])
                                    + window.padding(bounds[c - 1], position)
                                    + window.padding(position, bounds[c + 1]);
                    if (movedPadding > paddingBudget) {
                        continue;
                    }
                    double[] keptLeft = {draft[c - 1], verify[c - 1], share[c - 1]};
                    double[] keptRight = {draft[c], verify[c], share[c]};
                    double before = nearTerms(draft, verify, c) + share[c - 1] + share[c];
                    set(draft, verify, share, c - 1, segment(bounds[c - 1], position));
                    set(draft, verify, share, c, segment(position, bounds[c + 1]));
                    double after = nearTerms(draft, verify, c) + share[c - 1] + share[c];
                    double moved = value - before + after;
                    if (Ties.compare(moved, value) < 0) {
                        bounds[c] = position;
                        padding = movedPadding;
                        // recomputed rather than updated, so rounding does not pile up over moves
                        value = LockStep.cycle(draft, verify) + sum(share);
                        improved = true;
                    } else {
                        set(draft, verify, share, c - 1, keptLeft);
                        set(draft, verify, share, c, keptRight);
                    }
                }
            }
        }
        return improved;
    }

    /** The cycle terms that read batches c-1 and c: those ending at c-2, c-1 and c (cyclic). */
    private static double nearTerms(double[] draft, double[] verify, int c) {
        int batches = draft.length;
        double sum = 0;
        int terms = Math.min(3, batches);
        for (int t = 0; t < terms; t++) {
            int m = Math.floorMod(c - 2 + t, batches);
            sum += Math.max(draft[(m + 1) % batches], verify[m]);
        }
        return sum;
    }

    private static double sum(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum;
    }

    private static void set(
            double[] draft, double[] verify, double[] share, int m, double[] costs) {
        draft[m] = costs[0];
        verify[m] = costs[1];
        share[m] = costs[2];
    }

    /** Drops every cut whose removal helps, left to right; {@code bounds} itself if none. */
    private int[] mergeNeighbours(int[] bounds) {
        int[] current = bounds;
        double value = searchValue(current);
        for (int c = 1; c + 1 < current.length; ) {
            int[] merged = new int[current.length - 1];
            System.arraycopy(current, 0, merged, 0, c);
            System.arraycopy(current, c + 1, merged, c, current.length - c - 1);
            double mergedValue =
                    feasible(merged)
                            ? changedValue(current, value, c - 1, 2, merged)
                            : Double.POSITIVE_INFINITY;
            if (Ties.compare(mergedValue, value) < 0) {
                current = merged;
                value = searchValue(current);
            } else {
                c++;
            }
        }
        return current;
    }

    /** Splits, right to left, every batch at its best helpful point; {@code bounds} if none. */
    private int[] splitBatches(int[] bounds) {
        int[] current = bounds;
        double value = searchValue(current);
        for (int m = current.length - 2; m >= 0; m--) {
            int from = current[m];
            int size = current[m + 1] - from;
            int[] best = null;
            double bestValue = value;
            int previous = -1;
            for (int q = 1; q < SPLIT_POINTS; q++) {
                int position = from + (int) ((long) size * q / SPLIT_POINTS);
                if (position <= from || position == previous) {
                    continue;
                }
                previous = position;
                int[] split = new int[current.length + 1];
                System.arraycopy(current, 0, split, 0, m + 1);
                split[m + 1] = position;
                System.arraycopy(current, m + 1, split, m + 2, current.length - m - 1);
                double splitValue =
                        feasible(split)
                                ? changedValue(current, value, m, 1, split)
                                : Double.POSITIVE_INFINITY;
                if (Ties.compare(splitValue, bestValue) < 0) {
                    best = split;
                    bestValue = splitValue;
                }
            }
            if (best != null) {
                current = best;
                value = searchValue(current);
            }
        }
        return current;
    }

    /**
     * The search value of {@code after}, which replaces batches {@code first .. first + replaced -
     * 1} of {@code before} (value {@code beforeValue}) by other batches over the same requests.
     * Only the cycle terms touching the replaced span and the fill shares of the batches in it
     * change, so with three or more batches on both sides this costs O(changed batches), not O(M).
     */
    private double changedValue(
            int[] before, double beforeValue, int first, int replaced, int[] after) {
        int oldBatches = before.length - 1;
        int newBatches = after.length - 1;
        if (oldBatches < 3 || newBatches < 3) {
            return searchValue(after);
        }
        int added = newBatches - oldBatches + replaced;
        // terms m -> max(a_{m+1}, b_m) from the batch before the span through the span's last batch
        double removed = 0;
        for (int m = first - 1; m < first + replaced; m++) {
            removed += term(before, oldBatches, m);
        }
        for (int m = first; m < first + replaced; m++) {
            removed += segment(before[m], before[m + 1])[2];
        }
        double inserted = 0;
        for (int m = first - 1; m < first + added; m++) {
            inserted += term(after, newBatches, m);
        }
        for (int m = first; m < first + added; m++) {
            inserted += segment(after[m], after[m + 1])[2];
        }
        return beforeValue - removed + inserted;
    }

    private double term(int[] bounds, int batches, int m) {
        int current = Math.floorMod(m, batches);
        int next = (current + 1) % batches;
        return Math.max(
                segment(bounds[next], bounds[next + 1])[0],
                segment(bounds[current], bounds[current + 1])[1]);
    }

    private boolean feasible(int[] bounds) {
        long padding = 0;
        for (int m = 0; m + 1 < bounds.length; m++) {
            if (!window.fitsBatchLimit(bounds[m], bounds[m + 1])) {
                return false;
            }
            padding += window.padding(bounds[m], bounds[m + 1]);
        }
        return padding <= paddingBudget;
    }

    /** Segment {@code [from, to)}'s draft time, verify time and fill share, cached. */
    private double[] segment(int from, int to) {
        return segmentCosts.computeIfAbsent(
                (long) from << 32 | to,
                key -> {
                    BatchShape shape = window.shape(from, to);
                    return new double[] {
                        window.costs().draftRound(shape, l),
                        window.costs().verifyRound(shape, l),
                        window.fillShare(from, to, l)
                    };
                });
    }

    /**
     * Runs of equal prompt length, cut at the size limit: no padding, so it fits any budget ≥ 0.
     */
    static int[] leastPadding(SortedWindow window) {
        int[] bounds = new int[window.size() + 1];
        int count = 0;
        bounds[count++] = 0;
        int start = 0;
        for (int p = 1; p <= window.size(); p++) {
            if (p == window.size()
                    || window.length(p) != window.length(start)
                    || !window.fitsBatchLimit(start, p + 1)) {
                bounds[count++] = p;
                start = p;
            }
        }
        return Arrays.copyOf(bounds, count);
    }
}
