package io.tandem.job.planning;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.schemas.PlanDecision;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.testkit.ModelProfiles;
import io.tandem.testkit.Requests;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanBatchesFunctionTest {

    @Test
    void splitsAWindowIntoPlannedBatchesThatServeEveryRequestOnce(@TempDir Path dir)
            throws Exception {
        Batch window = window("w1", 3, 400, 12, 380, 7, 20, 390, 5);

        List<Batch> batches = plan(ModelProfiles.write(dir), window);

        List<String> served = new ArrayList<>();
        for (Batch batch : batches) {
            batch.getRequests().forEach(r -> served.add(r.getRequest().getRequestId()));
            PlanDecision plan = batch.getPlan();
            assertThat(batch.getBatchId()).startsWith("w1-");
            assertThat(plan.getWindowId()).isEqualTo("w1");
            assertThat(plan.getWindowSize()).isEqualTo(8);
            assertThat(plan.getBatchesInWindow()).isEqualTo(batches.size());
            assertThat(plan.getSpeculationLength()).isBetween(1, WindowPlanner.MAX_SPECULATION);
            assertThat(plan.getPredictedMs()).isPositive();
            assertThat(plan.getAlpha()).isEqualTo(ModelProfiles.ALPHA);
            assertThat(plan.getRoundMsByLength()).hasSize(WindowPlanner.MAX_SPECULATION).isSorted();
            assertThat(batch.getClosedTime()).isEqualTo(window.getClosedTime());
        }
        Collections.sort(served);
        assertThat(served)
                .containsExactlyElementsOf(
                        IntStream.range(0, 8).mapToObj(i -> "r" + i).sorted().toList());
    }

    @Test
    void keepsLongAndShortPromptsApartWhenPaddingWouldCostMore(@TempDir Path dir) throws Exception {
        // the test profile's attention term makes a padded long prompt expensive for short ones
        Batch window = window("w2", 4, 4, 4, 480, 480, 480);

        List<Batch> batches = plan(ModelProfiles.write(dir), window);

        assertThat(batches).hasSizeGreaterThan(1);
        for (Batch batch : batches) {
            List<Integer> lengths =
                    batch.getRequests().stream().map(r -> r.getPromptTokenIds().size()).toList();
            assertThat(new HashSet<>(lengths)).as("one batch mixes short and long").hasSize(1);
        }
    }

    private static List<Batch> plan(Path profile, Batch window) throws Exception {
        try (OneInputStreamOperatorTestHarness<Batch, Batch> harness =
                new OneInputStreamOperatorTestHarness<>(
                        new StreamFlatMap<>(new PlanBatchesFunction(profile.toString())))) {
            harness.open();
            harness.processElement(new StreamRecord<>(window));
            List<Batch> out = new ArrayList<>();
            for (Object record : harness.getOutput()) {
                @SuppressWarnings("unchecked")
                StreamRecord<Batch> batch = (StreamRecord<Batch>) record;
                out.add(batch.getValue());
            }
            return out;
        }
    }

    /** A window of greedy requests r0, r1, ... with the given prompt lengths in tokens. */
    private static Batch window(String id, int... promptLengths) {
        List<AdmittedRequest> requests = new ArrayList<>();
        for (int i = 0; i < promptLengths.length; i++) {
            requests.add(
                    AdmittedRequest.newBuilder()
                            .setRequest(Requests.greedy("r" + i, "x".repeat(promptLengths[i]), 24))
                            .setPromptTokenIds(
                                    IntStream.range(0, promptLengths[i]).boxed().toList())
                            .setArrivalTime(Instant.ofEpochMilli(1000))
                            .build());
        }
        return Batch.newBuilder()
                .setBatchId(id)
                .setClosedTime(Instant.ofEpochMilli(1050))
                .setRequests(requests)
                .build();
    }
}
