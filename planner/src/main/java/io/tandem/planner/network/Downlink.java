package io.tandem.planner.network;

/**
 * The result's way back to the user: a fixed rate per user (the paper does not specify its downlink
 * model; its results are a few kilobits, so a plain rate is enough to show its share).
 *
 * @param bitsPerSecond each user's downlink rate, {@code > 0}
 */
public record Downlink(double bitsPerSecond) {

    public Downlink {
        if (!(bitsPerSecond > 0)) {
            throw new IllegalArgumentException(
                    "downlink rate must be > 0 bit/s, got " + bitsPerSecond);
        }
    }

    /** Seconds to deliver {@code bits} to one user. */
    public double seconds(double bits) {
        return bits / bitsPerSecond;
    }
}
