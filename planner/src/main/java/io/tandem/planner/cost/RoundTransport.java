package io.tandem.planner.cost;

import io.tandem.planner.BatchShape;

/**
 * Stage costs plus a fixed time per round for moving the batch around a serving loop (between the
 * nodes that draft and verify and back), charged to stage B as the paper's fronthaul is. A job
 * measures this overhead as it runs; on a real network it can be large enough to make longer
 * speculation worth it, since fewer rounds pay it fewer times.
 *
 * @param costs the model stages
 * @param secondsPerRound transport per round, {@code >= 0}
 */
public record RoundTransport(StageCosts costs, double secondsPerRound) implements StageCosts {

    public RoundTransport {
        if (!(secondsPerRound >= 0) || Double.isInfinite(secondsPerRound)) {
            throw new IllegalArgumentException(
                    "secondsPerRound must be finite and >= 0, got " + secondsPerRound);
        }
    }

    @Override
    public double draftRound(BatchShape batch, int l) {
        return costs.draftRound(batch, l);
    }

    @Override
    public double verifyRound(BatchShape batch, int l) {
        return costs.verifyRound(batch, l) + secondsPerRound;
    }

    @Override
    public double draftPrefill(BatchShape batch) {
        return costs.draftPrefill(batch);
    }

    @Override
    public double verifyPrefill(BatchShape batch, int l) {
        return costs.verifyPrefill(batch, l);
    }

    @Override
    public double targetStep(BatchShape batch) {
        return costs.targetStep(batch);
    }

    @Override
    public double targetPrefill(BatchShape batch) {
        return costs.targetPrefill(batch);
    }
}
