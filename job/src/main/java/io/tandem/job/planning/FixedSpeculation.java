package io.tandem.job.planning;

import io.tandem.schemas.internal.Batch;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.udfs.ServingMode;
import java.util.List;
import org.apache.flink.metrics.MetricGroup;

/**
 * Modes {@code sd-fixed} and {@code ad}: each window is one batch and every round drafts the same
 * length (0 in {@code ad}), whatever acceptance does; the baselines the planner is measured
 * against.
 */
final class FixedSpeculation implements RoundPolicy {

    private final ServingMode mode;
    private final int speculationLength;

    FixedSpeculation(ServingMode mode, int speculationLength) {
        this.mode = mode;
        this.speculationLength = speculationLength;
    }

    @Override
    public void open(MetricGroup metrics) {}

    @Override
    public ServingMode mode() {
        return mode;
    }

    @Override
    public List<Batch> admit(Batch window) {
        return List.of(window);
    }

    @Override
    public int speculationLength(RoundBatch batch) {
        return speculationLength;
    }

    @Override
    public void observe(RoundBatch verified, double overheadMs) {}
}
