package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepTableTest {

    /** A GPU-like grid: flat in batch up to 16, then linear; verify passes a little dearer. */
    private static double gpu(int batch, int q, double context) {
        return 5 + 0.1 * Math.max(0, batch * q - 16) + 0.001 * batch * context;
    }

    private static List<StepSample> grid() {
        List<StepSample> samples = new ArrayList<>();
        for (int c : new int[] {128, 512, 2048}) {
            for (int q : new int[] {1, 2, 5, 9}) {
                for (int b : new int[] {1, 4, 16, 64}) {
                    samples.add(new StepSample(b, q, c, gpu(b, q, c)));
                }
            }
        }
        return samples;
    }

    private static List<StepSample> prefills() {
        return List.of(
                new StepSample(1, 128, 0, 8),
                new StepSample(1, 512, 0, 20),
                new StepSample(4, 128, 0, 20),
                new StepSample(4, 512, 0, 70));
    }

    @Test
    void passesThroughEveryMeasuredShape() {
        StepTable table = StepTable.of("m", grid(), prefills());
        for (StepSample s : grid()) {
            assertThat(table.millis(s.batch(), s.newTokens(), s.context()))
                    .as("%s", s)
                    .isCloseTo(s.millis(), within(1e-9));
        }
        assertThat(table.prefillMillis(4, 512)).isCloseTo(70, within(1e-9));
        assertThat(table.maxRelativeError()).isZero();
    }

    @Test
    void interpolatesLinearlyBetweenNeighbouringShapes() {
        StepTable table = StepTable.of("m", grid(), prefills());
        // batch 40 between 16 and 64, q 3 between 2 and 5, context 1024 between 512 and 2048
        double atB40 = (gpu(16, 1, 512) * 24 + gpu(64, 1, 512) * 24) / 48;
        assertThat(table.millis(40, 1, 512)).isCloseTo(atB40, within(1e-9));
        double atQ3 = (gpu(4, 2, 128) * 2 + gpu(4, 5, 128)) / 3;
        assertThat(table.millis(4, 3, 128)).isCloseTo(atQ3, within(1e-9));
        double atC1024 = (gpu(1, 1, 512) * 1024 + gpu(1, 1, 2048) * 512) / 1536;
        assertThat(table.millis(1, 1, 1024)).isCloseTo(atC1024, within(1e-9));
        assertThat(table.prefillMillis(1, 320)).isCloseTo(14, within(1e-9));
    }

    @Test
    void staysFlatBelowTheGridAndNeverFallsAboveIt() {
        StepTable table = StepTable.of("m", grid(), prefills());
        assertThat(table.millis(1, 1, 0)).isEqualTo(table.millis(1, 1, 128));
        double last = gpu(64, 1, 2048);
        double slope = (gpu(64, 1, 2048) - gpu(16, 1, 2048)) / 48;
        assertThat(table.millis(128, 1, 2048)).isCloseTo(last + 64 * slope, within(1e-9));
        assertThat(table.millis(64, 1, 4096)).isGreaterThanOrEqualTo(last);
    }

    @Test
    void pricesPassesLongerThanMeasuredAsPrefills() {
        StepTable table = StepTable.of("m", grid(), prefills());
        assertThat(table.millis(1, 512, 128)).isCloseTo(20, within(1e-9));
        // without prefills the new-positions curve extends its last segment
        StepTable passesOnly = StepTable.of("m", grid(), List.of());
        double slope = (gpu(1, 9, 128) - gpu(1, 5, 128)) / 4;
        assertThat(passesOnly.millis(1, 19, 128))
                .isCloseTo(gpu(1, 9, 128) + 10 * slope, within(1e-9));
    }

    @Test
    void anchorsShortPromptsAtASingleTokenPass() {
        StepTable table = StepTable.of("m", grid(), prefills());
        double oneToken = gpu(1, 1, 128);
        assertThat(table.prefillMillis(1, 1)).isCloseTo(oneToken, within(1e-9));
        assertThat(table.prefillMillis(1, 64))
                .isCloseTo(oneToken + (8 - oneToken) * 63 / 127, within(1e-9));
    }

    @Test
    void bridgesHolesInTheGridWithTheShapesAround() {
        List<StepSample> holed = new ArrayList<>(grid());
        holed.removeIf(s -> s.batch() == 64 && s.context() == 2048);
        StepTable table = StepTable.of("m", holed, List.of());
        double slope = (gpu(16, 1, 2048) - gpu(4, 1, 2048)) / 12;
        assertThat(table.millis(64, 1, 2048))
                .isCloseTo(gpu(16, 1, 2048) + 48 * slope, within(1e-9));
    }

    @Test
    void refusesATableWithoutPassesOrWithAShapeTwice() {
        assertThatThrownBy(() -> StepTable.of("m", List.of(), prefills()))
                .hasMessageContaining("no passes");
        List<StepSample> twice = new ArrayList<>(grid());
        twice.add(grid().get(0));
        assertThatThrownBy(() -> StepTable.of("m", twice, List.of())).hasMessageContaining("twice");
    }

    @Test
    void pricesStagesThroughMeasuredStageCosts() {
        StepTable table = StepTable.of("m", grid(), prefills());
        MeasuredStageCosts costs = new MeasuredStageCosts(table, table, 0);
        assertThat(costs.targetPrefill(new io.tandem.planner.BatchShape(4, 512, 100)))
                .isCloseTo(0.070, within(1e-12));
    }
}
