package io.tandem.job.operators;

/**
 * A lane's recent arrival rate, as an exponential average of the gaps between its requests, so a
 * window can tell whether waiting for company is worth it: when fewer requests are expected within
 * the wait than a threshold, a window that opens closes at once. Soft state: after a restore it
 * starts again from "unknown", which waits as before. Not thread-safe.
 */
public final class ArrivalRate {

    // weight of the newest gap: about the last five gaps count
    private static final double WEIGHT = 0.2;

    private long lastMillis = Long.MIN_VALUE;
    private double meanGapMillis = Double.NaN;

    /** Counts a request that arrived at {@code nowMillis}. */
    public void arrived(long nowMillis) {
        if (lastMillis != Long.MIN_VALUE) {
            double gap = Math.max(0, nowMillis - lastMillis);
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
