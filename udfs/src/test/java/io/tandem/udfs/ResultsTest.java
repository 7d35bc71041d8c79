package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.Placement;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.udfs.Results.BatchWork;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultsTest {

    private static final long SENT = 1_000_000;

    private final AdmittedRequest admitted =
            AdmittedRequest.newBuilder()
                    .setRequest(
                            InferenceRequest.newBuilder()
                                    .setRequestId("r1")
                                    .setTenantId("acme")
                                    .setPrompt("Hi")
                                    .setMaxNewTokens(4)
                                    .setClientSendTime(Instant.ofEpochMilli(SENT))
                                    .setMetadata(Map.of("k", "v"))
                                    .build())
                    .setPromptTokenIds(List.of(72, 105))
                    .setArrivalTime(Instant.ofEpochMilli(SENT + 5))
                    .build();
    private final RoundBatch batch =
            RoundBatch.newBuilder()
                    .setBatchId("b-1")
                    .setClosedTime(Instant.ofEpochMilli(SENT + 25))
                    .setBatchSize(1)
                    .setMode("ad")
                    .setLoopSubtask(0)
                    .setRound(3)
                    .setSpeculationLength(0)
                    .setSequences(List.of())
                    .setReport(RoundReport.newBuilder().build())
                    .build();
    private final BatchWork work = work(40.0);

    /** The batch's work on tm-1: 10 ms admission, {@code verifyMs} verifying, 2.5 ms overhead. */
    private BatchWork work(double verifyMs) {
        return new BatchWork(
                batch,
                batch.getClosedTime().toEpochMilli(),
                10.0,
                0,
                verifyMs,
                2.5,
                new Placement(null, "tm-1"));
    }

    @Test
    void latencyPartsAddUpToTheTotal() {
        InferenceResult result =
                Results.completed(
                        admitted, work, "ya", List.of(121, 97), FinishReason.LENGTH, 2, SENT + 100);

        var latency = result.getLatency();
        assertThat(latency.getQueueingMs()).isEqualTo(5);
        assertThat(latency.getBatchingMs()).isEqualTo(20);
        assertThat(latency.getAdmissionMs()).isEqualTo(10);
        assertThat(latency.getVerifyMs()).isEqualTo(40);
        assertThat(latency.getLoopMs()).isEqualTo(25);
        assertThat(latency.getRoundOverheadMs()).isEqualTo(2.5);
        assertThat(latency.getTotalMs()).isEqualTo(100);
        assertThat(
                        latency.getQueueingMs()
                                + latency.getBatchingMs()
                                + latency.getAdmissionMs()
                                + latency.getVerifyMs()
                                + latency.getLoopMs())
                .isEqualTo(latency.getTotalMs());
    }

    @Test
    void whereMillisecondRoundingLeavesTheTotalShortOfTheMeasuredPartsTheyStillAddUp() {
        // verify timed at 65.6 ms: with queueing 5, batching 20 and admission 10 that is 0.6 ms
        // past the 100 ms the millisecond timestamps give
        BatchWork longVerify = work(65.6);

        var latency =
                Results.completed(
                                admitted,
                                longVerify,
                                "ya",
                                List.of(121, 97),
                                FinishReason.LENGTH,
                                2,
                                SENT + 100)
                        .getLatency();

        assertThat(latency.getLoopMs()).isZero();
        assertThat(latency.getTotalMs()).isCloseTo(100.6, within(1e-9));
        assertThat(
                        latency.getQueueingMs()
                                + latency.getBatchingMs()
                                + latency.getAdmissionMs()
                                + latency.getVerifyMs()
                                + latency.getLoopMs())
                .isCloseTo(latency.getTotalMs(), within(1e-9));
    }

    @Test
    void aCompletedResultCarriesTheRequestsIdentityAndTheBatch() {
        InferenceResult result =
                Results.completed(
                        admitted, work, "ya", List.of(121, 97), FinishReason.EOS, 3, SENT + 100);

        assertThat(result.getRequestId()).isEqualTo("r1");
        assertThat(result.getTenantId()).isEqualTo("acme");
        assertThat(result.getMetadata()).containsEntry("k", "v");
        assertThat(result.getPromptTokens()).isEqualTo(2);
        assertThat(result.getGeneratedTokens()).isEqualTo(2);
        assertThat(result.getRounds()).isEqualTo(3);
        assertThat(result.getBatchId()).isEqualTo("b-1");
        assertThat(result.getBatchSize()).isEqualTo(1);
        assertThat(result.getPlacement().getVerifyTaskManager()).isEqualTo("tm-1");
        assertThat(result.getCompletedTime()).isEqualTo(Instant.ofEpochMilli(SENT + 100));
    }

    @Test
    void aFailedResultSaysWhyAndHasNoText() {
        InferenceResult result = Results.failed(admitted, work, "model crashed", SENT + 100);

        assertThat(result.getFinishReason()).isEqualTo(FinishReason.ERROR);
        assertThat(result.getError()).isEqualTo("model crashed");
        assertThat(result.getText()).isEmpty();
        assertThat(result.getTokenIds()).isEmpty();
    }
}
