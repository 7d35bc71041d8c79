package io.tandem.planner.batching;

import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.cost.StageCosts;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One window's planning input: the requests' prompt lengths (in any order; plans refer back to this
 * order), the common output length O every request is planned for, the model pair's acceptance and
 * stage costs, the speculation lengths allowed, optional limits on batch size and KV-cache memory,
 * and the {@link Objective} the partition is chosen by. The upload term is not part of it: it
 * separates from batching (docs/planner.md, "Bandwidth allocation"). Immutable; build it with
 * {@link #builder()}.
 */
public final class PlanningProblem {

    /**
     * What a planner minimizes when it chooses the partition for a speculation length. Either way
     * it then picks the speculation length by Fill + N(l)·Cyc (the paper's objective without its
     * upload term, Fill = Σ_m of both prefills) and reports that value as {@link
     * BatchPlan#predictedSeconds()}.
     */
    public enum Objective {
        /**
         * The paper's cyclic DP as written: the partition of least cycle Cyc, blind to the prefill.
         * At a given speculation length its partitions are those of the reference instance in
         * docs/planner.md, whose N·Cyc totals leave Fill out of the choice of l too; this objective
         * keeps Fill in the choice of l, so over a range of l the chosen l can differ.
         */
        PAPER_CYCLE,
        /**
         * The partition of least Fill + N(l)·Cyc, so the padding a partition adds to the prefill
         * counts as well as its cycle. Exact for {@link ExactPlanner} without a memory limit. The
         * default.
         */
        TOTAL
    }

    private final int[] inputTokens;
    private final int outputTokens;
    private final Acceptance acceptance;
    private final StageCosts costs;
    private final int minSpeculation;
    private final int maxSpeculation;
    private final int maxBatchSize;
    private final MemoryLimit memoryLimit;
    private final Objective objective;

    private PlanningProblem(Builder b) {
        this.inputTokens = b.inputTokens.clone();
        this.outputTokens = b.outputTokens;
        this.acceptance = b.acceptance;
        this.costs = b.costs;
        this.minSpeculation = b.minSpeculation;
        this.maxSpeculation = b.maxSpeculation;
        this.maxBatchSize = b.maxBatchSize;
        this.memoryLimit = b.memoryLimit;
        this.objective = b.objective;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Prompt lengths in the caller's order. */
    public int[] inputTokens() {
        return inputTokens.clone();
    }

    public int requestCount() {
        return inputTokens.length;
    }

    public int outputTokens() {
        return outputTokens;
    }

    public Acceptance acceptance() {
        return acceptance;
    }

    public StageCosts costs() {
        return costs;
    }

    /** Smallest speculation length a batch may use, {@code >= 1}. */
    public int minSpeculation() {
        return minSpeculation;
    }

    /** Largest speculation length a batch may use, {@code >= minSpeculation()}. */
    public int maxSpeculation() {
        return maxSpeculation;
    }

    /** Most requests one batch may hold, if limited. */
    public OptionalInt maxBatchSize() {
        return maxBatchSize == Integer.MAX_VALUE
                ? OptionalInt.empty()
                : OptionalInt.of(maxBatchSize);
    }

    public Optional<MemoryLimit> memoryLimit() {
        return Optional.ofNullable(memoryLimit);
    }

    public Objective objective() {
        return objective;
    }

    int batchSizeLimit() {
        return maxBatchSize;
    }

    @Override
    public String toString() {
        return "PlanningProblem[requests="
                + inputTokens.length
                + ", inputTokens="
                + Arrays.toString(inputTokens)
                + ", outputTokens="
                + outputTokens
                + ", speculation="
                + minSpeculation
                + ".."
                + maxSpeculation
                + ", maxBatchSize="
                + maxBatchSize()
                + ", memoryLimit="
                + memoryLimit()
                + ", objective="
                + objective
                + "]";
    }

    /**
     * Builds a {@link PlanningProblem}: {@code set*} for required parts, {@code opt*} for optional
     * ones, everything checked in {@link #build()}. Not thread-safe.
     */
    public static final class Builder {

        private int[] inputTokens;
        private int outputTokens;
        private Acceptance acceptance;
        private StageCosts costs;
        private int minSpeculation = 1;
        private int maxSpeculation = 8;
        private int maxBatchSize = Integer.MAX_VALUE;
        private MemoryLimit memoryLimit;
        private Objective objective = Objective.TOTAL;

        private Builder() {}

        /** The window's prompt lengths, in the order plans will refer to. Required. */
        public Builder setInputTokens(int... inputTokens) {
            this.inputTokens = inputTokens.clone();
            return this;
        }

        /** Tokens every request is planned to generate (the fixed maximum output length). */
        public Builder setOutputTokens(int outputTokens) {
            this.outputTokens = outputTokens;
            return this;
        }

        public Builder setAcceptance(Acceptance acceptance) {
            this.acceptance = acceptance;
            return this;
        }

        public Builder setCosts(StageCosts costs) {
            this.costs = costs;
            return this;
        }

        /** Allowed speculation lengths, inclusive; 1..8 if not set. Equal bounds fix l. */
        public Builder optSpeculationRange(int min, int max) {
            this.minSpeculation = min;
            this.maxSpeculation = max;
            return this;
        }

        public Builder optMaxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        public Builder optMemoryLimit(MemoryLimit memoryLimit) {
            this.memoryLimit = Objects.requireNonNull(memoryLimit, "memoryLimit");
            return this;
        }

        /** What the partition is chosen by; {@link Objective#TOTAL} if not set. */
        public Builder optObjective(Objective objective) {
            this.objective = Objects.requireNonNull(objective, "objective");
            return this;
        }

        public PlanningProblem build() {
            if (inputTokens == null || inputTokens.length == 0) {
                throw new IllegalArgumentException(
                        "setInputTokens: a window needs at least one request");
            }
            for (int k = 0; k < inputTokens.length; k++) {
                if (inputTokens[k] < 1) {
                    throw new IllegalArgumentException(
                            "setInputTokens: prompt lengths must be >= 1, got "
                                    + inputTokens[k]
                                    + " at index "
                                    + k);
                }
            }
            if (outputTokens < 1) {
                throw new IllegalArgumentException(
                        "setOutputTokens: must be >= 1, got " + outputTokens);
            }
            Objects.requireNonNull(acceptance, "setAcceptance is required");
            Objects.requireNonNull(costs, "setCosts is required");
            if (minSpeculation < 1 || maxSpeculation < minSpeculation) {
                throw new IllegalArgumentException(
                        "optSpeculationRange: need 1 <= min <= max, got "
                                + minSpeculation
                                + ".."
                                + maxSpeculation);
            }
            if (maxBatchSize < 1) {
                throw new IllegalArgumentException(
                        "optMaxBatchSize: must be >= 1, got " + maxBatchSize);
            }
            return new PlanningProblem(this);
        }
    }
}
