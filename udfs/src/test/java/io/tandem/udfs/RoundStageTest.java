package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.schemas.internal.SequenceState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream.OutputMode;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The worker and timeout rules every model stage shares, on a stage without a model. */
class RoundStageTest {

    @Test
    void aRoundThatWaitsPastTheTimeoutIsAbandonedAndNeverRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FakeStage stage = new FakeStage(release);
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.processElement(batch("slow"), 0);
            assertThat(stage.started.await(10, TimeUnit.SECONDS)).isTrue();
            harness.processElement(batch("queued"), 0);
            // the first round holds the worker; the second waits past the timeout
            harness.setProcessingTime(1_000);
            runMailUntil(harness, 1);
            release.countDown();
            runMailUntil(harness, 2);

            List<String> out = new ArrayList<>();
            harness.extractOutputValues().forEach(b -> out.add(b.getBatchId() + ":" + b.getMode()));
            assertThat(out).containsExactlyInAnyOrder("queued:abandoned", "slow:processed");
            assertThat(stage.processed).containsExactly("slow");
        }
    }

    @Test
    void aRoundThatHasStartedIsNotCutShortByTheTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FakeStage stage = new FakeStage(release);
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.processElement(batch("running"), 0);
            assertThat(stage.started.await(10, TimeUnit.SECONDS)).isTrue();
            harness.setProcessingTime(1_000);
            release.countDown();
            runMailUntil(harness, 1);

            assertThat(harness.extractOutputValues())
                    .singleElement()
                    .satisfies(b -> assertThat(b.getMode()).isEqualTo("processed"));
        }
    }

    @Test
    void batchesThatWaitedTogetherRunInOneCall() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FakeStage stage = new FakeStage(release);
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.processElement(batch("first"), 0);
            assertThat(stage.started.await(10, TimeUnit.SECONDS)).isTrue();
            harness.processElement(batch("second"), 0);
            harness.processElement(batch("third"), 0);
            release.countDown();
            runMailUntil(harness, 3);

            assertThat(stage.callSizes).containsExactly(1, 2);
            assertThat(harness.extractOutputValues())
                    .extracting(RoundBatch::getBatchId)
                    .containsExactlyInAnyOrder("first", "second", "third");
        }
    }

    @Test
    void roundsOfOnePassRunBeforeAndApartFromPlainRounds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FakeStage stage = new FakeStage(release);
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.processElement(batch("first"), 0);
            assertThat(stage.started.await(10, TimeUnit.SECONDS)).isTrue();
            harness.processElement(batch("plain-a"), 0);
            harness.processElement(batch("one-b"), 0);
            harness.processElement(batch("plain-c"), 0);
            release.countDown();
            runMailUntil(harness, 4);

            // a one-pass round never waits in a call for another batch's eight passes
            assertThat(stage.callSizes).containsExactly(1, 1, 2);
            assertThat(stage.processed).containsExactly("first", "one-b", "plain-a", "plain-c");
        }
    }

    @Test
    void twoCopiesOfARequestNeverShareACall() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FakeStage stage = new FakeStage(release);
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.processElement(batch("first", "r-1"), 0);
            assertThat(stage.started.await(10, TimeUnit.SECONDS)).isTrue();
            // after a restore: a replayed round and the head's own copy of the same batch
            harness.processElement(batch("replayed", "r-2", "r-3"), 0);
            harness.processElement(batch("own-copy", "r-2", "r-3"), 0);
            harness.processElement(batch("other", "r-4"), 0);
            release.countDown();
            runMailUntil(harness, 4);

            assertThat(stage.callSizes).containsExactly(1, 2, 1);
        }
    }

    @Test
    void anExceptionOutsideTheModelStillCompletesTheRound() throws Exception {
        FakeStage stage = new FakeStage(new CountDownLatch(0));
        stage.fail = true;
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.processElement(batch("broken"), 0);
            runMailUntil(harness, 1);

            assertThat(harness.extractOutputValues())
                    .singleElement()
                    .satisfies(b -> assertThat(b.getMode()).isEqualTo("abandoned"));
            assertThat(stage.reasons).singleElement().asString().contains("boom");
        }
    }

    @Test
    void twoAbandonedRoundsInARowDoNotStallTheWorker() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FakeStage stage = new FakeStage(release);
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.processElement(batch("slow"), 0);
            assertThat(stage.started.await(10, TimeUnit.SECONDS)).isTrue();
            harness.processElement(batch("abandoned-1"), 0);
            harness.processElement(batch("abandoned-2"), 0);
            // both wait past the timeout while the first round holds the worker
            harness.setProcessingTime(1_000);
            runMailUntil(harness, 2);
            harness.processElement(batch("live"), 0);
            release.countDown();
            runMailUntil(harness, 4);

            assertThat(outcomes(harness))
                    .containsExactlyInAnyOrder(
                            "slow:processed",
                            "abandoned-1:abandoned",
                            "abandoned-2:abandoned",
                            "live:processed");
            assertThat(stage.processed).containsExactly("slow", "live");
        }
    }

    @Test
    void aCallPastTheCallTimeoutIsAbandonedAndANewWorkerServesTheNext() throws Exception {
        FakeStage stage = new FakeStage(new CountDownLatch(0), Duration.ofMillis(200));
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.processElement(batch("hung"), 0);
            runMailUntil(harness, 1);
            harness.processElement(batch("next"), 0);
            runMailUntil(harness, 2);

            assertThat(outcomes(harness)).containsExactly("hung:abandoned", "next:processed");
            assertThat(stage.reasons)
                    .singleElement()
                    .asString()
                    .contains("tandem.model.call-timeout");
            assertThat(stage.renewed).hasValue(1);

            // the call comes back after all: what it did is dropped, its sessions are freed
            stage.unstick.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stage.staleSessionsClosed.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(stage.staleSessionsClosed).hasValue(1);
            runMail(harness);
            assertThat(outcomes(harness)).containsExactly("hung:abandoned", "next:processed");
            assertThat(harness.getEnvironment().getActualExternalFailureCause()).isEmpty();
        }
    }

    @Test
    void callsStuckOnMoreThanTwoWorkersFailTheTask() throws Exception {
        FakeStage stage = new FakeStage(new CountDownLatch(0), Duration.ofMillis(100));
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.getEnvironment().setExpectedExternalFailureCause(Throwable.class);
            for (int i = 1; i <= RoundStage.MAX_STUCK_WORKERS; i++) {
                harness.processElement(batch("hung-" + i), 0);
                runMailUntil(harness, i);
            }
            harness.processElement(batch("hung-last"), 0);
            Throwable failure = awaitTaskFailure(harness);

            assertThat(failure).hasStackTraceContaining("stuck past tandem.model.call-timeout");
            assertThat(stage.renewed).hasValue(RoundStage.MAX_STUCK_WORKERS);
            stage.unstick.countDown();
        }
    }

    @Test
    void anErrorFailsTheTaskInsteadOfTheBatch() throws Exception {
        FakeStage stage = new FakeStage(new CountDownLatch(0));
        stage.error = new OutOfMemoryError("test heap");
        try (OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness = harness(stage)) {
            harness.getEnvironment().setExpectedExternalFailureCause(Throwable.class);
            harness.processElement(batch("too-big"), 0);
            Throwable failure = awaitTaskFailure(harness);

            assertThat(failure).hasRootCauseInstanceOf(OutOfMemoryError.class);
            assertThat(harness.extractOutputValues()).isEmpty();
        }
    }

    /**
     * A stage whose round waits for {@code release}, and marks the batch it passes on. A batch
     * whose id starts with {@code "hung"} stands for a native call that never returns: it ignores
     * interruption and waits for {@code unstick}.
     */
    private static final class FakeStage extends RoundStage {
        final CountDownLatch release;
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch unstick = new CountDownLatch(1);
        final List<String> processed = new CopyOnWriteArrayList<>();
        final List<String> reasons = new CopyOnWriteArrayList<>();
        final List<Integer> callSizes = new CopyOnWriteArrayList<>();
        final AtomicInteger renewed = new AtomicInteger();
        final AtomicInteger staleSessionsClosed = new AtomicInteger();
        volatile boolean fail;
        volatile Error error;

        FakeStage(CountDownLatch release) {
            this(release, Duration.ofMinutes(1));
        }

        FakeStage(CountDownLatch release, Duration callTimeout) {
            super(callTimeout);
            this.release = release;
        }

        @Override
        void openStage() {}

        @Override
        void closeStage() {}

        @Override
        List<RoundBatch> process(List<RoundBatch> batches, double[] waitMs) {
            started.countDown();
            callSizes.add(batches.size());
            if (fail) {
                throw new IllegalStateException("boom");
            }
            if (error != null) {
                throw error;
            }
            if (batches.get(0).getBatchId().startsWith("hung")) {
                awaitIgnoringInterrupts(unstick);
            }
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<RoundBatch> out = new ArrayList<>();
            for (RoundBatch batch : batches) {
                processed.add(batch.getBatchId());
                out.add(RoundBatch.newBuilder(batch).setMode("processed").build());
            }
            return out;
        }

        @Override
        RoundBatch abandon(RoundBatch batch, String reason, double waitMs) {
            reasons.add(reason);
            return RoundBatch.newBuilder(batch).setMode("abandoned").build();
        }

        @Override
        AutoCloseable renewSessions() {
            renewed.incrementAndGet();
            return staleSessionsClosed::incrementAndGet;
        }

        @Override
        String stageName() {
            return "fake";
        }

        @Override
        int passes(RoundBatch batch) {
            return batch.getBatchId().startsWith("plain") ? 8 : 1;
        }
    }

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness(
            FakeStage stage) throws Exception {
        OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness =
                new OneInputStreamOperatorTestHarness<>(
                        new AsyncWaitOperatorFactory<>(stage, 500, 4, OutputMode.UNORDERED),
                        new AvroTypeInfo<>(RoundBatch.class)
                                .createSerializer(new SerializerConfigImpl()));
        harness.open();
        return harness;
    }

    /** Runs the operator's mail (completions) until {@code count} batches came out. */
    private static void runMailUntil(
            OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness, int count)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (harness.extractOutputValues().size() < count && System.nanoTime() < deadline) {
            var mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
            if (mail.isPresent()) {
                mail.get().run();
            } else {
                Thread.sleep(1);
            }
        }
    }

    /** Runs the mail that is there now. */
    private static void runMail(OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness)
            throws Exception {
        for (var mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
                mail.isPresent();
                mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY)) {
            mail.get().run();
        }
    }

    /** Runs the operator's mail until the task fails, and returns why. */
    private static Throwable awaitTaskFailure(
            OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (harness.getEnvironment().getActualExternalFailureCause().isEmpty()
                && System.nanoTime() < deadline) {
            runMail(harness);
            Thread.sleep(1);
        }
        return harness.getEnvironment()
                .getActualExternalFailureCause()
                .orElseThrow(() -> new AssertionError("the task did not fail"));
    }

    private static List<String> outcomes(
            OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness) {
        List<String> out = new ArrayList<>();
        harness.extractOutputValues().forEach(b -> out.add(b.getBatchId() + ":" + b.getMode()));
        return out;
    }

    private static RoundBatch batch(String id, String... requestIds) {
        List<SequenceState> sequences = new ArrayList<>();
        for (String requestId : requestIds) {
            sequences.add(
                    SequenceStates.start(
                            AdmittedRequest.newBuilder()
                                    .setRequest(
                                            InferenceRequest.newBuilder()
                                                    .setRequestId(requestId)
                                                    .setPrompt("")
                                                    .setMaxNewTokens(1)
                                                    .setClientSendTime(Instant.EPOCH)
                                                    .build())
                                    .setPromptTokenIds(List.of(1))
                                    .setArrivalTime(Instant.EPOCH)
                                    .build()));
        }
        return RoundBatch.newBuilder()
                .setBatchId(id)
                .setClosedTime(Instant.EPOCH)
                .setBatchSize(0)
                .setMode("sd")
                .setLoopSubtask(0)
                .setRound(0)
                .setSpeculationLength(0)
                .setSequences(sequences)
                .setReport(RoundReport.newBuilder().build())
                .build();
    }
}
