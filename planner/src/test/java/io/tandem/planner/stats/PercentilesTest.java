package io.tandem.planner.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void percentilesAreNearestRank() {
        double[] ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(Percentiles.nearestRank(ten, 0.5)).isEqualTo(5);
        assertThat(Percentiles.nearestRank(ten, 0.9)).isEqualTo(9);
        assertThat(Percentiles.nearestRank(ten, 0.91)).isEqualTo(10);
        assertThat(Percentiles.nearestRank(ten, 0.99)).isEqualTo(10);
        assertThat(Percentiles.nearestRank(ten, 1.0)).isEqualTo(10);
        assertThat(Percentiles.nearestRank(ten, 0.0)).isEqualTo(1);

        double[] hundred = new double[100];
        Arrays.setAll(hundred, i -> i + 1);
        assertThat(Percentiles.nearestRank(hundred, 0.5)).isEqualTo(50);
        assertThat(Percentiles.nearestRank(hundred, 0.9)).isEqualTo(90);
        assertThat(Percentiles.nearestRank(hundred, 0.99)).isEqualTo(99);

        assertThat(Percentiles.nearestRank(new double[] {7}, 0.5)).isEqualTo(7);
        assertThat(Percentiles.nearestRank(new double[0], 0.5)).isNaN();
    }

    @Test
    void unsortedValuesAreSortedWithoutWhatWasNotMeasured() {
        double[] values = {9, Double.NaN, 1, 5, 3, Double.NaN, 7};

        assertThat(Percentiles.of(values, 0.5)).isEqualTo(5);
        assertThat(Percentiles.of(values, 1.0)).isEqualTo(9);
        assertThat(Percentiles.of(new double[] {Double.NaN}, 0.5)).isNaN();
        assertThat(values).as("left as it was").startsWith(9, Double.NaN, 1);
    }

    @Test
    void theMedianOfAnEvenCountIsTheLowerMiddleValue() {
        assertThat(Percentiles.median(new double[] {4, 1, 3, 2})).isEqualTo(2);
        assertThat(Percentiles.median(new double[] {3, 1, 2})).isEqualTo(2);
    }
}
