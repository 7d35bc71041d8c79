package io.tandem.planner.batching;

import java.util.Optional;

/**
 * The problem's KV-memory limit in the terms the planners search in. With every batch in flight, a
 * node caches Σ_m |B_m|·(I_m + O + l_m) tokens: the window's prompt tokens, K·(O + l) and the
 * padding, so for a common l the limit is a budget of padding tokens. Stateless.
 */
final class KvBudget {

    private KvBudget() {}

    /** Padding tokens a plan with common {@code l} may have; negative if even none is too much. */
    static long paddingBudget(SortedWindow window, int l) {
        Optional<MemoryLimit> limit = window.problem().memoryLimit();
        if (limit.isEmpty()) {
            return Long.MAX_VALUE;
        }
        return limit.get().tokenCapacity() - unpaddedTokens(window, l);
    }

    /** True if all batches of {@code bounds}, with speculation lengths {@code ls}, fit together. */
    static boolean admits(SortedWindow window, int[] bounds, int[] ls) {
        Optional<MemoryLimit> limit = window.problem().memoryLimit();
        if (limit.isEmpty()) {
            return true;
        }
        long tokens = 0;
        for (int m = 0; m + 1 < bounds.length; m++) {
            tokens += window.cachedTokens(bounds[m], bounds[m + 1], ls[m]);
        }
        return limit.get().admits(tokens);
    }

    /** The failure when no common {@code l} in range leaves room even for unpadded batches. */
    static PlanInfeasibleException windowTooLarge(SortedWindow window) {
        int l = window.problem().minSpeculation();
        long tokens = unpaddedTokens(window, l);
        return new PlanInfeasibleException(
                "no plan fits the KV-cache memory: with no padding at all and l = "
                        + l
                        + " the "
                        + window.size()
                        + " requests cache "
                        + tokens
                        + " tokens; "
                        + window.problem().memoryLimit().orElseThrow().shortfall(tokens)
                        + "; shrink the window or give the nodes more memory");
    }

    private static long unpaddedTokens(SortedWindow window, int l) {
        return window.promptTokens() + (long) window.size() * (window.problem().outputTokens() + l);
    }
}
