package io.tandem.job.planning;

import io.tandem.job.config.JobConfig;
import io.tandem.schemas.internal.Batch;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.udfs.ServingMode;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.metrics.MetricGroup;

/**
 * How a serving mode turns a closed window into batches and chooses the speculation length of each
 * round. The loop head calls it on its task thread only, so implementations need no locking; it
 * sees every verified round, so the acceptance it has measured can shape later choices.
 */
public interface RoundPolicy extends Serializable {

    /** The policy of {@code generation}'s mode. */
    static RoundPolicy of(JobConfig.Generation generation) {
        return switch (generation.mode()) {
            case SD ->
                    new PlannedSpeculation(
                            generation.plannerProfile(), generation.speculationLength());
            case SD_FIXED ->
                    new FixedSpeculation(ServingMode.SD_FIXED, generation.speculationLength());
            case AD -> new FixedSpeculation(ServingMode.AD, 0);
        };
    }

    /** Reads what the policy needs and registers its metrics; once, before any window. */
    void open(MetricGroup metrics) throws Exception;

    /** The mode this policy serves. */
    ServingMode mode();

    /** The batches {@code window} becomes, in the order they should run. */
    List<Batch> admit(Batch window);

    /** The speculation length of {@code batch}'s next round (0: no drafting). */
    int speculationLength(RoundBatch batch);

    /**
     * Learns from a verified round: its report (drafted and accepted tokens per position, the model
     * calls it ran in) and the time it spent going around the loop outside the models.
     */
    void observe(RoundBatch verified, double overheadMs);
}
