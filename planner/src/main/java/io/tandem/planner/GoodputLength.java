package io.tandem.planner;

import io.tandem.planner.acceptance.Acceptance;

/**
 * The goodput rule: the speculation length of one round of one batch, 0 (plain decoding) included,
 * that yields the most expected tokens per unit of what the round costs, where each stage's time is
 * weighed by the queue in front of it. It extends the choice the planner's DP makes for a batch's
 * steady rounds ({@link SpeculationLength}, which minimises the batch's own round time per token)
 * to a loop that other batches share.
 *
 * <p>A round of length {@code l >= 1} yields {@code L(l)} tokens on average (the acceptance); a
 * plain round yields {@code plainSteps}. It costs the batch
 *
 * <pre>T(l) = o + D(l)·(1 + w_d) + V(l)·(1 + w_v)</pre>
 *
 * with {@code D} and {@code V} the draft and verify call times of the calls the batch joins, {@code
 * o} the loop's overhead per trip, and {@code w_s} the measured mean wait at stage {@code s} over
 * its mean call time. For a single-server queue the mean wait is {@code ρ/(1−ρ)} service times, so
 * {@code (1 + w) = 1/(1−ρ)}: the time a batch spends at a stage, waiting included, per unit of work
 * it brings there. The rule is {@code l* = argmin_l T(l)/L(l)}. Its limits:
 *
 * <ul>
 *   <li>an idle loop ({@code w = 0}): the least round time per token, the DP's own choice;
 *   <li>a saturated verify stage ({@code w_v → ∞}): {@code argmax L(l)/V(l)}, the most accepted
 *       tokens per unit of the bottleneck's time. Where verification costs grow with the positions
 *       verified (a compute-bound CPU), that is plain decoding; where they hardly grow (a
 *       memory-bound GPU), it stays speculative;
 *   <li>a saturated draft stage: shorter drafts, down to 0.
 * </ul>
 *
 * Pure.
 */
public final class GoodputLength {

    private GoodputLength() {}

    /**
     * What one round of a batch would cost at each length.
     *
     * @param draftMillis draft call time for l = 0, 1, … (index l; 0 at l = 0)
     * @param verifyMillis verify call time for l = 0, 1, … (index l; at l = 0 the whole plain round
     *     of {@code plainSteps} passes)
     * @param overheadMillis the loop's overhead per trip
     * @param draftWaitRatio mean wait over mean call time at the draft stage, {@code >= 0}
     * @param verifyWaitRatio the same at the verify stage
     * @param plainSteps tokens a plain round yields, {@code >= 1}
     */
    public record RoundCosts(
            double[] draftMillis,
            double[] verifyMillis,
            double overheadMillis,
            double draftWaitRatio,
            double verifyWaitRatio,
            int plainSteps) {

        public RoundCosts {
            if (draftMillis.length != verifyMillis.length || draftMillis.length == 0) {
                throw new IllegalArgumentException(
                        "need draft and verify times for the same lengths, from 0");
            }
            if (!(draftWaitRatio >= 0) || !(verifyWaitRatio >= 0) || plainSteps < 1) {
                throw new IllegalArgumentException(
                        "wait ratios must be >= 0 and plain steps >= 1, got "
                                + draftWaitRatio
                                + ", "
                                + verifyWaitRatio
                                + ", "
                                + plainSteps);
            }
        }

        /** The longest length priced. */
        public int maxLength() {
            return draftMillis.length - 1;
        }

        /** {@code T(l)}: the round's time, each stage's weighed by its queue. */
        public double weighedMillis(int l) {
            return overheadMillis
                    + draftMillis[l] * (1 + draftWaitRatio)
                    + verifyMillis[l] * (1 + verifyWaitRatio);
        }
    }

    /** Expected tokens of a round of length {@code l}. */
    public static double tokens(int l, Acceptance acceptance, int plainSteps) {
        return l == 0 ? plainSteps : acceptance.tokensPerRound(l);
    }

    /** {@code T(l) / L(l)}: milliseconds per expected token. */
    public static double millisPerToken(int l, RoundCosts costs, Acceptance acceptance) {
        return costs.weighedMillis(l) / tokens(l, acceptance, costs.plainSteps());
    }

    /**
     * Speculative lengths whose price is within this fraction of the cheapest count as tied, and
     * the tie goes to the one with the most tokens per trip.
     */
    public static final double NEAR_TIE = 0.05;

    /**
     * The rule's length in {@code [minLength, costs.maxLength()]}. When the cheapest is
     * speculative, the speculative lengths within {@link #NEAR_TIE} of its price are tied with it,
     * and the longest of them wins: the prices are estimates (a few per cent of fit noise), and
     * every trip round the loop costs CPU outside the models (moving and copying the batch) that no
     * price sees and that a loaded machine takes from the models, so fewer trips are worth a near
     * tie.
     *
     * @param minLength 0 to allow plain rounds, 1 to keep speculating
     */
    public static int best(RoundCosts costs, Acceptance acceptance, int minLength) {
        if (minLength < 0 || minLength > costs.maxLength()) {
            throw new IllegalArgumentException(
                    "minLength must be in [0, " + costs.maxLength() + "], got " + minLength);
        }
        int cheapest = minLength;
        double cheapestPerToken = Double.POSITIVE_INFINITY;
        for (int l = minLength; l <= costs.maxLength(); l++) {
            double perToken = millisPerToken(l, costs, acceptance);
            // relative slack so float noise cannot pick a longer l on an exact tie
            if (perToken < cheapestPerToken * (1 - 1e-12)) {
                cheapest = l;
                cheapestPerToken = perToken;
            }
        }
        if (cheapest == 0) {
            return 0;
        }
        int best = cheapest;
        for (int l = Math.max(1, minLength); l <= costs.maxLength(); l++) {
            if (millisPerToken(l, costs, acceptance) <= cheapestPerToken * (1 + NEAR_TIE)
                    && tokens(l, acceptance, costs.plainSteps())
                            > tokens(best, acceptance, costs.plainSteps())) {
                best = l;
            }
        }
        return best;
    }
}
