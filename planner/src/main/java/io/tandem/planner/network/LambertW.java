package io.tandem.planner.network;

/**
 * The Lambert W function (the inverse of {@code w·e^w}) on the branch the M2 bandwidth solution
 * needs. JDK-only, so it is computed here rather than taken from a maths library.
 */
public final class LambertW {

    private static final double BRANCH_POINT = -Math.exp(-1);

    /** Below this distance from the branch point the series is exact to double precision. */
    private static final double SERIES_EXACT = 1e-4;

    private LambertW() {}

    /**
     * W_{−1}(x), the solution {@code w <= -1} of {@code w·e^w = x}, for {@code x} in [−1/e, 0).
     * Halley's iteration, started from the branch-point series near −1/e and from the asymptotic
     * {@code ln(−x) − ln(−ln(−x))} near 0. Values a rounding error below −1/e are taken as −1/e,
     * because callers compute x as {@code −u·e^(−u)}, which can round past it at u = 1.
     */
    public static double minusOne(double x) {
        if (!(x < 0) || x < BRANCH_POINT * (1 + 1e-15)) {
            throw new IllegalArgumentException("W_-1 is defined on [-1/e, 0), got " + x);
        }
        double p = -Math.sqrt(Math.max(0, 2 * (1 + Math.E * x)));
        if (-p < SERIES_EXACT) {
            return branchSeries(p);
        }
        double w = x < -0.25 ? branchSeries(p) : asymptotic(x);
        for (int i = 0; i < 100; i++) {
            double ew = Math.exp(w);
            double f = w * ew - x;
            double step = f / (ew * (w + 1) - (w + 2) * f / (2 * (w + 1)));
            w -= step;
            if (Math.abs(step) <= 1e-15 * Math.abs(w)) {
                break;
            }
        }
        return w;
    }

    /** W_{−1} around −1/e in powers of {@code p = −sqrt(2(1 + e·x))}. */
    private static double branchSeries(double p) {
        return -1 + p * (1 + p * (-1.0 / 3 + p * (11.0 / 72 + p * (-43.0 / 540))));
    }

    private static double asymptotic(double x) {
        double l1 = Math.log(-x);
        double l2 = Math.log(-l1);
        return l1 - l2 + l2 / l1;
    }
}
