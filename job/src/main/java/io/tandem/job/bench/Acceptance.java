package io.tandem.job.bench;

/**
 * The per-token acceptance rate α implied by a mean number of tokens per verification: with γ
 * drafted tokens, each accepted with probability α independently, a verification yields on average
 * {@code (1 − α^(γ+1)) / (1 − α)} tokens (accepted drafts plus the correction or bonus).
 */
public final class Acceptance {

    private Acceptance() {}

    /**
     * Expected tokens per verification at acceptance rate {@code alpha} and length {@code gamma}.
     */
    public static double tokensPerRound(double alpha, int gamma) {
        if (alpha >= 1) {
            return gamma + 1;
        }
        return (1 - Math.pow(alpha, gamma + 1)) / (1 - alpha);
    }

    /** The α that yields {@code tokensPerRound} tokens per verification at length {@code gamma}. */
    public static double alpha(double tokensPerRound, int gamma) {
        if (tokensPerRound <= 1) {
            return 0;
        }
        if (tokensPerRound >= gamma + 1) {
            return 1;
        }
        double low = 0;
        double high = 1;
        for (int i = 0; i < 60; i++) {
            double mid = (low + high) / 2;
            if (tokensPerRound(mid, gamma) < tokensPerRound) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return (low + high) / 2;
    }
}
