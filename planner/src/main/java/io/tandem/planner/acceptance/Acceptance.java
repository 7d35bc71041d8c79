package io.tandem.planner.acceptance;

/**
 * How many tokens a speculative round yields on average for a model pair: the only way acceptance
 * enters the latency model. Implementations are immutable.
 */
public interface Acceptance {

    /**
     * Expected tokens per round with speculation length {@code l >= 0}: the accepted drafts plus
     * the one token the target always contributes (so 1 at {@code l = 0}).
     */
    double tokensPerRound(int l);

    /**
     * Rounds planned for {@code outputTokens} tokens, {@code ceil(outputTokens /
     * tokensPerRound(l))} (the paper's N(l) under a fixed output length).
     */
    default int rounds(int l, int outputTokens) {
        // the epsilon keeps exact quotients (256 / 2 tokens) from rounding up through float error
        return (int) Math.ceil(outputTokens / tokensPerRound(l) - 1e-9);
    }
}
