package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.pipeline.LockStep;
import java.util.Arrays;

/**
 * DP-2 ({@link CycleSearch}) for one speculation length over a grid of cut positions: every
 * position for the exact planner, group boundaries for the fast one. Segments over the batch-size
 * limit are not batches. It minimizes the search value Cyc + Σ_m {@link SortedWindow#fillShare}:
 * (Fill + N(l)·Cyc) / N(l) under the total objective, Cyc alone under the paper's.
 *
 * <p>The KV-memory limit becomes a budget of padding tokens, because Σ_m |B_m|·(I_m + O + l) is the
 * window's prompt tokens plus K·(O + l) plus the padding. It is enforced with a Lagrangian search:
 * minimize value + λ·padding, find by doubling a λ whose optimum fits the budget, then bisect λ
 * down and keep the fitting plan with the least value. Every plan it returns fits; it finds the
 * constrained optimum whenever that lies on the lower convex hull of (padding, value) over all
 * partitions, and otherwise may return a plan slightly worse than it. Not thread-safe.
 */
final class GridSearch {

    private static final int BISECTION_STEPS = 30;
    private static final int MAX_DOUBLINGS = 64;

    private final int[] positions;
    private final int units;
    private final int width;
    private final int maxSpan;
    private final double[] draft;
    private final double[] verify;
    private final double[] padding;
    private final double[] fillShare;
    // what CycleSearch adds per segment: the fill share and the Lagrangian penalty
    private final double[] extra;
    private final CycleSearch search;

    /**
     * @param positions cut positions in the sorted window, strictly increasing from 0 to K
     */
    GridSearch(SortedWindow window, int[] positions, int l) {
        this.positions = positions;
        this.units = positions.length - 1;
        this.width = units + 1;
        int span = 0;
        for (int u = 0; u < units; u++) {
            int v = u + 1;
            while (v <= units && window.fitsBatchLimit(positions[u], positions[v])) {
                v++;
            }
            span = Math.max(span, v - 1 - u);
        }
        this.maxSpan = span;
        this.draft = new double[width * width];
        this.verify = new double[width * width];
        this.padding = new double[width * width];
        this.fillShare = new double[width * width];
        this.extra = new double[width * width];
        Arrays.fill(draft, Double.POSITIVE_INFINITY);
        Arrays.fill(verify, Double.POSITIVE_INFINITY);
        for (int u = 0; u < units; u++) {
            for (int v = u + 1; v <= Math.min(units, u + maxSpan); v++) {
                int from = positions[u];
                int to = positions[v];
                if (!window.fitsBatchLimit(from, to)) {
                    continue;
                }
                BatchShape shape = window.shape(from, to);
                draft[u * width + v] = window.costs().draftRound(shape, l);
                verify[u * width + v] = window.costs().verifyRound(shape, l);
                padding[u * width + v] = window.padding(from, to);
                fillShare[u * width + v] = window.fillShare(from, to, l);
            }
        }
        this.search = new CycleSearch(units);
    }

    /**
     * The partition of least search value whose padding fits {@code paddingBudget}, as window
     * positions, or null if no partition on this grid fits.
     */
    int[] bestWithin(long paddingBudget) {
        int[] unconstrained = solve(0);
        if (unconstrained == null || padding(unconstrained) <= paddingBudget) {
            return toPositions(unconstrained);
        }
        if (leastPadding() > paddingBudget) {
            return null;
        }
        double low = 0;
        double high = value(unconstrained) / Math.max(1, padding(unconstrained));
        int[] fitting = null;
        for (int step = 0; step < MAX_DOUBLINGS && fitting == null; step++) {
            int[] candidate = solve(high);
            if (padding(candidate) <= paddingBudget) {
                fitting = candidate;
            } else {
                low = high;
                high *= 4;
            }
        }
        if (fitting == null) {
            return null;
        }
        for (int step = 0; step < BISECTION_STEPS; step++) {
            double middle = (low + high) / 2;
            int[] candidate = solve(middle);
            if (padding(candidate) <= paddingBudget) {
                high = middle;
                if (Ties.compare(value(candidate), value(fitting)) < 0) {
                    fitting = candidate;
                }
            } else {
                low = middle;
            }
        }
        return toPositions(fitting);
    }

    private int[] solve(double lambda) {
        for (int p = 0; p < extra.length; p++) {
            extra[p] = fillShare[p] + lambda * padding[p];
        }
        return search.search(draft, verify, extra, maxSpan);
    }

    /** Padding with every grid unit its own batch: the least any partition of this grid has. */
    private long leastPadding() {
        long sum = 0;
        for (int u = 0; u < units; u++) {
            sum += (long) padding[u * width + u + 1];
        }
        return sum;
    }

    private long padding(int[] unitBounds) {
        long sum = 0;
        for (int m = 0; m + 1 < unitBounds.length; m++) {
            sum += (long) padding[unitBounds[m] * width + unitBounds[m + 1]];
        }
        return sum;
    }

    /** The search value: Cyc plus every batch's fill share. */
    private double value(int[] unitBounds) {
        int batches = unitBounds.length - 1;
        double[] a = new double[batches];
        double[] b = new double[batches];
        double shares = 0;
        for (int m = 0; m < batches; m++) {
            int segment = unitBounds[m] * width + unitBounds[m + 1];
            a[m] = draft[segment];
            b[m] = verify[segment];
            shares += fillShare[segment];
        }
        return LockStep.cycle(a, b) + shares;
    }

    private int[] toPositions(int[] unitBounds) {
        if (unitBounds == null) {
            return null;
        }
        int[] bounds = new int[unitBounds.length];
        for (int m = 0; m < bounds.length; m++) {
            bounds[m] = positions[unitBounds[m]];
        }
        return bounds;
    }
}
