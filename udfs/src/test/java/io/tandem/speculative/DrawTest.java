package io.tandem.speculative;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

class DrawTest {

    @Test
    void aDrawIsAFunctionOfSeedPositionAndPurpose() {
        assertThat(Draw.SAMPLE.uniform(7, 12)).isEqualTo(Draw.SAMPLE.uniform(7, 12));
        Set<Double> distinct = new HashSet<>();
        for (Draw purpose : Draw.values()) {
            for (long seed = 0; seed < 3; seed++) {
                for (int position = 0; position < 3; position++) {
                    distinct.add(purpose.uniform(seed, position));
                }
            }
        }

        assertThat(distinct).hasSize(27);
    }

    @Test
    void drawsAreUniformAcrossSeedsAndPositions() {
        // 20 equal bins over seeds x positions x purposes; fixed inputs, so the test is exact
        long[] bins = new long[20];
        for (Draw purpose : Draw.values()) {
            for (long seed = 0; seed < 100; seed++) {
                for (int position = 0; position < 100; position++) {
                    bins[(int) (purpose.uniform(seed, position) * bins.length)]++;
                }
            }
        }
        double[] expected = new double[bins.length];
        Arrays.fill(expected, 1);

        assertThat(new ChiSquareTest().chiSquareTest(expected, bins)).isGreaterThan(0.001);
    }

    @Test
    void purposesAtOnePositionAreUncorrelated() {
        // the sample and accept draws of the same (seed, position) fall in independent quadrants
        long[] quadrants = new long[4];
        for (long seed = 0; seed < 200; seed++) {
            for (int position = 0; position < 50; position++) {
                int a = Draw.SAMPLE.uniform(seed, position) < 0.5 ? 0 : 1;
                int b = Draw.ACCEPT.uniform(seed, position) < 0.5 ? 0 : 2;
                quadrants[a + b]++;
            }
        }

        assertThat(new ChiSquareTest().chiSquareTest(new double[] {1, 1, 1, 1}, quadrants))
                .isGreaterThan(0.001);
    }
}
