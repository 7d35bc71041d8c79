package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.schemas.internal.SequenceState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

    /** A stage whose round waits for {@code release}, and marks the batch it passes on. */
    private static final class FakeStage extends RoundStage {
        final CountDownLatch release;
        final CountDownLatch started = new CountDownLatch(1);
        final List<String> processed = new CopyOnWriteArrayList<>();
        final List<String> reasons = new CopyOnWriteArrayList<>();
        final List<Integer> callSizes = new CopyOnWriteArrayList<>();
        volatile boolean fail;

        FakeStage(CountDownLatch release) {
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
        String stageName() {
            return "fake";
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
