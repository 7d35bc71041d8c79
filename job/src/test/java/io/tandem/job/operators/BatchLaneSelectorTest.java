package io.tandem.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.testkit.Requests;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchLaneSelectorTest {

    @ParameterizedTest
    @CsvSource({"2, 2, 128", "4, 2, 128", "3, 3, 128", "8, 8, 256", "5, 4, 128"})
    void lanesCoverEverySubtask(int lanes, int parallelism, int maxParallelism) {
        BatchLaneSelector selector = new BatchLaneSelector(lanes, parallelism, maxParallelism);
        Set<Integer> keys = new TreeSet<>();
        Set<Integer> subtasks = new TreeSet<>();
        for (int i = 0; i < 1000; i++) {
            int key = selector.getKey(request("request-" + i));
            keys.add(key);
            subtasks.add(
                    KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            key, maxParallelism, parallelism));
        }
        assertThat(keys).hasSize(lanes);
        assertThat(subtasks).hasSize(Math.min(lanes, parallelism));
    }

    private static AdmittedRequest request(String id) {
        return AdmittedRequest.newBuilder()
                .setRequest(Requests.greedy(id, "Hi", 4))
                .setPromptTokenIds(List.of(72, 105))
                .setArrivalTime(Instant.EPOCH)
                .build();
    }
}
