package io.tandem.planner.pipeline;

/**
 * Closed forms for batches with round-independent stage times and a common number of rounds
 * (docs/planner.md, "The pipeline"): in lock-step the draft node drafts batch m+1 while the verify
 * side verifies batch m, and each step lasts as long as the slower of the two. Stateless and
 * thread-safe.
 *
 * <p>Arrays hold one entry per batch in round-robin order: {@code draft[m]} = a_m, {@code
 * verify[m]} = b_m, all {@code >= 0}.
 */
public final class LockStep {

    private LockStep() {}

    /**
     * Seconds per round of the whole pipeline: Σ_m max(a_{m+1}, b_m) with a_{M+1} ≡ a_1 for M ≥ 2;
     * a_1 + b_1 for one batch, which has nothing to overlap with.
     */
    public static double cycle(double[] draft, double[] verify) {
        int batches = requireSameBatches(draft, verify);
        if (batches == 1) {
            return draft[0] + verify[0];
        }
        double sum = 0;
        for (int m = 0; m < batches; m++) {
            sum += Math.max(draft[(m + 1) % batches], verify[m]);
        }
        return sum;
    }

    /**
     * T_inf: the lock-step makespan, an upper bound of the event-driven one because lock-step is a
     * feasible schedule for M ≥ 2. For M = 1 it is exact, N·(a + b).
     */
    public static double makespanUpperBound(int rounds, double[] draft, double[] verify) {
        int batches = requireSameBatches(draft, verify);
        requireRounds(rounds);
        double cycle = cycle(draft, verify);
        if (batches == 1) {
            return rounds * cycle;
        }
        double lastVerify = verify[batches - 1];
        // the first step has no verification to overlap with and the last has no draft
        return draft[0] + rounds * cycle - Math.max(draft[0], lastVerify) + lastVerify;
    }

    /**
     * N · max(Σa, Σb, max_m(a_m + b_m)): every node must do all its work, and each batch's rounds
     * are a chain of draft-then-verify. Note the maximum is taken over whole runs, not per round.
     */
    public static double makespanLowerBound(int rounds, double[] draft, double[] verify) {
        int batches = requireSameBatches(draft, verify);
        requireRounds(rounds);
        double draftSum = 0;
        double verifySum = 0;
        double longestChain = 0;
        for (int m = 0; m < batches; m++) {
            draftSum += draft[m];
            verifySum += verify[m];
            longestChain = Math.max(longestChain, draft[m] + verify[m]);
        }
        return rounds * Math.max(Math.max(draftSum, verifySum), longestChain);
    }

    private static int requireSameBatches(double[] draft, double[] verify) {
        if (draft.length == 0 || draft.length != verify.length) {
            throw new IllegalArgumentException(
                    "need one draft and one verify time per batch, got "
                            + draft.length
                            + " and "
                            + verify.length);
        }
        return draft.length;
    }

    private static void requireRounds(int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
        }
    }
}
