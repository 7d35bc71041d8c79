package io.tandem.planner.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineEvaluatorTest {

    @Test
    void overlapsOneBatchsDraftWithTheOthersVerification() {
        // a = (1, 2), b = (3, 1), two rounds each; by hand:
        // (1,1): draft 0-1, verify 1-4;  (2,1): draft 1-3, verify 4-5
        // (1,2): draft 4-5, verify 5-8;  (2,2): draft 5-7, verify 8-9
        List<BatchRun> runs =
                List.of(BatchRun.steady(0, 2, 1, 3, 0, 0), BatchRun.steady(0, 2, 2, 1, 0, 0));

        PipelineTimeline timeline = PipelineEvaluator.pipelined(runs);

        assertThat(timeline.completionSeconds()).containsExactly(8, 9);
        assertThat(timeline.makespan()).isEqualTo(9);
        assertThat(timeline.sumOfCompletions()).isEqualTo(17);
    }

    @Test
    void skipsBatchesThatHaveRunAllTheirRounds() {
        // batch 1 runs one round, batch 2 three: (1,1) 0-1/1-2, (2,1) 1-2/2-3, (2,2) 3-4/4-5,
        // (2,3) 5-6/6-7
        List<BatchRun> runs =
                List.of(BatchRun.steady(0, 1, 1, 1, 0, 0), BatchRun.steady(0, 3, 1, 1, 0, 0));

        PipelineTimeline timeline = PipelineEvaluator.pipelined(runs);

        assertThat(timeline.completionSeconds()).containsExactly(2, 7);
        assertThat(timeline.verifyEnd(1, 0)).isEqualTo(3);
        assertThat(timeline.verifyEnd(1, 1)).isEqualTo(5);
    }

    @Test
    void waitsForABatchsUploadBeforeItsFirstDraft() {
        List<BatchRun> runs =
                List.of(BatchRun.steady(0, 1, 1, 1, 0, 0), BatchRun.steady(10, 1, 1, 1, 0, 0));

        assertThat(PipelineEvaluator.pipelined(runs).completionSeconds()).containsExactly(2, 12);
    }

    @Test
    void chargesPrefillToTheFirstRoundOnly() {
        BatchRun run = BatchRun.steady(0, 3, 1, 2, 10, 20);

        assertThat(run.draftSeconds()).containsExactly(11, 1, 1);
        assertThat(run.verifySeconds()).containsExactly(22, 2, 2);
        assertThat(PipelineEvaluator.pipelined(List.of(run)).makespan()).isEqualTo(39);
    }

    @Test
    void sequentialScheduleNeverOverlapsTheNodes() {
        List<BatchRun> runs =
                List.of(BatchRun.steady(0, 2, 1, 3, 0, 0), BatchRun.steady(0, 2, 2, 1, 0, 0));

        PipelineTimeline timeline = PipelineEvaluator.sequential(runs);

        assertThat(timeline.completionSeconds()).containsExactly(8, 14);
        assertThat(timeline.verifyEnd(0, 0)).isEqualTo(4);
        assertThat(timeline.verifyEnd(1, 0)).isEqualTo(11);
    }

    @Test
    void sequentialScheduleWaitsForLateBatches() {
        List<BatchRun> runs =
                List.of(BatchRun.steady(0, 1, 1, 1, 0, 0), BatchRun.steady(5, 1, 1, 1, 0, 0));

        assertThat(PipelineEvaluator.sequential(runs).completionSeconds()).containsExactly(2, 7);
    }

    @Test
    void pipeliningIsNeverSlowerThanRunningBatchesOneAfterAnother() {
        var random = new java.util.SplittableRandom(7);
        for (int instance = 0; instance < 2000; instance++) {
            int batches = 1 + random.nextInt(6);
            List<BatchRun> runs = new java.util.ArrayList<>();
            for (int m = 0; m < batches; m++) {
                int rounds = 1 + random.nextInt(5);
                double[] a = new double[rounds];
                double[] b = new double[rounds];
                for (int n = 0; n < rounds; n++) {
                    a[n] = random.nextDouble();
                    b[n] = random.nextDouble();
                }
                runs.add(new BatchRun(0, a, b));
            }

            assertThat(PipelineEvaluator.pipelined(runs).makespan())
                    .as("instance %d", instance)
                    .isLessThanOrEqualTo(
                            PipelineEvaluator.sequential(runs).makespan() * (1 + 1e-12));
        }
    }

    @Test
    void oneBatchTakesItsRoundsBackToBack() {
        BatchRun run = new BatchRun(0, new double[] {0.1, 0.2}, new double[] {0.3, 0.4});

        assertThat(PipelineEvaluator.pipelined(List.of(run)).makespan())
                .isCloseTo(1.0, within(1e-12));
    }

    @Test
    void rejectsRunsWithMismatchedRounds() {
        assertThatThrownBy(() -> new BatchRun(0, new double[] {1}, new double[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 draft and 2 verify");
        assertThatThrownBy(() -> PipelineEvaluator.pipelined(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void copiesItsArraysSoRunsStayImmutable() {
        double[] draft = {1};
        BatchRun run = new BatchRun(0, draft, new double[] {1});
        draft[0] = 5;
        run.draftSeconds()[0] = 7;

        assertThat(run.draftSeconds()).containsExactly(1);
        assertThat(run).isEqualTo(new BatchRun(0, new double[] {1}, new double[] {1}));
    }
}
