package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NonNegativeLeastSquaresTest {

    private static final long SEED = 11L;

    @Test
    void matchesProjectedGradientOnRandomProblems() {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int trial = 0; trial < 60; trial++) {
            double[][] a = new double[8][4];
            double[] y = new double[8];
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 4; j++) {
                    a[i][j] = random.nextDouble(-1, 1);
                }
                y[i] = random.nextDouble(-1, 1);
            }

            double exact = residual(a, y, NonNegativeLeastSquares.solve(a, y));
            double reference = residual(a, y, projectedGradient(a, y));

            assertThat(exact)
                    .as("trial %d, seed %d", trial, SEED)
                    .isLessThanOrEqualTo(reference + 1e-9);
            assertThat(exact).isCloseTo(reference, within(1e-6));
        }
    }

    @Test
    void allNegativeCorrelationsGiveTheZeroSolution() {
        double[][] a = {{1, 0}, {0, 1}};

        assertThat(NonNegativeLeastSquares.solve(a, new double[] {-1, -2})).containsExactly(0, 0);
    }

    /** Slow but obviously right: projected gradient descent with a step of 1/‖A‖². */
    private static double[] projectedGradient(double[][] a, double[] y) {
        double frobenius = 0;
        for (double[] row : a) {
            for (double v : row) {
                frobenius += v * v;
            }
        }
        double step = 1 / frobenius;
        double[] x = new double[a[0].length];
        for (int iteration = 0; iteration < 200_000; iteration++) {
            double[] gradient = new double[x.length];
            for (int i = 0; i < a.length; i++) {
                double e = -y[i];
                for (int j = 0; j < x.length; j++) {
                    e += a[i][j] * x[j];
                }
                for (int j = 0; j < x.length; j++) {
                    gradient[j] += a[i][j] * e;
                }
            }
            for (int j = 0; j < x.length; j++) {
                x[j] = Math.max(0, x[j] - step * gradient[j]);
            }
        }
        return x;
    }

    private static double residual(double[][] a, double[] y, double[] x) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double e = -y[i];
            for (int j = 0; j < x.length; j++) {
                e += a[i][j] * x[j];
            }
            sum += e * e;
        }
        return sum;
    }
}
