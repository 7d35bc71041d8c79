package io.tandem.udfs;

import io.tandem.planner.SpeculationLength;
import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.acceptance.AcceptanceFit;
import io.tandem.speculative.AcceptanceStats;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * The acceptance a draft/target pair has shown on the recent batches, per draft position, and the
 * speculation length it makes best for a batch whose round times the planner predicted. It starts
 * from the α the planner assumed, counted as a few rounds, so the first batches follow the plan and
 * measured rounds soon outweigh it; only the last {@code window} batches count, so the estimate
 * follows a workload whose acceptance changes (another tenant, another kind of prompt).
 *
 * <p>Not thread-safe: the generation operator's worker thread owns it.
 */
public final class AcceptanceTracker {

    /** Recent batches whose acceptance counts, as the generation operator keeps them. */
    public static final int RECENT_BATCHES = 32;

    /** The planner's α counts as this many rounds until measured ones outweigh it. */
    public static final int PRIOR_ROUNDS = 20;

    private static final int POSITIONS = 8;

    private final int window;
    private final Deque<AcceptanceStats> recent = new ArrayDeque<>();
    private AcceptanceStats prior;
    private double priorAlpha = Double.NaN;

    /**
     * @param window batches that count, {@code >= 1}
     */
    public AcceptanceTracker(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1 batch, got " + window);
        }
        this.window = window;
    }

    /**
     * The prior: {@code rounds} rounds of i.i.d. acceptance {@code alpha}, at every position. Set
     * again only when the planner's α changes.
     */
    public void assume(double alpha, int rounds) {
        if (alpha == priorAlpha) {
            return;
        }
        long[] drafted = new long[POSITIONS];
        long[] accepted = new long[POSITIONS];
        Arrays.fill(drafted, rounds);
        for (int i = 0; i < POSITIONS; i++) {
            accepted[i] = Math.round(rounds * Math.pow(alpha, i + 1));
        }
        prior = new AcceptanceStats(drafted, accepted);
        priorAlpha = alpha;
    }

    /** Counts a batch's verified rounds. */
    public void record(AcceptanceStats batch) {
        if (batch.drafted().length == 0) {
            return;
        }
        recent.addLast(batch);
        if (recent.size() > window) {
            recent.removeFirst();
        }
    }

    /** Per-position acceptance of the prior and the recent batches together. */
    public Acceptance estimate() {
        if (prior == null) {
            throw new IllegalStateException("no prior: call assume(alpha, rounds) first");
        }
        AcceptanceStats sum = prior;
        for (AcceptanceStats batch : recent) {
            sum = sum.plus(batch);
        }
        return AcceptanceFit.fromCounts(sum.drafted(), sum.accepted());
    }

    /** The best l for round times {@code roundMillis} (index l − 1) at the current estimate. */
    public int choose(double[] roundMillis) {
        return SpeculationLength.best(roundMillis, estimate());
    }
}
