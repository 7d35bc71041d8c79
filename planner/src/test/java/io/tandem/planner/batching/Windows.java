package io.tandem.planner.batching;

import io.tandem.planner.acceptance.IidAcceptance;
import io.tandem.planner.cost.StageCosts;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Problem fixtures for planner tests. */
final class Windows {

    /** The reference instance's prompt lengths (docs/planner.md, "Worked examples"). */
    static final int[] REFERENCE_PROMPTS = {32, 64, 96, 128, 160, 200, 256, 300, 400, 512};

    private Windows() {}

    /** {@code k} prompt lengths drawn from {@code [32, 512]}, in random order. */
    static int[] randomPrompts(SplittableRandom random, int k) {
        int[] prompts = new int[k];
        for (int p = 0; p < k; p++) {
            prompts[p] = random.nextInt(32, 513);
        }
        return prompts;
    }

    /** {@code k} distinct prompt lengths from {@code [32, 512]}, in random order. */
    static int[] distinctPrompts(SplittableRandom random, int k) {
        return random.ints(32, 513).distinct().limit(k).toArray();
    }

    static PlanningProblem.Builder problem(int[] prompts, StageCosts costs) {
        return PlanningProblem.builder()
                .setInputTokens(prompts)
                .setOutputTokens(256)
                .setAcceptance(new IidAcceptance(0.8))
                .setCosts(costs);
    }

    /** Every request index of the window, from all batches, sorted: must be 0..K-1 once each. */
    static int[] coveredRequests(BatchPlan plan) {
        return plan.batches().stream()
                .flatMapToInt(b -> Arrays.stream(b.requestIndices()))
                .sorted()
                .toArray();
    }

    /** The plan's cut positions in the sorted window. */
    static int[] bounds(BatchPlan plan) {
        int[] bounds = new int[plan.batchCount() + 1];
        for (int m = 0; m < plan.batchCount(); m++) {
            bounds[m + 1] = bounds[m] + plan.batches().get(m).shape().size();
        }
        return bounds;
    }
}
