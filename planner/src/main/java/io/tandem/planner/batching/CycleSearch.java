package io.tandem.planner.batching;

import java.util.Arrays;

/**
 * The cyclic DP of the paper's joint batching (arXiv 2510.11331; written out in docs/planner.md,
 * "The cyclic programme"): the contiguous partition of a grid of {@code units} that minimizes the
 * lock-step cycle Σ_m max(a(s_{m+1}), b(s_m)) (cyclic, a(s_{M+1}) ≡ a(s_1)) or a(0,G) + b(0,G) for
 * one batch, plus an additive per-segment term: the segment's fill / N(l) under the total
 * objective, plus a Lagrangian penalty. Every segment's term is counted exactly once, the first
 * segment's when its chain starts and the single batch's with a + b. For each first segment (0, f],
 * D[j][k] is the least partial sum over segment chains from (0, f] to (j, k], and the closure adds
 * the wrap-around pair. O(G⁴/24) steps; buffers are reused across calls. Not thread-safe: one
 * instance per planning call.
 *
 * <p>Ties (within {@link Ties}) go to fewer batches, then to the cut positions that are smaller
 * compared from the last cut backwards. The forward DP settles exactly that order by keeping the
 * smallest predecessor among equal values and counts, because two chains into the same state share
 * their last cuts and first differ at the predecessor.
 */
final class CycleSearch {

    private final int units;
    private final int width;
    // state (i, j] = "the chain ends with segment (i, j]" lives at j * width + i so the innermost
    // loop over i walks memory in order
    private final double[] value;
    private final int[] count;
    private final int[] parent;
    private final double[] verifyByEnd;

    CycleSearch(int units) {
        this.units = units;
        this.width = units + 1;
        this.value = new double[width * width];
        this.count = new int[width * width];
        this.parent = new int[width * width];
        this.verifyByEnd = new double[width * width];
    }

    /**
     * The best partition as grid bounds {@code 0 = u_0 < … < u_M = units}, or null if none has only
     * finite segments.
     *
     * @param draft a(u, v) at {@code u * (units + 1) + v}; +∞ marks a segment that may not be a
     *     batch
     * @param verify b(u, v), same layout
     * @param extra the additive per-segment term, same layout, finite where {@code draft} is
     * @param maxSpan no finite segment spans more units than this
     */
    int[] search(double[] draft, double[] verify, double[] extra, int maxSpan) {
        int g = units;
        for (int u = 0; u < g; u++) {
            for (int v = u + 1; v <= Math.min(g, u + maxSpan); v++) {
                verifyByEnd[v * width + u] = verify[u * width + v];
            }
        }
        int[] bestBounds = null;
        double bestValue = Double.POSITIVE_INFINITY;
        int bestCount = Integer.MAX_VALUE;
        if (g <= maxSpan && draft[g] < Double.POSITIVE_INFINITY) {
            bestBounds = new int[] {0, g};
            bestValue = draft[g] + verify[g] + extra[g];
            bestCount = 1;
        }
        for (int f = 1; f < g; f++) {
            if (f > maxSpan || draft[f] == Double.POSITIVE_INFINITY) {
                continue;
            }
            chainsFrom(f, draft, extra, maxSpan);
            double firstDraft = draft[f];
            for (int j = Math.max(f, g - maxSpan); j < g; j++) {
                int state = g * width + j;
                if (value[state] == Double.POSITIVE_INFINITY) {
                    continue;
                }
                double closed = value[state] + Math.max(firstDraft, verifyByEnd[state]);
                int order = Ties.compare(closed, bestValue);
                if (order == 0) {
                    order = Integer.compare(count[state], bestCount);
                }
                int[] bounds = null;
                if (order == 0) {
                    bounds = backtrack(j, f);
                    order = Ties.compareFromLast(bounds, bestBounds);
                }
                if (order < 0) {
                    bestBounds = bounds != null ? bounds : backtrack(j, f);
                    bestValue = closed;
                    bestCount = count[state];
                }
            }
        }
        return bestBounds;
    }

    /** Fills D for every chain whose first segment is (0, f]. */
    private void chainsFrom(int f, double[] draft, double[] extra, int maxSpan) {
        int g = units;
        for (int j = f + 1; j <= g; j++) {
            Arrays.fill(
                    value,
                    j * width + Math.max(f, j - maxSpan),
                    j * width + j,
                    Double.POSITIVE_INFINITY);
        }
        int first = f * width;
        value[first] = extra[f];
        count[first] = 1;
        for (int k = f + 1; k <= g; k++) {
            for (int j = Math.max(f, k - maxSpan); j < k; j++) {
                double segmentDraft = draft[j * width + k];
                if (segmentDraft == Double.POSITIVE_INFINITY) {
                    continue;
                }
                int from = j == f ? 0 : Math.max(f, j - maxSpan);
                int to = j == f ? 0 : j - 1;
                int base = j * width;
                double best = Double.POSITIVE_INFINITY;
                int bestPredecessor = -1;
                int bestCount = 0;
                for (int i = from; i <= to; i++) {
                    double d = value[base + i];
                    if (d == Double.POSITIVE_INFINITY) {
                        continue;
                    }
                    double v = d + Math.max(segmentDraft, verifyByEnd[base + i]);
                    double tolerance = Ties.RELATIVE_EPSILON * best;
                    if (bestPredecessor < 0
                            || v < best - tolerance
                            || (v <= best + tolerance && count[base + i] < bestCount)) {
                        best = v;
                        bestPredecessor = i;
                        bestCount = count[base + i];
                    }
                }
                if (bestPredecessor >= 0) {
                    int state = k * width + j;
                    value[state] = best + extra[j * width + k];
                    count[state] = bestCount + 1;
                    parent[state] = bestPredecessor;
                }
            }
        }
    }

    /** Bounds of the chain from (0, f] to (lastStart, units]. */
    private int[] backtrack(int lastStart, int f) {
        int end = units;
        int start = lastStart;
        int[] bounds = new int[count[end * width + start] + 1];
        int p = bounds.length - 1;
        bounds[p--] = end;
        while (start != 0) {
            bounds[p--] = start;
            int previous = start == f ? 0 : parent[end * width + start];
            end = start;
            start = previous;
        }
        bounds[p] = 0;
        return bounds;
    }
}
