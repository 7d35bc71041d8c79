package io.tandem.planner.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LambertWTest {

    @Test
    void solvesWTimesExpWOnTheLowerBranch() {
        for (double x = -0.3678; x < 0; x += 0.0013) {
            check(x);
        }
        for (double x : new double[] {-1e-3, -1e-8, -1e-30, -1e-200, -0.36787944117}) {
            check(x);
        }
    }

    @Test
    void knownValuesAreExact() {
        assertThat(LambertW.minusOne(-Math.log(2) / 2)).isCloseTo(-2 * Math.log(2), within(1e-14));
        assertThat(LambertW.minusOne(-2 * Math.exp(-2))).isCloseTo(-2, within(1e-14));
        assertThat(LambertW.minusOne(-Math.exp(-1))).isCloseTo(-1, within(1e-7));
    }

    @Test
    void isContinuousThroughTheSwitchBetweenStartingPoints() {
        assertThat(LambertW.minusOne(-0.25 - 1e-12))
                .isCloseTo(LambertW.minusOne(-0.25 + 1e-12), within(1e-10));
    }

    @Test
    void rejectsArgumentsOutsideTheBranch() {
        assertThatThrownBy(() -> LambertW.minusOne(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LambertW.minusOne(-0.4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-0.4");
        assertThatThrownBy(() -> LambertW.minusOne(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void check(double x) {
        double w = LambertW.minusOne(x);
        assertThat(w).as("W_-1(%s)", x).isLessThanOrEqualTo(-1);
        // one ulp of w moves e^w by |w| ulps, so the residual may grow with |w|
        assertThat(w * Math.exp(w))
                .as("w e^w at x = %s", x)
                .isCloseTo(x, within(1e-14 * (1 - w) * -x));
    }
}
