package io.tandem.udfs;

import io.tandem.planner.SpeculationLength;
import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.acceptance.PositionalAcceptance;
import io.tandem.speculative.AcceptanceStats;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * The acceptance a draft/target pair has shown on the recent rounds, per draft position, and the
 * speculation length it makes best for a batch whose round times the planner predicted. Only the
 * last {@code window} verified rounds count, so the estimate follows a workload whose acceptance
 * changes (another tenant, another kind of prompt).
 *
 * <p>Each position's conditional acceptance is {@code (accepted_i + R·α0) / (reached_i + R)}: the
 * planner's α0 counts as {@code R} rounds that reached the position, so the first batches follow
 * the plan and measured rounds soon outweigh it. A position no recent round drafted takes the
 * estimate of the position before it, not the prior: otherwise a pair that does better than the
 * profile would look worse just past the length it drafts, and the length could never grow. One
 * batch's own rounds refine the estimate in turn ({@link #estimateFor}).
 *
 * <p>Not thread-safe: the loop head's task thread owns it.
 */
public final class AcceptanceTracker {

    /** Recent verified rounds whose acceptance counts, as the loop head keeps them. */
    public static final int RECENT_ROUNDS = 64;

    /** The planner's α counts as this many rounds until measured ones outweigh it. */
    public static final int PRIOR_ROUNDS = 20;

    private static final int POSITIONS = 8;

    private final int window;
    private final Deque<AcceptanceStats> recent = new ArrayDeque<>();
    private double priorAlpha = Double.NaN;
    private int priorRounds;

    /**
     * @param window verified rounds that count, {@code >= 1}
     */
    public AcceptanceTracker(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1 batch, got " + window);
        }
        this.window = window;
    }

    /** The prior: the planner's i.i.d. acceptance {@code alpha}, worth {@code rounds} rounds. */
    public void assume(double alpha, int rounds) {
        if (!(alpha >= 0 && alpha <= 1) || rounds < 1) {
            throw new IllegalArgumentException(
                    "need alpha in [0, 1] and rounds >= 1, got " + alpha + ", " + rounds);
        }
        priorAlpha = alpha;
        priorRounds = rounds;
    }

    /** Counts a verified round of a batch. */
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
        if (Double.isNaN(priorAlpha)) {
            throw new IllegalStateException("no prior: call assume(alpha, rounds) first");
        }
        AcceptanceStats sum = AcceptanceStats.none();
        for (AcceptanceStats batch : recent) {
            sum = sum.plus(batch);
        }
        double[] prior = new double[POSITIONS];
        Arrays.fill(prior, priorAlpha);
        return new PositionalAcceptance(shrink(sum, prior, priorRounds));
    }

    /**
     * The acceptance of one batch: its sequences' own rounds ({@code own}, counted per sequence and
     * round), with {@link #estimate()} as a prior worth {@code priorRounds} of them. Prompts differ
     * in how well the draft predicts the target, several-fold on the bundled pair: a batch that
     * drafts for the pair's mean on a prompt the draft gets wrong pays for rounds that yield little
     * more than the target's own token, and such requests make the latency tail.
     */
    public Acceptance estimateFor(AcceptanceStats own, int priorRounds) {
        if (priorRounds < 1) {
            throw new IllegalArgumentException("priorRounds must be >= 1, got " + priorRounds);
        }
        return new PositionalAcceptance(shrink(own, estimatePerPosition(), priorRounds));
    }

    private double[] estimatePerPosition() {
        return ((PositionalAcceptance) estimate()).alphas();
    }

    /**
     * Each position's conditional acceptance {@code (accepted_i + R·prior_i) / (reached_i + R)}. A
     * position {@code sum} never drafted keeps the prior's step from the position before it (with a
     * flat prior, that position's estimate): shrinking it to the prior instead would make a pair
     * that beats the prior look worse just past the length it drafts, so the length could never
     * grow.
     */
    private static double[] shrink(AcceptanceStats sum, double[] prior, int priorRounds) {
        long[] drafted = Arrays.copyOf(sum.drafted(), POSITIONS);
        long[] accepted = Arrays.copyOf(sum.accepted(), POSITIONS);
        double[] alphas = new double[POSITIONS];
        for (int i = 0; i < POSITIONS; i++) {
            if (i > 0 && drafted[i] == 0) {
                alphas[i] =
                        prior[i - 1] > 0
                                ? Math.min(1, alphas[i - 1] * prior[i] / prior[i - 1])
                                : prior[i];
                continue;
            }
            // rounds that reached position i: drafted it and accepted everything before it; the
            // length a round drafts is fixed before verification, so among the rounds that
            // accepted position i - 1 the share that drafted i is drafted[i] / drafted[i - 1]
            double reached =
                    i == 0 ? drafted[0] : accepted[i - 1] * (double) drafted[i] / drafted[i - 1];
            alphas[i] =
                    Math.min(1, (accepted[i] + priorRounds * prior[i]) / (reached + priorRounds));
        }
        return alphas;
    }

    /** The best l for round times {@code roundMillis} (index l − 1) at the current estimate. */
    public int choose(double[] roundMillis) {
        return SpeculationLength.best(roundMillis, estimate());
    }
}
