package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FaultPlanTest {

    @Test
    void everyKindStrikesOnceWithTheGapBeforeTheNextAndTheSeedDecides() {
        FaultPlan plan = FaultPlan.of(7, 125, 20);

        assertThat(plan.faults())
                .extracting(FaultPlan.Fault::kind)
                .containsExactlyInAnyOrder(FaultPlan.Kind.values());
        List<FaultPlan.Fault> faults = plan.faults();
        assertThat(faults.get(0).atSeconds()).isGreaterThanOrEqualTo(12.5);
        for (int i = 1; i < faults.size(); i++) {
            assertThat(faults.get(i).atSeconds() - faults.get(i - 1).atSeconds())
                    .isGreaterThanOrEqualTo(20);
        }
        assertThat(faults.get(faults.size() - 1).atSeconds()).isLessThan(125);
        assertThat(FaultPlan.of(7, 125, 20)).isEqualTo(plan);
        assertThat(FaultPlan.of(8, 125, 20)).isNotEqualTo(plan);
    }

    @Test
    void slotsShorterThanTheGapPutEachFaultAtItsSlotsStart() {
        FaultPlan plan = FaultPlan.of(1, 40, 30);

        assertThat(plan.faults())
                .extracting(FaultPlan.Fault::atSeconds)
                .containsExactly(4.0, 13.0, 22.0, 31.0);
    }
}
