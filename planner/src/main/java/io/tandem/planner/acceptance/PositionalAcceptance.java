package io.tandem.planner.acceptance;

import java.util.Arrays;

/**
 * Acceptance that depends on how far ahead a draft token is: position {@code i} (1-based) is
 * accepted with probability α_i given that positions 1 … i−1 were, so {@code L(l) = 1 + Σ_{j=1..l}
 * Π_{i≤j} α_i} (docs/planner.md, "Acceptance"). Drafts tend to drift from the target the further
 * they run, which a single i.i.d. α cannot express.
 *
 * <p>Positions beyond the profile reuse its last α: a profile is measured up to the longest
 * speculation length tried, and the last measured conditional rate is the best available guess for
 * the positions after it. With a constant profile this is exactly {@link IidAcceptance}.
 *
 * <p>Immutable: the array is copied on the way in and on the way out.
 *
 * @param alphas conditional acceptance rates of positions 1, 2, …, each in [0, 1]; at least one
 */
public record PositionalAcceptance(double[] alphas) implements Acceptance {

    public PositionalAcceptance {
        if (alphas.length == 0) {
            throw new IllegalArgumentException("a positional profile needs at least one alpha");
        }
        alphas = alphas.clone();
        for (int i = 0; i < alphas.length; i++) {
            if (!(alphas[i] >= 0 && alphas[i] <= 1)) {
                throw new IllegalArgumentException(
                        "alpha of position " + (i + 1) + " must be in [0, 1], got " + alphas[i]);
            }
        }
    }

    /** The conditional acceptance rate of draft position {@code position >= 1}. */
    public double alpha(int position) {
        if (position < 1) {
            throw new IllegalArgumentException("draft positions start at 1, got " + position);
        }
        return alphas[Math.min(position, alphas.length) - 1];
    }

    @Override
    public double[] alphas() {
        return alphas.clone();
    }

    @Override
    public double tokensPerRound(int l) {
        if (l < 0) {
            throw new IllegalArgumentException("speculation length must be >= 0, got " + l);
        }
        double tokens = 1;
        double acceptedThroughJ = 1;
        for (int j = 1; j <= l; j++) {
            acceptedThroughJ *= alpha(j);
            tokens += acceptedThroughJ;
        }
        return tokens;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PositionalAcceptance that && Arrays.equals(alphas, that.alphas);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(alphas);
    }

    @Override
    public String toString() {
        return "PositionalAcceptance" + Arrays.toString(alphas);
    }
}
