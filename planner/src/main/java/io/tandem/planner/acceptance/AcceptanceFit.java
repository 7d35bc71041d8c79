package io.tandem.planner.acceptance;

/**
 * Turns measurements into acceptance models: an i.i.d. α from the mean tokens per round at one
 * speculation length, or a positional profile from per-position counters (the ones the draft and
 * verify operators export). Stateless.
 */
public final class AcceptanceFit {

    private AcceptanceFit() {}

    /**
     * The i.i.d. α with {@code (1 - α^(l+1)) / (1 - α) = tokensPerRound}, by bisection on [0, 1]
     * (the left side increases with α). A measured mean outside the model's range [1, l + 1] is
     * clamped to α = 0 or α = 1: it comes from sampling noise or a length cut, not from a rate
     * outside [0, 1].
     *
     * @param tokensPerRound mean tokens produced per round (accepted drafts plus one)
     * @param l the speculation length the mean was measured at, {@code >= 1}
     */
    public static double alphaFromTokensPerRound(double tokensPerRound, int l) {
        if (l < 1) {
            throw new IllegalArgumentException(
                    "alpha is only identifiable from rounds with l >= 1, got l = " + l);
        }
        if (Double.isNaN(tokensPerRound)) {
            throw new IllegalArgumentException("tokens per round must be a number, got NaN");
        }
        if (tokensPerRound <= 1) {
            return 0;
        }
        if (tokensPerRound >= l + 1) {
            return 1;
        }
        double low = 0;
        double high = 1;
        while (high - low > 1e-15) {
            double mid = 0.5 * (low + high);
            if (new IidAcceptance(mid).tokensPerRound(l) < tokensPerRound) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return 0.5 * (low + high);
    }

    /**
     * A positional profile from per-position counters. The rate at which position {@code i + 1} is
     * accepted, {@code r_i = accepted[i] / drafted[i]}, estimates {@code α_1 ⋯ α_(i+1)}, so the
     * conditional rate is {@code α_(i+1) = r_i / r_(i-1)} with {@code r_(-1) = 1}. When every round
     * drafts the same length this is {@code accepted[i] / accepted[i-1]} (with {@code accepted[-1]
     * = drafted[0]}); unlike that form it stays unbiased when rounds draft different lengths,
     * because a round that never drafted position {@code i + 1} does not count against it. Ratios
     * above 1 (noise) are clamped to 1.
     *
     * <p>Where a position carries no information (never drafted, or the position before it was
     * never accepted) the previous α is carried forward; in the second case it cannot change {@code
     * L(l)}, whose product is already zero there.
     *
     * @param drafted {@code drafted[i]}: rounds that drafted position {@code i + 1}
     * @param accepted {@code accepted[i]}: rounds that accepted position {@code i + 1} (and so all
     *     positions before it); {@code 0 <= accepted[i] <= drafted[i]}
     */
    public static PositionalAcceptance fromCounts(long[] drafted, long[] accepted) {
        if (drafted.length == 0 || drafted.length != accepted.length) {
            throw new IllegalArgumentException(
                    "drafted and accepted need the same, non-zero length, got "
                            + drafted.length
                            + " and "
                            + accepted.length);
        }
        for (int i = 0; i < drafted.length; i++) {
            if (accepted[i] < 0 || accepted[i] > drafted[i]) {
                throw new IllegalArgumentException(
                        "position "
                                + (i + 1)
                                + " needs 0 <= accepted <= drafted, got accepted "
                                + accepted[i]
                                + " of "
                                + drafted[i]);
            }
        }
        if (drafted[0] == 0) {
            throw new IllegalArgumentException("no round drafted position 1: nothing to fit");
        }
        double[] alphas = new double[drafted.length];
        double previousRate = 1;
        for (int i = 0; i < drafted.length; i++) {
            if (drafted[i] == 0 || previousRate == 0) {
                alphas[i] = alphas[i - 1];
                continue;
            }
            double rate = (double) accepted[i] / drafted[i];
            alphas[i] = Math.min(1, rate / previousRate);
            previousRate = rate;
        }
        return new PositionalAcceptance(alphas);
    }
}
