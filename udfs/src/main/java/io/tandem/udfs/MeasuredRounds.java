package io.tandem.udfs;

import io.tandem.planner.GoodputLength;

/**
 * What rounds at each speculation length have lately cost, per batch size, measured: the draft and
 * verify call times of the rounds run at it. A cost model prices lengths by the shape of a profile
 * measured elsewhere, and where this machine's calls grow with the positions verified faster than
 * the profile's did (a compute-bound CPU at a big batch), it prices drafting too cheap; the lengths
 * it then chooses are the only ones it learns from. Here a measured length's price replaces the
 * model's, and the lengths either side of the one chosen, and plain decoding, are each run once
 * when never measured or {@code staleRounds} rounds old, so the rule sees what they cost now, at
 * the price of about one round in {@code staleRounds / 3}.
 *
 * <p>Only round times are measured: the tokens a round yields are the acceptance's to estimate,
 * over every round (a round's own yield varies too much to compare lengths by).
 *
 * <p>Batch sizes are grouped by powers of two (a batch of 12 to 22 shares a group with one of 16),
 * since a round's cost moves with the batch's size.
 *
 * <p>Not thread-safe: one batching worker owns it.
 */
final class MeasuredRounds {

    /** Weight of the newest round in a length's moving averages. */
    static final double SMOOTHING = 0.25;

    private static final int GROUPS = 16;

    private final int maxLength;
    private final int staleRounds;
    // per group and length: moving averages of the draft and verify call times, and the group's
    // round at which they were last measured (0: never)
    private final double[][] draftMillis;
    private final double[][] verifyMillis;
    private final long[][] measuredAt;
    private final long[] rounds = new long[GROUPS];

    /**
     * @param maxLength the longest length measured
     * @param staleRounds rounds of a batch-size group after which a length is measured again
     */
    MeasuredRounds(int maxLength, int staleRounds) {
        if (maxLength < 0 || staleRounds < 1) {
            throw new IllegalArgumentException(
                    "need maxLength >= 0 and staleRounds >= 1, got "
                            + maxLength
                            + ", "
                            + staleRounds);
        }
        this.maxLength = maxLength;
        this.staleRounds = staleRounds;
        this.draftMillis = new double[GROUPS][maxLength + 1];
        this.verifyMillis = new double[GROUPS][maxLength + 1];
        this.measuredAt = new long[GROUPS][maxLength + 1];
    }

    /** {@code priced}, with the measured call times in place of the priced ones where measured. */
    GoodputLength.RoundCosts correct(int batchSize, GoodputLength.RoundCosts priced) {
        int group = group(batchSize);
        double[] draft = priced.draftMillis().clone();
        double[] verify = priced.verifyMillis().clone();
        for (int l = 0; l < draft.length && l <= maxLength; l++) {
            if (measuredAt[group][l] > 0) {
                draft[l] = draftMillis[group][l];
                verify[l] = verifyMillis[group][l];
            }
        }
        return new GoodputLength.RoundCosts(
                draft,
                verify,
                priced.overheadMillis(),
                priced.draftWaitRatio(),
                priced.verifyWaitRatio(),
                priced.plainSteps());
    }

    /**
     * The length to run a batch of {@code batchSize} at next: {@code chosen}, unless a length
     * beside it, or plain decoding, is due for measuring.
     */
    int next(int batchSize, int chosen) {
        int group = group(batchSize);
        long round = ++rounds[group];
        // the candidate measured longest ago, once it is stale; never measured counts as oldest
        int next = Math.min(chosen, maxLength);
        long nextAt = Math.max(1, round - staleRounds + 1);
        for (int l : new int[] {chosen - 1, chosen + 1, 0}) {
            if (l >= 0 && l <= maxLength && measuredAt[group][l] < nextAt) {
                next = l;
                nextAt = measuredAt[group][l];
            }
        }
        return next;
    }

    /** Records a round of a batch of {@code batchSize} at {@code length} and its call times. */
    void record(int batchSize, int length, double draft, double verify) {
        if (length < 0 || length > maxLength || !(draft >= 0) || !(verify > 0)) {
            return;
        }
        int group = group(batchSize);
        boolean seen = measuredAt[group][length] > 0;
        draftMillis[group][length] = average(seen, draftMillis[group][length], draft);
        verifyMillis[group][length] = average(seen, verifyMillis[group][length], verify);
        measuredAt[group][length] = Math.max(1, rounds[group]);
    }

    private static double average(boolean seen, double old, double value) {
        return seen ? old + SMOOTHING * (value - old) : value;
    }

    /**
     * The group of {@code batchSize}: its base-2 logarithm, rounded (1, 2, 3-5, 6-11, 12-22, ...).
     */
    private static int group(int batchSize) {
        int size = Math.max(1, batchSize);
        return Math.min(GROUPS - 1, (int) Math.round(Math.log(size) / Math.log(2)));
    }
}
