package io.tandem.planner.network;

import java.util.Arrays;

/**
 * Shares of the uplink band given to users who upload at the same time, and what they give.
 *
 * <p>Immutable: the arrays are copied on the way in and on the way out.
 *
 * @param shares b_k, each {@code >= 0}, summing to at most 1 (up to rounding)
 * @param uploadSeconds per user, the time to upload its input with its share (0 with nothing to
 *     send)
 * @param makespan when the last upload finishes, the largest of {@code uploadSeconds}
 */
public record BandwidthAllocation(double[] shares, double[] uploadSeconds, double makespan) {

    /** Rounding slack on Σ b_k ≤ 1; shares are computed, not chosen. */
    private static final double SUM_SLACK = 1e-9;

    public BandwidthAllocation {
        if (shares.length != uploadSeconds.length) {
            throw new IllegalArgumentException(
                    "one share and one upload time per user, got "
                            + shares.length
                            + " and "
                            + uploadSeconds.length);
        }
        shares = shares.clone();
        uploadSeconds = uploadSeconds.clone();
        double sum = 0;
        for (int k = 0; k < shares.length; k++) {
            if (!(shares[k] >= 0) || !(uploadSeconds[k] >= 0)) {
                throw new IllegalArgumentException(
                        "user "
                                + k
                                + " needs a share and upload time >= 0, got "
                                + shares[k]
                                + ", "
                                + uploadSeconds[k]);
            }
            sum += shares[k];
        }
        if (sum > 1 + SUM_SLACK) {
            throw new IllegalArgumentException("shares must sum to at most 1, got " + sum);
        }
        if (!(makespan >= 0)) {
            throw new IllegalArgumentException("makespan must be >= 0, got " + makespan);
        }
    }

    @Override
    public double[] shares() {
        return shares.clone();
    }

    @Override
    public double[] uploadSeconds() {
        return uploadSeconds.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BandwidthAllocation that
                && Arrays.equals(shares, that.shares)
                && Arrays.equals(uploadSeconds, that.uploadSeconds)
                && Double.compare(makespan, that.makespan) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(shares) + Arrays.hashCode(uploadSeconds))
                + Double.hashCode(makespan);
    }

    @Override
    public String toString() {
        return "BandwidthAllocation[shares="
                + Arrays.toString(shares)
                + ", uploadSeconds="
                + Arrays.toString(uploadSeconds)
                + ", makespan="
                + makespan
                + "]";
    }
}
