package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RooflineTest {

    private static final Device GPU = new Device("test", 10e12, 500e9);

    @Test
    void smallPassesCostOneWeightRead() {
        assertThat(new Roofline(0.5, 0).seconds(1e9, 1e9, GPU)).isEqualTo(1e9 / 500e9);
    }

    @Test
    void largePassesCostTheirArithmeticAtTheAchievedRate() {
        assertThat(new Roofline(0.5, 0).seconds(1e13, 1e9, GPU)).isEqualTo(2.0);
    }

    @Test
    void launchCostIsAddedToEveryPass() {
        assertThat(new Roofline(1, 1e-4).seconds(0, 1e9, GPU))
                .isCloseTo(2e-3 + 1e-4, within(1e-18));
    }

    @Test
    void rejectsEfficiencyOutsideTheUnitIntervalAndNegativeLaunch() {
        assertThatThrownBy(() -> new Roofline(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Roofline(1.5, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Roofline(0.5, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Device("bad", 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad");
    }
}
