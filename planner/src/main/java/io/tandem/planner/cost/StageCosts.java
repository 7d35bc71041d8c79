package io.tandem.planner.cost;

import io.tandem.planner.BatchShape;

/**
 * Seconds each pipeline stage takes for one batch: the draft stage (stage A, at the draft node) and
 * the verify stage (stage B: draft tokens and distributions over the fronthaul, the verify pass,
 * the result back). Round times are steady-state averages over a generation (at the round-average
 * context, {@link BatchShape#meanContext()}); the first round additionally prefills the prompts.
 * Implementations are pure and thread-safe; the planner calls them O(K² · l) times per window, so
 * they should be cheap.
 */
public interface StageCosts {

    /** Stage A of one round: {@code l} draft decode passes. */
    double draftRound(BatchShape batch, int l);

    /**
     * Stage B of one round: sending {@code l} drafts, verifying {@code l + 1} positions, return.
     */
    double verifyRound(BatchShape batch, int l);

    /** Extra stage-A time of the first round: the draft model's prefill of the prompts. */
    double draftPrefill(BatchShape batch);

    /** Extra stage-B time of the first round: prompts over the fronthaul and the verify prefill. */
    double verifyPrefill(BatchShape batch, int l);

    /**
     * One decode pass of the target alone (autoregressive serving, the baseline), including what it
     * sends back per token.
     */
    double targetStep(BatchShape batch);

    /** The target's prefill of the prompts in autoregressive serving, with their transfer. */
    double targetPrefill(BatchShape batch);
}
