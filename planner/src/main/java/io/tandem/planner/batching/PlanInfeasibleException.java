package io.tandem.planner.batching;

/**
 * No plan satisfies a problem's limits (its KV-cache memory or batch-size limit). The message says
 * which limit and by how much it is missed.
 */
public final class PlanInfeasibleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PlanInfeasibleException(String message) {
        super(message);
    }
}
