package io.tandem.speculative;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The tokens a draft model proposes for one sequence in one round, with what the acceptance rule
 * needs to judge them: the draft distribution {@code q_i} each token was sampled from. A greedy
 * draft carries no distributions (each {@code q_i} is certain of its token), which keeps greedy
 * records to the token ids. Immutable.
 *
 * @param tokens the drafted tokens {@code x_1..x_γ}, possibly none
 * @param distributions empty (greedy), or one distribution per token, each giving its token a
 *     positive probability
 */
public record DraftProposal(int[] tokens, List<TokenDistribution> distributions) {

    public DraftProposal {
        Objects.requireNonNull(tokens, "tokens");
        distributions = List.copyOf(distributions);
        if (!distributions.isEmpty()) {
            if (distributions.size() != tokens.length) {
                throw new IllegalArgumentException(
                        tokens.length
                                + " drafted tokens need as many distributions, got "
                                + distributions.size());
            }
            for (int i = 0; i < tokens.length; i++) {
                if (!(distributions.get(i).probability(tokens[i]) > 0)) {
                    throw new IllegalArgumentException(
                            "drafted token "
                                    + tokens[i]
                                    + " has probability 0 in its distribution");
                }
            }
        }
        tokens = tokens.clone();
    }

    /** A greedy draft: tokens only. */
    public static DraftProposal greedy(int[] tokens) {
        return new DraftProposal(tokens, List.of());
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** Number of drafted tokens (γ of this round). */
    public int length() {
        return tokens.length;
    }

    /** The {@code i}-th drafted token (0-based). */
    public int token(int i) {
        return tokens[i];
    }

    /** The distribution the {@code i}-th token (0-based) was drawn from. */
    public TokenDistribution distribution(int i) {
        return distributions.isEmpty()
                ? TokenDistribution.certain(tokens[i])
                : distributions.get(i);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DraftProposal other
                && Arrays.equals(tokens, other.tokens)
                && distributions.equals(other.distributions);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + distributions.hashCode();
    }

    @Override
    public String toString() {
        return "DraftProposal[tokens="
                + Arrays.toString(tokens)
                + (distributions.isEmpty() ? ", greedy" : ", distributions=" + distributions)
                + "]";
    }
}
