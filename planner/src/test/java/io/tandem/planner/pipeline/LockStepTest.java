package io.tandem.planner.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LockStepTest {

    @Test
    void cyclePairsEachVerificationWithTheNextBatchsDraftCyclically() {
        double[] a = {1, 2, 3};
        double[] b = {2.5, 1, 0.5};

        // max(a2, b1) + max(a3, b2) + max(a1, b3) = 2.5 + 3 + 1
        assertThat(LockStep.cycle(a, b)).isEqualTo(6.5);
    }

    @Test
    void oneBatchHasNothingToOverlap() {
        assertThat(LockStep.cycle(new double[] {1}, new double[] {2})).isEqualTo(3);
        assertThat(LockStep.makespanUpperBound(10, new double[] {1}, new double[] {2}))
                .isEqualTo(30);
        assertThat(LockStep.makespanLowerBound(10, new double[] {1}, new double[] {2}))
                .isEqualTo(30);
    }

    @Test
    void upperBoundDropsTheIdleHalfStepsAtBothEnds() {
        // a = (1, 2), b = (3, 1), N = 2: Cyc = max(2, 3) + max(1, 1) = 4,
        // T_inf = a1 + N·Cyc - max(a1, b2) + b2 = 1 + 8 - 1 + 1 = 9 (the evaluator's value)
        double[] a = {1, 2};
        double[] b = {3, 1};

        assertThat(LockStep.makespanUpperBound(2, a, b)).isEqualTo(9);
        assertThat(LockStep.makespanLowerBound(2, a, b)).isEqualTo(8);
    }

    @Test
    void eventDrivenMakespanLiesBetweenTheLockStepBounds() {
        SplittableRandom random = new SplittableRandom(20251126);
        for (int instance = 0; instance < 5000; instance++) {
            int batches = 1 + random.nextInt(8);
            int rounds = 1 + random.nextInt(12);
            double scale = random.nextBoolean() ? 1 : 0.1;
            double[] a = new double[batches];
            double[] b = new double[batches];
            List<BatchRun> runs = new ArrayList<>();
            for (int m = 0; m < batches; m++) {
                a[m] = scale * random.nextDouble();
                b[m] = random.nextDouble();
                runs.add(BatchRun.steady(0, rounds, a[m], b[m], 0, 0));
            }

            double makespan = PipelineEvaluator.pipelined(runs).makespan();

            String seed =
                    "instance "
                            + instance
                            + " a="
                            + java.util.Arrays.toString(a)
                            + " b="
                            + java.util.Arrays.toString(b);
            assertThat(makespan)
                    .as(seed)
                    .isGreaterThanOrEqualTo(LockStep.makespanLowerBound(rounds, a, b) * (1 - 1e-12))
                    .isLessThanOrEqualTo(LockStep.makespanUpperBound(rounds, a, b) * (1 + 1e-12));
        }
    }

    @Test
    void balancedBatchesReachTheLowerBoundPlusOneStage() {
        // two identical batches with a = b: the verify node idles only before the first verify
        double[] a = {1, 1};
        double[] b = {1, 1};
        List<BatchRun> runs =
                List.of(BatchRun.steady(0, 5, 1, 1, 0, 0), BatchRun.steady(0, 5, 1, 1, 0, 0));

        assertThat(PipelineEvaluator.pipelined(runs).makespan())
                .isCloseTo(LockStep.makespanLowerBound(5, a, b) + 1, within(1e-12));
    }
}
