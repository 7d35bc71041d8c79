package io.tandem.planner;

import io.tandem.planner.acceptance.Acceptance;

/**
 * The speculation length that makes tokens cheapest for one batch: the l with the least round time
 * per expected token, {@code round(l) / L(l)}. This is the choice the planner makes for a batch's
 * steady rounds, repeated at run time when the acceptance estimate moves. Pure.
 */
public final class SpeculationLength {

    private SpeculationLength() {}

    /**
     * @param roundSeconds the batch's round time for l = 1, 2, … (index l − 1), positive
     * @return the best l; the smaller on ties
     */
    public static int best(double[] roundSeconds, Acceptance acceptance) {
        if (roundSeconds.length == 0) {
            throw new IllegalArgumentException("no round times to choose from");
        }
        int best = 1;
        double bestPerToken = Double.POSITIVE_INFINITY;
        for (int l = 1; l <= roundSeconds.length; l++) {
            double perToken = roundSeconds[l - 1] / acceptance.tokensPerRound(l);
            // relative slack so float noise cannot pick a longer l on an exact tie
            if (perToken < bestPerToken * (1 - 1e-12)) {
                best = l;
                bestPerToken = perToken;
            }
        }
        return best;
    }
}
