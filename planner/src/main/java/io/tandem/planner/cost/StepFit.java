package io.tandem.planner.cost;

/**
 * A fitted step-time model of one model on one machine: {@code t = fixed + perSequence·b +
 * perToken·b·q + perAttention·b·q·s + perLogTokens·ln(b·q)} milliseconds for {@code b} sequences
 * adding {@code q} tokens each over a mean context of {@code s}. The terms are launch and framework
 * overhead, per-sequence bookkeeping, the context-free work per token (projections, FFN, and on a
 * CPU the weight traffic), attention, and a concave term for small passes: on a CPU the first few
 * rows of a matrix product cost more each than the rows of a long prefill (measured on the bundled
 * target: verify passes of 2–9 tokens at about twice a prefill token's cost), which no linear term
 * can express. Made by {@link StepProfile#fit()}.
 *
 * @param fixedMillis c0, {@code >= 0}
 * @param perSequenceMillis c1, {@code >= 0}
 * @param perTokenMillis c2, {@code >= 0}
 * @param perAttentionMillis c3, per new token and attended position, {@code >= 0}
 * @param perLogTokensMillis c4, per unit of {@code ln(b·q)}, {@code >= 0}
 * @param maxRelativeError the largest {@code |fit - measured| / measured} over the profile's
 *     samples: how far to trust the model inside the measured range
 */
public record StepFit(
        double fixedMillis,
        double perSequenceMillis,
        double perTokenMillis,
        double perAttentionMillis,
        double perLogTokensMillis,
        double maxRelativeError)
        implements StepTime {

    public StepFit {
        if (!(fixedMillis >= 0)
                || !(perSequenceMillis >= 0)
                || !(perTokenMillis >= 0)
                || !(perAttentionMillis >= 0)
                || !(perLogTokensMillis >= 0)
                || !(maxRelativeError >= 0)) {
            throw new IllegalArgumentException(
                    "step fit coefficients and error must be >= 0, got "
                            + fixedMillis
                            + ", "
                            + perSequenceMillis
                            + ", "
                            + perTokenMillis
                            + ", "
                            + perAttentionMillis
                            + ", "
                            + perLogTokensMillis
                            + ", "
                            + maxRelativeError);
        }
    }

    /** Predicted milliseconds of a pass (see the class comment for the arguments). */
    @Override
    public double millis(int batch, int newTokens, double context) {
        double tokens = (double) batch * newTokens;
        return fixedMillis
                + perSequenceMillis * batch
                + perTokenMillis * tokens
                + perAttentionMillis * tokens * context
                + perLogTokensMillis * Math.log(tokens);
    }

    /** The regressors of {@link #millis}, in coefficient order; the fit's design matrix rows. */
    static double[] features(int batch, int newTokens, double context) {
        double tokens = (double) batch * newTokens;
        return new double[] {1, batch, tokens, tokens * context, Math.log(tokens)};
    }
}
