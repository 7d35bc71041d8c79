package io.tandem.planner.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.planner.acceptance.IidAcceptance;
import io.tandem.planner.batching.PlanningProblem.Objective;
import org.junit.jupiter.api.Test;

class PlanningProblemTest {

    @Test
    void defaultsToSpeculationOneToEightWithoutLimits() {
        PlanningProblem problem =
                Windows.problem(new int[] {5, 3}, TestCosts.randomTable(1, 0)).build();

        assertThat(problem.minSpeculation()).isEqualTo(1);
        assertThat(problem.maxSpeculation()).isEqualTo(8);
        assertThat(problem.maxBatchSize()).isEmpty();
        assertThat(problem.memoryLimit()).isEmpty();
        assertThat(problem.objective()).isEqualTo(Objective.TOTAL);
        assertThat(problem.inputTokens()).containsExactly(5, 3);
    }

    @Test
    void rejectsAnEmptyWindowAndBadPrompts() {
        assertThatThrownBy(() -> Windows.problem(new int[0], TestCosts.randomTable(1, 0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one request");
        assertThatThrownBy(
                        () ->
                                Windows.problem(new int[] {4, 0}, TestCosts.randomTable(1, 0))
                                        .build())
                .hasMessageContaining("got 0 at index 1");
    }

    @Test
    void rejectsBadRangesAndLimits() {
        assertThatThrownBy(
                        () ->
                                Windows.problem(new int[] {4}, TestCosts.randomTable(1, 0))
                                        .optSpeculationRange(5, 3)
                                        .build())
                .hasMessageContaining("got 5..3");
        assertThatThrownBy(
                        () ->
                                Windows.problem(new int[] {4}, TestCosts.randomTable(1, 0))
                                        .optMaxBatchSize(0)
                                        .build())
                .hasMessageContaining("optMaxBatchSize");
        assertThatThrownBy(
                        () ->
                                PlanningProblem.builder()
                                        .setInputTokens(4)
                                        .setOutputTokens(8)
                                        .setAcceptance(new IidAcceptance(0.5))
                                        .build())
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("setCosts");
    }

    @Test
    void keepsThePapersCycleObjectiveWhenAskedAndRejectsNone() {
        PlanningProblem.Builder builder =
                Windows.problem(new int[] {4}, TestCosts.randomTable(1, 0));

        assertThat(builder.optObjective(Objective.PAPER_CYCLE).build().objective())
                .isEqualTo(Objective.PAPER_CYCLE);
        assertThatThrownBy(() -> builder.optObjective(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("objective");
    }

    @Test
    void keepsItsOwnCopyOfThePrompts() {
        int[] prompts = {7, 9};
        PlanningProblem problem = Windows.problem(prompts, TestCosts.randomTable(1, 0)).build();
        prompts[0] = 100;
        problem.inputTokens()[1] = 100;

        assertThat(problem.inputTokens()).containsExactly(7, 9);
    }
}
