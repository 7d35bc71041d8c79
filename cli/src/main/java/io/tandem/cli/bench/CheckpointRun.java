package io.tandem.cli.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.tandem.planner.stats.Percentiles;
import io.tandem.schemas.InferenceResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The figures of one variant of {@code ./tandem bench checkpoints}: the durations of the
 * checkpoints triggered during the burst, and the burst's requests. Immutable.
 *
 * @param durationsMs end-to-end durations of the completed checkpoints
 * @param failedCheckpoints checkpoints triggered during the burst that failed or never ended
 * @param latenciesMs send to result read of each answered request
 */
record CheckpointRun(
        CheckpointBenchCommand.Admission admission,
        int maxWaitingRequests,
        double[] durationsMs,
        int failedCheckpoints,
        int requests,
        List<InferenceResult> outcomes,
        double[] latenciesMs,
        long burstMs) {

    CheckpointRun {
        outcomes = List.copyOf(outcomes);
    }

    /**
     * Picks from Flink's checkpoint history (newest first, as the REST API gives it) the
     * checkpoints triggered in {@code [burstStart, burstEnd)}.
     */
    static CheckpointRun of(
            CheckpointBenchCommand.Admission admission,
            int maxWaitingRequests,
            JsonArray history,
            long burstStart,
            long burstEnd,
            int requests,
            List<InferenceResult> outcomes,
            double[] latenciesMs) {
        List<Double> durations = new ArrayList<>();
        int failed = 0;
        for (JsonElement entry : history) {
            JsonObject checkpoint = entry.getAsJsonObject();
            long triggered = checkpoint.get("trigger_timestamp").getAsLong();
            if (triggered < burstStart || triggered >= burstEnd) {
                continue;
            }
            if ("COMPLETED".equals(checkpoint.get("status").getAsString())) {
                durations.add(checkpoint.get("end_to_end_duration").getAsDouble());
            } else {
                failed++;
            }
        }
        return new CheckpointRun(
                admission,
                maxWaitingRequests,
                durations.stream().mapToDouble(Double::doubleValue).toArray(),
                failed,
                requests,
                outcomes,
                latenciesMs,
                burstEnd - burstStart);
    }

    int results() {
        return outcomes.size();
    }

    int lost() {
        return requests - outcomes.size();
    }

    double checkpointPercentile(double q) {
        return Percentiles.of(durationsMs, q);
    }

    double latencyPercentile(double q) {
        return Percentiles.of(latenciesMs, q);
    }
}
