package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tandem.cli.replay.ReplayOutcome.Status;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayLedgerTest {

    private static final long START = 1_700_000_000_000L;

    @Test
    void matchesEachAnswerToItsRequestAndMeasuresFromTheScheduledSend() {
        ReplayLedger ledger = new ReplayLedger(START);
        send(ledger, "t-1", 1, 100);
        send(ledger, "t-2", 2, 150);

        ledger.result(result("t-2", FinishReason.LENGTH, START + 400), START + 410);
        ledger.result(result("t-1", FinishReason.EOS, START + 300), START + 305);

        List<ReplayOutcome> outcomes = ledger.outcomes(false);
        assertThat(outcomes).extracting(ReplayOutcome::line).containsExactly(1L, 2L);
        ReplayOutcome first = outcomes.get(0);
        assertThat(first.status()).isEqualTo(Status.ANSWERED);
        assertThat(first.latencyMs()).isEqualTo(205.0); // due at START + 100
        assertThat(first.answeredMs()).isEqualTo(305.0);
        assertThat(first.answer().deliveryMs()).isEqualTo(5.0);
        assertThat(first.answer().admissionMs()).isEqualTo(6.0);
        assertThat(first.answer().waitingMs()).isEqualTo(7.0); // loop 9 minus overhead 2
        assertThat(first.answer().meanSpeculationLength()).isCloseTo(3.5, within(1e-9));
        assertThat(ledger.answeredCount()).isEqualTo(2);
        assertThat(ledger.modes()).containsExactly("sd");
    }

    @Test
    void countsASecondAnswerAsADuplicateAndIgnoresOtherClientsResults() {
        ReplayLedger ledger = new ReplayLedger(START);
        send(ledger, "t-1", 1, 0);

        ledger.result(result("t-1", FinishReason.EOS, START + 50), START + 60);
        ledger.result(result("t-1", FinishReason.EOS, START + 70), START + 80);
        ledger.result(result("someone-else", FinishReason.EOS, START + 70), START + 80);

        assertThat(ledger.duplicated()).isEqualTo(1);
        assertThat(ledger.outcomes(false)).hasSize(1);
        assertThat(ledger.outcomes(false).get(0).latencyMs()).isEqualTo(60.0);
    }

    @Test
    void recordsRejectionsFailuresAndWhatNeverCameBack() {
        ReplayLedger ledger = new ReplayLedger(START);
        send(ledger, "t-1", 1, 0);
        send(ledger, "t-2", 2, 10);
        send(ledger, "t-3", 3, 20);
        send(ledger, "t-4", 4, 30);

        ledger.deadLetter(deadLetter("t-1"), START + 40);
        ledger.result(result("t-2", FinishReason.ERROR, START + 50), START + 55);
        ledger.sendFailed("t-3", "broker gone");

        List<ReplayOutcome> done = ledger.outcomes(false);
        assertThat(done)
                .extracting(ReplayOutcome::status)
                .containsExactly(Status.REJECTED, Status.FAILED, Status.FAILED, Status.LOST);
        assertThat(done.get(0).reason()).contains("PROMPT_EMPTY").contains("prompt is empty");
        assertThat(done.get(2).reason()).isEqualTo("send not confirmed by Kafka: broker gone");
        assertThat(done.get(3).latencyMs()).isNaN();
        assertThat(ledger.outcomes(true).get(3).status()).isEqualTo(Status.IN_FLIGHT);
    }

    @Test
    void aSendKafkaDidNotConfirmIsStillMatchedIfItsResultComes() throws Exception {
        ReplayLedger ledger = new ReplayLedger(START);
        send(ledger, "t-1", 1, 0);
        ledger.sendFailed("t-1", "delivery timed out");

        // nothing more to wait for: an unconfirmed send is not waited on
        assertThat(ledger.awaitAnswers(Duration.ofSeconds(30), () -> false)).isTrue();
        ledger.result(result("t-1", FinishReason.EOS, START + 50), START + 60);

        assertThat(ledger.outcomes(false))
                .singleElement()
                .satisfies(o -> assertThat(o.status()).isEqualTo(Status.ANSWERED));
        assertThat(ledger.duplicated()).isZero();
    }

    @Test
    void aDeadLetterAfterAResultIsADuplicateAnswer() {
        ReplayLedger ledger = new ReplayLedger(START);
        send(ledger, "t-1", 1, 0);

        ledger.result(result("t-1", FinishReason.EOS, START + 50), START + 60);
        ledger.deadLetter(deadLetter("t-1"), START + 70);

        assertThat(ledger.duplicated()).isEqualTo(1);
        assertThat(ledger.outcomes(false).get(0).status()).isEqualTo(Status.ANSWERED);
    }

    @Test
    void refusesToSendAnIdTwice() {
        ReplayLedger ledger = new ReplayLedger(START);
        send(ledger, "t-1", 1, 0);

        assertThatThrownBy(() -> send(ledger, "t-1", 1, 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("t-1");
    }

    @Test
    void waitsForAnswersUntilTheyAllCameOrTheStopSignal() throws Exception {
        ReplayLedger ledger = new ReplayLedger(START);
        send(ledger, "t-1", 1, 0);
        Thread answer =
                new Thread(
                        () -> {
                            sleep(50);
                            ledger.result(result("t-1", FinishReason.EOS, START), START + 1);
                        });
        answer.start();

        assertThat(ledger.awaitAnswers(Duration.ofSeconds(30), () -> false)).isTrue();

        send(ledger, "t-2", 2, 0);
        assertThat(ledger.awaitAnswers(Duration.ofMillis(50), () -> false)).isFalse();
        assertThat(ledger.awaitAnswers(Duration.ofSeconds(30), () -> true)).isFalse();
    }

    /** Records request {@code id} of trace line {@code line}, due {@code dueMs} after the start. */
    private static void send(ReplayLedger ledger, String id, long line, long dueMs) {
        ledger.sent(
                id,
                line,
                new ReplayOutcome.Sent(dueMs * 20, dueMs, 0.5, 12, 16, false),
                START + dueMs);
    }

    static InferenceResult result(String id, FinishReason reason, long completedMillis) {
        return InferenceResult.newBuilder()
                .setRequestId(id)
                .setText("abc")
                .setTokenIds(List.of(97, 98, 99))
                .setFinishReason(reason)
                .setError(reason == FinishReason.ERROR ? "model failed" : null)
                .setGeneratedTokens(3)
                .setRounds(2)
                .setDraftedTokens(7)
                .setAcceptedTokens(4)
                .setSpeculationLengths(List.of(3, 4))
                .setMode("sd")
                .setLatency(
                        LatencyBreakdown.newBuilder()
                                .setQueueingMs(1)
                                .setBatchingMs(2)
                                .setAdmissionMs(6)
                                .setDraftMs(3)
                                .setVerifyMs(4)
                                .setLoopMs(9)
                                .setRoundOverheadMs(2)
                                .setTotalMs(25)
                                .build())
                .setCompletedTime(Instant.ofEpochMilli(completedMillis))
                .build();
    }

    private static DeadLetter deadLetter(String id) {
        return DeadLetter.newBuilder()
                .setOriginalBytes(ByteBuffer.wrap(new byte[] {1}))
                .setTopic("requests")
                .setPartition(0)
                .setOffset(3)
                .setErrorCode(DeadLetterCode.PROMPT_EMPTY)
                .setField("prompt")
                .setReason("prompt is empty")
                .setRequestId(id)
                .setTime(Instant.ofEpochMilli(START))
                .build();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
