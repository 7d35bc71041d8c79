package io.tandem.planner.stats;

import java.util.Arrays;

/**
 * Percentiles as Tandem states them everywhere, from the simulator's p99 to a benchmark's median
 * step time: nearest rank, no interpolation, so every figure is a value that was measured.
 */
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

    /**
     * The {@code q}-th nearest-rank percentile of {@code values} in any order, leaving out NaN (a
     * figure that was not measured); NaN when nothing is left. {@code values} is not changed.
     */
    public static double of(double[] values, double q) {
        return nearestRank(
                Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray(), q);
    }

    /** The nearest-rank median: of an even count, the lower of the two middle values. */
    public static double median(double[] values) {
        return of(values, 0.5);
    }
}
