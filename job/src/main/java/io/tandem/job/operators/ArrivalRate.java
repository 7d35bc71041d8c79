package io.tandem.job.operators;

/**
 * A lane's recent arrival rate, as an exponential average of the gaps between its requests, so a
 * window can tell whether waiting for company is worth it: when fewer requests are expected within
 * the wait than a threshold, a window that opens closes at once. Gaps count at most {@code
 * capMillis}: a long silence says only "quiet", and a burst after it must not wait for the average
 * to forget the silence (uncapped, a burst after 11 s of silence closed its first 16 windows at
 * once, one request each). Soft state: after a restore it starts again from "unknown", which waits
 * as before. Not thread-safe.
 */
public final class ArrivalRate {

    // weight of the newest gap: about the last five gaps count
    private static final double WEIGHT = 0.2;

    private final double capMillis;
    private long lastMillis = Long.MIN_VALUE;
    private double meanGapMillis = Double.NaN;

    /**
     * @param capMillis the longest gap that counts, {@code > 0}
     */
    public ArrivalRate(double capMillis) {
        if (!(capMillis > 0)) {
            throw new IllegalArgumentException("gap cap must be > 0 ms, got " + capMillis);
        }
        this.capMillis = capMillis;
    }

    /**
     * The rate a window rule needs: gaps capped at twice the gap above which a window of {@code
     * waitMillis} closes at once with {@code threshold}: long enough to decide "quiet", short
     * enough to forget within a few arrivals.
     */
    public static ArrivalRate forWindow(long waitMillis, double threshold) {
        return new ArrivalRate(threshold > 0 ? 2 * Math.max(1, waitMillis) / threshold : 1e12);
    }

    /** Counts a request that arrived at {@code nowMillis}. */
    public void arrived(long nowMillis) {
        if (lastMillis != Long.MIN_VALUE) {
            double gap = Math.min(capMillis, Math.max(0, nowMillis - lastMillis));
            meanGapMillis =
                    Double.isNaN(meanGapMillis) ? gap : (1 - WEIGHT) * meanGapMillis + WEIGHT * gap;
        }
        lastMillis = nowMillis;
    }

    /**
     * Whether a window opening now should close at once: fewer than {@code threshold} requests are
     * expected within {@code waitMillis}. Never before two arrivals were seen, nor with a threshold
     * of 0.
     */
    public boolean notWorthWaiting(long waitMillis, double threshold) {
        if (threshold <= 0 || Double.isNaN(meanGapMillis)) {
            return false;
        }
        return waitMillis < threshold * meanGapMillis;
    }
}
