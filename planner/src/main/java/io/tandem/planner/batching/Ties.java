package io.tandem.planner.batching;

/**
 * When two objective values count as equal: within a relative 1e-12. That is far above the rounding
 * of sums of a few thousand stage times (about 1e-13 relative) and far below any difference worth a
 * different plan, so plans that tie in exact arithmetic tie here too and the tie-breaking rule, not
 * float noise, decides between them.
 */
final class Ties {

    static final double RELATIVE_EPSILON = 1e-12;

    private Ties() {}

    /** Negative if {@code x} is clearly smaller, positive if clearly larger, 0 if they tie. */
    static int compare(double x, double y) {
        if (x == y) {
            return 0;
        }
        if (Double.isInfinite(x) || Double.isInfinite(y)) {
            return Double.compare(x, y);
        }
        double tolerance = RELATIVE_EPSILON * Math.max(Math.abs(x), Math.abs(y));
        if (x < y - tolerance) {
            return -1;
        }
        return x > y + tolerance ? 1 : 0;
    }

    /** Compares cut positions from the last cut backwards, smaller first; same length required. */
    static int compareFromLast(int[] x, int[] y) {
        for (int p = x.length - 1; p >= 0; p--) {
            if (x[p] != y[p]) {
                return Integer.compare(x[p], y[p]);
            }
        }
        return 0;
    }
}
