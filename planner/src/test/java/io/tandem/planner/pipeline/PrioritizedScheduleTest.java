package io.tandem.planner.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrioritizedScheduleTest {

    @Test
    void aLaterBatchNeverDelaysAnEarlierOne() {
        SplittableRandom random = new SplittableRandom(7);
        for (int instance = 0; instance < 2000; instance++) {
            List<BatchRun> runs = randomRuns(random);

            PipelineTimeline together = PipelineEvaluator.prioritized(runs);

            for (int m = 0; m < runs.size(); m++) {
                PipelineTimeline withoutLater =
                        PipelineEvaluator.prioritized(runs.subList(0, m + 1));
                assertThat(together.completion(m))
                        .as("instance %d, batch %d", instance, m)
                        .isCloseTo(withoutLater.completion(m), within(1e-9));
            }
        }
    }

    @Test
    void respectsEveryPrecedenceAndKeepsTheMakespanAboveTheLowerBound() {
        SplittableRandom random = new SplittableRandom(11);
        for (int instance = 0; instance < 2000; instance++) {
            int batches = 1 + random.nextInt(5);
            int rounds = 1 + random.nextInt(6);
            double[] a = new double[batches];
            double[] b = new double[batches];
            List<BatchRun> runs = new ArrayList<>();
            for (int m = 0; m < batches; m++) {
                a[m] = random.nextDouble(0.01, 3);
                b[m] = random.nextDouble(0.01, 3);
                runs.add(BatchRun.steady(0, rounds, a[m], b[m], 0, 0));
            }

            PipelineTimeline timeline = PipelineEvaluator.prioritized(runs);

            for (int m = 0; m < batches; m++) {
                double previous = 0;
                for (int n = 0; n < rounds; n++) {
                    // a round needs its draft and verify after the previous round's verify
                    assertThat(timeline.verifyEnd(m, n))
                            .isGreaterThanOrEqualTo(previous + a[m] + b[m] - 1e-9);
                    previous = timeline.verifyEnd(m, n);
                }
            }
            assertThat(timeline.makespan())
                    .isGreaterThanOrEqualTo(LockStep.makespanLowerBound(rounds, a, b) - 1e-9);
        }
    }

    @Test
    void letsTheFirstBatchRunAsIfAloneWhenVerificationDominates() {
        // a = 1, b = 10, three rounds each: batch 1 alone takes 3 · 11 = 33; a greedy node would
        // start batch 2's verify while batch 1 drafts and hold batch 1 up by 10 every round
        List<BatchRun> runs =
                List.of(BatchRun.steady(0, 3, 1, 10, 0, 0), BatchRun.steady(0, 3, 1, 10, 0, 0));

        PipelineTimeline timeline = PipelineEvaluator.prioritized(runs);

        assertThat(timeline.completion(0)).isEqualTo(33);
        // batch 2 fills the verify node's gaps where it can, then runs its last rounds alone
        assertThat(timeline.completion(1)).isLessThan(66);
        assertThat(timeline.completion(1)).isGreaterThanOrEqualTo(63);
    }

    @Test
    void finishesEarlyBatchesSoonerThanRoundRobin() {
        List<BatchRun> runs = new ArrayList<>();
        for (int m = 0; m < 4; m++) {
            runs.add(BatchRun.steady(0, 20, 0.5, 2, 1, 3));
        }

        PipelineTimeline prioritized = PipelineEvaluator.prioritized(runs);
        PipelineTimeline roundRobin = PipelineEvaluator.pipelined(runs);

        assertThat(prioritized.completion(0)).isLessThan(roundRobin.completion(0) / 2);
        assertThat(prioritized.sumOfCompletions()).isLessThan(roundRobin.sumOfCompletions());
    }

    private static List<BatchRun> randomRuns(SplittableRandom random) {
        int batches = 1 + random.nextInt(5);
        List<BatchRun> runs = new ArrayList<>();
        for (int m = 0; m < batches; m++) {
            int rounds = 1 + random.nextInt(6);
            double[] draft = new double[rounds];
            double[] verify = new double[rounds];
            for (int n = 0; n < rounds; n++) {
                draft[n] = random.nextDouble(0.01, 3);
                verify[n] = random.nextDouble(0.01, 3);
            }
            runs.add(new BatchRun(random.nextDouble(0, 4), draft, verify));
        }
        return runs;
    }
}
