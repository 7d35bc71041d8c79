package io.tandem.planner.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PathLossTest {

    @Test
    void macroModelLoses128Point1DbAtOneKilometre() {
        assertThat(PathLoss.MACRO.lossDb(1)).isEqualTo(128.1);
        assertThat(PathLoss.MACRO.lossDb(0.1)).isCloseTo(90.5, within(1e-12));
    }

    @Test
    void gainIsTheLinearInverseOfTheLoss() {
        assertThat(PathLoss.MACRO.gain(0.1)).isCloseTo(Math.pow(10, -9.05), within(1e-24));
    }

    @Test
    void rejectsNonPositiveDistance() {
        assertThatThrownBy(() -> PathLoss.MACRO.lossDb(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("distance");
    }
}
