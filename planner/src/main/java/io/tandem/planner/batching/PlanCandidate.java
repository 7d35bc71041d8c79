package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import io.tandem.planner.pipeline.LockStep;
import java.util.Comparator;

/**
 * A partition of the sorted window with one common speculation length, scored by the planner's
 * model: {@code total = fill + rounds · cycle}.
 *
 * <p>The tie-breaking rule every planner uses: lower total first (equal within {@link Ties}), then
 * fewer batches, then smaller speculation length, then the cut positions compared from the last cut
 * backwards, smaller first (so among equal plans the batch of longest prompts is the largest).
 * Under the default objective the partition searches apply the same rule within each speculation
 * length, on total / N(l); under {@code PAPER_CYCLE} they apply it on the cycle.
 *
 * @param bounds positions {@code 0 = c_0 < c_1 < … < c_M = K} in the sorted window
 */
record PlanCandidate(int l, int[] bounds, int rounds, double cycle, double fill) {

    static final Comparator<PlanCandidate> BEST_FIRST =
            (x, y) -> {
                int order = Ties.compare(x.total(), y.total());
                if (order == 0) {
                    order = Integer.compare(x.batchCount(), y.batchCount());
                }
                if (order == 0) {
                    order = Integer.compare(x.l, y.l);
                }
                return order != 0 ? order : Ties.compareFromLast(x.bounds, y.bounds);
            };

    /** Scored as a pipeline: Cyc is the lock-step cycle. */
    static PlanCandidate pipelined(SortedWindow window, int[] bounds, int l) {
        double[][] stages = stages(window, bounds, l);
        return new PlanCandidate(
                l,
                bounds,
                window.rounds(l),
                LockStep.cycle(stages[0], stages[1]),
                fill(window, bounds, l));
    }

    /** Scored without pipelining: a round of the window is every batch's draft plus verify. */
    static PlanCandidate sequential(SortedWindow window, int[] bounds, int l) {
        double[][] stages = stages(window, bounds, l);
        double cycle = 0;
        for (int m = 0; m < stages[0].length; m++) {
            cycle += stages[0][m] + stages[1][m];
        }
        return new PlanCandidate(l, bounds, window.rounds(l), cycle, fill(window, bounds, l));
    }

    double total() {
        return fill + rounds * cycle;
    }

    int batchCount() {
        return bounds.length - 1;
    }

    private static double[][] stages(SortedWindow window, int[] bounds, int l) {
        int batches = bounds.length - 1;
        double[] draft = new double[batches];
        double[] verify = new double[batches];
        for (int m = 0; m < batches; m++) {
            BatchShape shape = window.shape(bounds[m], bounds[m + 1]);
            draft[m] = window.costs().draftRound(shape, l);
            verify[m] = window.costs().verifyRound(shape, l);
        }
        return new double[][] {draft, verify};
    }

    private static double fill(SortedWindow window, int[] bounds, int l) {
        double fill = 0;
        for (int m = 0; m + 1 < bounds.length; m++) {
            fill += window.fill(bounds[m], bounds[m + 1], l);
        }
        return fill;
    }
}
