package io.tandem.planner.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.PaperStageCosts;
import io.tandem.planner.cost.StageCosts;
import io.tandem.planner.pipeline.BatchRun;
import io.tandem.planner.pipeline.PipelineEvaluator;
import io.tandem.planner.pipeline.PipelineTimeline;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MeanLatencyPlannerTest {

    @Test
    void isNeverWorseOnMeanLatencyThanThePaperPlanItAlsoConsiders() {
        SplittableRandom random = new SplittableRandom(5);
        for (int instance = 0; instance < 40; instance++) {
            int k = 2 + random.nextInt(30);
            PlanningProblem problem =
                    Windows.problem(
                                    Windows.randomPrompts(random, k),
                                    TestCosts.randomTable(instance, 0, 16))
                            .build();

            BatchPlan mean = new MeanLatencyPlanner(new ExactPlanner(), true).plan(problem);
            BatchPlan paper = new ExactPlanner().plan(problem);

            assertThat(Windows.coveredRequests(mean))
                    .containsExactly(IntStream.range(0, k).toArray());
            assertThat(mean.predictedSeconds()).isCloseTo(meanLatency(problem, mean), within(1e-9));
            assertThat(mean.predictedSeconds())
                    .as("instance %d", instance)
                    .isLessThanOrEqualTo(bestOrderMean(problem, paper) * (1 + 1e-12));
        }
    }

    @Test
    void servesTheReferenceWindowSoonerOnAverageThanThePaperPlan() {
        PlanningProblem problem =
                Windows.problem(Windows.REFERENCE_PROMPTS, PaperStageCosts.reference(0.05)).build();

        BatchPlan mean = new MeanLatencyPlanner(new ExactPlanner(), true).plan(problem);
        BatchPlan paper = new ExactPlanner().plan(problem);

        double paperMean = meanLatency(problem, paper, true);
        assertThat(mean.predictedSeconds()).isLessThan(paperMean);
        // and the first batch is served well before the window's end
        assertThat(mean.batchCount()).isGreaterThan(1);
    }

    @Test
    void respectsTheBatchSizeLimit() {
        PlanningProblem problem =
                Windows.problem(Windows.REFERENCE_PROMPTS, PaperStageCosts.reference(0.5))
                        .optMaxBatchSize(3)
                        .build();

        BatchPlan plan = new MeanLatencyPlanner(new ExactPlanner(), true).plan(problem);

        assertThat(plan.batches())
                .allSatisfy(b -> assertThat(b.shape().size()).isLessThanOrEqualTo(3));
    }

    @Test
    void isDeterministic() {
        PlanningProblem problem =
                Windows.problem(Windows.REFERENCE_PROMPTS, PaperStageCosts.reference(0.05)).build();
        MeanLatencyPlanner planner = new MeanLatencyPlanner(new FastPlanner(), true);

        assertThat(planner.plan(problem)).isEqualTo(planner.plan(problem));
    }

    /** The plan's mean latency as given, earliest batch first. */
    private static double meanLatency(PlanningProblem problem, BatchPlan plan) {
        return meanLatency(problem, plan, false);
    }

    private static double meanLatency(PlanningProblem problem, BatchPlan plan, boolean roundRobin) {
        StageCosts costs = problem.costs();
        List<BatchRun> runs = new ArrayList<>();
        for (PlannedBatch batch : plan.batches()) {
            BatchShape shape = batch.shape();
            int l = batch.speculationLength();
            runs.add(
                    BatchRun.steady(
                            0,
                            problem.acceptance().rounds(l, problem.outputTokens()),
                            costs.draftRound(shape, l),
                            costs.verifyRound(shape, l),
                            costs.draftPrefill(shape),
                            costs.verifyPrefill(shape, l)));
        }
        PipelineTimeline timeline =
                roundRobin
                        ? PipelineEvaluator.pipelined(runs)
                        : PipelineEvaluator.prioritized(runs);
        double sum = 0;
        for (int m = 0; m < runs.size(); m++) {
            sum += plan.batches().get(m).shape().size() * timeline.completion(m);
        }
        return sum / problem.requestCount();
    }

    /**
     * The paper plan's mean latency, earliest batch first, its batches in order of work per request
     * (Smith's rule, the order the planner gives every candidate).
     */
    private static double bestOrderMean(PlanningProblem problem, BatchPlan paper) {
        StageCosts costs = problem.costs();
        int rounds = problem.acceptance().rounds(paper.speculationLength(), problem.outputTokens());
        List<PlannedBatch> ordered = new ArrayList<>(paper.batches());
        ordered.sort(
                Comparator.comparingDouble(
                        b -> {
                            BatchShape shape = b.shape();
                            int l = b.speculationLength();
                            double work =
                                    costs.draftPrefill(shape)
                                            + costs.verifyPrefill(shape, l)
                                            + rounds
                                                    * (costs.draftRound(shape, l)
                                                            + costs.verifyRound(shape, l));
                            return work / shape.size();
                        }));
        return meanLatency(
                problem,
                new BatchPlan(
                        ordered,
                        paper.speculationLength(),
                        paper.rounds(),
                        paper.cycleSeconds(),
                        paper.predictedSeconds(),
                        paper.simulatedSeconds(),
                        paper.planner(),
                        paper.perBatchGainSeconds()));
    }

    @Test
    void keepsEachBatchWithinTheMemoryLimitOrSaysWhyItCannot() {
        int[] prompts = {100, 100, 100, 100, 100, 100, 100, 100};
        // a token of KV costs 1 byte on both nodes: 1,000 tokens fit, about two requests
        PlanningProblem roomy =
                Windows.problem(prompts, PaperStageCosts.reference(0.05))
                        .optMemoryLimit(new MemoryLimit(1000, 1000, 1, 1))
                        .build();
        PlanningProblem cramped =
                Windows.problem(prompts, PaperStageCosts.reference(0.05))
                        .optMemoryLimit(new MemoryLimit(300, 300, 1, 1))
                        .build();

        BatchPlan plan = new MeanLatencyPlanner(new SequentialPlanner(), false).plan(roomy);

        assertThat(plan.batches())
                .allSatisfy(b -> assertThat(b.shape().size()).isLessThanOrEqualTo(2));
        assertThatThrownBy(
                        () -> new MeanLatencyPlanner(new SequentialPlanner(), false).plan(cramped))
                .isInstanceOf(PlanInfeasibleException.class);
    }
}
