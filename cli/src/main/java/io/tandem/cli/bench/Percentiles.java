package io.tandem.cli.bench;

/** Percentiles as benchmarks and reports state them: nearest rank, no interpolation. */
public final class Percentiles {

    private Percentiles() {}

    /**
     * The {@code q}-th nearest-rank percentile of {@code sorted} (ascending): the smallest value
     * with at least {@code q} of the values at or below it; NaN when there are none.
     */
    public static double nearestRank(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
