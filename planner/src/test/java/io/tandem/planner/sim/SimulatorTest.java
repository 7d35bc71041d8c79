package io.tandem.planner.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.StageCosts;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    private static final Scenario SMALL = Scenario.paper().withUsers(12);

    @Test
    void everySchemeServesEveryRequestAfterItsUpload() {
        Workload workload = Workload.draw(SMALL, 1);
        for (Goal goal : Goal.values()) {
            Simulator simulator = new Simulator(SMALL, 100).withGoal(goal);
            for (Scheme scheme : Scheme.values()) {
                double[] latency = simulator.run(scheme, workload).latencySeconds();

                assertThat(latency).as("%s, %s", goal, scheme).hasSize(12);
                double[] demand = workload.demandSeconds();
                for (int k = 0; k < latency.length; k++) {
                    assertThat(latency[k]).isGreaterThan(demand[k]);
                }
            }
        }
    }

    @Test
    void autoregressiveLatencyOfOneUserIsUploadPrefillAndOneStepPerToken() {
        Scenario one = Scenario.paper().withUsers(1);
        Workload workload = Workload.draw(one, 4);
        StageCosts costs = one.costs();
        BatchShape shape = new BatchShape(1, workload.inputTokens()[0], one.outputTokens());

        double[] latency =
                new Simulator(one, 100).run(Scheme.AUTOREGRESSIVE, workload).latencySeconds();

        assertThat(latency[0])
                .isCloseTo(
                        workload.demandSeconds()[0]
                                + costs.targetPrefill(shape)
                                + one.outputTokens() * costs.targetStep(shape)
                                + one.downlinkSeconds(),
                        within(1e-12));
    }

    @Test
    void withEveryDraftAcceptedAUserNeedsOutputOverLPlusOneRounds() {
        Scenario sure = Scenario.paper().withUsers(1).withAlpha(1);
        Workload workload = Workload.draw(sure, 2);
        StageCosts costs = sure.costs();
        Simulator simulator = new Simulator(sure, 100).withFixedSpeculation(3);
        BatchShape shape = new BatchShape(1, workload.inputTokens()[0], sure.outputTokens());

        double[] latency = simulator.run(Scheme.JOINT, workload).latencySeconds();

        int rounds = (sure.outputTokens() + 3) / 4; // ceil(256 / 4) = 64
        assertThat(latency[0])
                .isCloseTo(
                        workload.demandSeconds()[0]
                                + costs.draftPrefill(shape)
                                + costs.verifyPrefill(shape, 3)
                                + rounds
                                        * (costs.draftRound(shape, 3) + costs.verifyRound(shape, 3))
                                + sure.downlinkSeconds(),
                        within(1e-12));
    }

    @Test
    void isDeterministicForASeed() {
        Simulator simulator = new Simulator(SMALL, 100);

        for (Scheme scheme : List.of(Scheme.JOINT, Scheme.NO_PIPELINING)) {
            assertThat(simulator.run(scheme, Workload.draw(SMALL, 9)).latencySeconds())
                    .containsExactly(
                            simulator.run(scheme, Workload.draw(SMALL, 9)).latencySeconds());
        }
    }

    @Test
    void uniformBandwidthWaitsLongerForUploadsWhenTheBandIsNarrow() {
        Scenario narrow = SMALL.withBandwidth(10e3);
        Comparison comparison =
                Comparison.run(
                        new Simulator(narrow, 100),
                        List.of(Scheme.JOINT, Scheme.UNIFORM_BANDWIDTH),
                        2);

        assertThat(comparison.reductionPercent(Scheme.UNIFORM_BANDWIDTH)).isPositive();
    }

    @Test
    void drawsUsersInsideTheCellAndPromptsInRange() {
        Workload workload = Workload.draw(Scenario.paper(), 1);

        assertThat(Arrays.stream(workload.inputTokens()).min().orElseThrow())
                .isGreaterThanOrEqualTo(32);
        assertThat(Arrays.stream(workload.inputTokens()).max().orElseThrow())
                .isLessThanOrEqualTo(512);
        assertThat(Arrays.stream(workload.demandSeconds()).min().orElseThrow()).isPositive();
        assertThat(Workload.draw(Scenario.paper(), 1).inputTokens())
                .containsExactly(workload.inputTokens());
    }

    @Test
    void measuredCostsReplaceThePairsFlops() {
        StageCosts flat =
                new StageCosts() {
                    @Override
                    public double draftRound(BatchShape batch, int l) {
                        return 0.001 * l;
                    }

                    @Override
                    public double verifyRound(BatchShape batch, int l) {
                        return 0.01;
                    }

                    @Override
                    public double draftPrefill(BatchShape batch) {
                        return 0;
                    }

                    @Override
                    public double verifyPrefill(BatchShape batch, int l) {
                        return 0;
                    }

                    @Override
                    public double targetStep(BatchShape batch) {
                        return 0.01;
                    }

                    @Override
                    public double targetPrefill(BatchShape batch) {
                        return 0;
                    }
                };
        Scenario measured = Scenario.paper().withUsers(1).withPrompts(16, 16, 100).withCosts(flat);
        Workload workload = Workload.draw(measured, 3);

        double[] latency =
                new Simulator(measured, 100).run(Scheme.AUTOREGRESSIVE, workload).latencySeconds();

        assertThat(workload.inputTokens()).containsExactly(16);
        assertThat(latency[0])
                .isCloseTo(
                        workload.demandSeconds()[0] + 100 * 0.01 + measured.downlinkSeconds(),
                        within(1e-12));
    }
}
