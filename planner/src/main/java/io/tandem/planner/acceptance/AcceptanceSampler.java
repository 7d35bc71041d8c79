package io.tandem.planner.acceptance;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Draws how many drafts a simulated round accepts, consistent with an {@link Acceptance}: for
 * {@link IidAcceptance} the truncated geometric law {@code P(j) = α^j (1 - α)} for {@code j < l}
 * and {@code P(l) = α^l}; for {@link PositionalAcceptance} the law of sequential Bernoulli trials
 * with rates α_i, stopping at the first rejection; for any other model the law whose survival
 * {@code P(accepted >= j)} is the increment {@code L(j) - L(j-1)}, which is the only law consistent
 * with {@code L} alone.
 *
 * <p>Every round consumes exactly one uniform from the caller's generator (inverse transform on the
 * survival function), so a simulation's random stream does not depend on the outcomes drawn.
 * Immutable and thread-safe; the generator is the caller's and is not.
 *
 * @param acceptance the model to sample
 */
public record AcceptanceSampler(Acceptance acceptance) {

    public AcceptanceSampler {
        Objects.requireNonNull(acceptance, "acceptance");
    }

    /**
     * Accepted drafts in one round of speculation length {@code l >= 0}, in [0, l]. The round
     * yields this plus one tokens.
     */
    public int acceptedDrafts(int l, SplittableRandom random) {
        if (l < 0) {
            throw new IllegalArgumentException("speculation length must be >= 0, got " + l);
        }
        double u = random.nextDouble();
        double survival = 1;
        for (int j = 1; j <= l; j++) {
            survival = survival(j, survival);
            if (u >= survival) {
                return j - 1;
            }
        }
        return l;
    }

    /** {@code P(accepted >= j)}, given {@code P(accepted >= j - 1) = previous}. */
    private double survival(int j, double previous) {
        if (acceptance instanceof IidAcceptance iid) {
            return previous * iid.alpha();
        }
        if (acceptance instanceof PositionalAcceptance positional) {
            return previous * positional.alpha(j);
        }
        // E[tokens] = 1 + Σ_j P(accepted >= j); clamping keeps the law valid under float error
        double increment = acceptance.tokensPerRound(j) - acceptance.tokensPerRound(j - 1);
        return Math.min(previous, Math.max(0, increment));
    }
}
