package io.tandem.job.operators;

import io.tandem.schemas.internal.AdmittedRequest;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Spreads requests over a fixed number of batching lanes by request id. Each lane's key is chosen
 * so that lanes go round-robin over the parallel subtasks: with hash-based keys, two lanes could
 * land on one subtask and leave another model worker idle.
 */
public final class BatchLaneSelector implements KeySelector<AdmittedRequest, Integer> {

    private final int[] laneKeys;

    /**
     * @param lanes number of lanes
     * @param parallelism parallelism of the keyed operator
     * @param maxParallelism the job's max parallelism (number of key groups)
     */
    public BatchLaneSelector(int lanes, int parallelism, int maxParallelism) {
        if (lanes < 1 || parallelism < 1 || maxParallelism < parallelism) {
            throw new IllegalArgumentException(
                    "need lanes >= 1, parallelism >= 1 and maxParallelism >= parallelism; got "
                            + lanes
                            + ", "
                            + parallelism
                            + ", "
                            + maxParallelism);
        }
        laneKeys = new int[lanes];
        int candidate = 0;
        for (int lane = 0; lane < lanes; lane++) {
            int subtask = lane % parallelism;
            while (KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            candidate, maxParallelism, parallelism)
                    != subtask) {
                candidate++;
            }
            laneKeys[lane] = candidate++;
        }
    }

    @Override
    public Integer getKey(AdmittedRequest request) {
        return laneKeys[
                Math.floorMod(request.getRequest().getRequestId().hashCode(), laneKeys.length)];
    }
}
