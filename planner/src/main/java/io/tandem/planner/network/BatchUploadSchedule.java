package io.tandem.planner.network;

import java.util.Arrays;

/**
 * Uploads done batch after batch ({@link BandwidthAllocator#batchSequential}): batch {@code m} has
 * the whole band from {@code U_(m-1)} to {@code U_m}, split among its users in proportion to their
 * demand, so they all finish at {@code U_m}.
 *
 * <p>Immutable: the arrays are copied on the way in and on the way out.
 *
 * @param batchFinishSeconds U_m, when every input of batch {@code m} has arrived; non-decreasing
 * @param userFinishSeconds per user, when its input has arrived (its batch's U_m; a user with
 *     nothing to send counts as done with its batch)
 * @param shares per user, its share of the band while its batch uploads (the shares of one batch
 *     sum to 1)
 */
public record BatchUploadSchedule(
        double[] batchFinishSeconds, double[] userFinishSeconds, double[] shares) {

    public BatchUploadSchedule {
        if (userFinishSeconds.length != shares.length) {
            throw new IllegalArgumentException(
                    "one finish time and one share per user, got "
                            + userFinishSeconds.length
                            + " and "
                            + shares.length);
        }
        batchFinishSeconds = batchFinishSeconds.clone();
        userFinishSeconds = userFinishSeconds.clone();
        shares = shares.clone();
    }

    @Override
    public double[] batchFinishSeconds() {
        return batchFinishSeconds.clone();
    }

    @Override
    public double[] userFinishSeconds() {
        return userFinishSeconds.clone();
    }

    @Override
    public double[] shares() {
        return shares.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BatchUploadSchedule that
                && Arrays.equals(batchFinishSeconds, that.batchFinishSeconds)
                && Arrays.equals(userFinishSeconds, that.userFinishSeconds)
                && Arrays.equals(shares, that.shares);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(batchFinishSeconds) + Arrays.hashCode(userFinishSeconds))
                + Arrays.hashCode(shares);
    }

    @Override
    public String toString() {
        return "BatchUploadSchedule[batchFinishSeconds="
                + Arrays.toString(batchFinishSeconds)
                + ", userFinishSeconds="
                + Arrays.toString(userFinishSeconds)
                + ", shares="
                + Arrays.toString(shares)
                + "]";
    }
}
