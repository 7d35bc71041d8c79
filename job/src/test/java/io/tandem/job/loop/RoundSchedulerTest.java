package io.tandem.job.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tandem.job.config.JobConfig;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import io.tandem.schemas.Placement;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.SequenceState;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.Requests;
import io.tandem.udfs.ModelEngine;
import io.tandem.udfs.ServingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loop head: admission against the in-flight limit, windows waiting in state, the checkpoint of
 * what is in flight and waiting, the resume after a restore, and the filter for rounds it is not
 * waiting for. Verified rounds come back through the real {@link FeedbackChannel}, as the tail
 * sends them.
 */
// a head that blocks where it should not would wait forever: the timeout interrupts it
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RoundSchedulerTest {

    private final List<OneInputStreamOperatorTestHarness<Batch, RoundBatch>> opened =
            new ArrayList<>();
    private String jobId;

    @AfterEach
    void closeHarnesses() throws Exception {
        for (OneInputStreamOperatorTestHarness<Batch, RoundBatch> harness : opened) {
            harness.close();
        }
        FeedbackChannel.close(jobId, RoundLoop.LOOP, 0);
    }

    @Test
    void aWindowBeyondTheInFlightLimitWaitsWithoutBlockingAndStartsWhenABatchFinishes()
            throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> head = open(head(1, 8), null);

        head.processElement(window("w-1", "a", "b"), 0);
        // returns at once (a blocked head would hold a checkpoint barrier behind it)
        head.processElement(window("w-2", "c"), 0);

        assertThat(batchIds(head)).containsExactly("w-1");

        finish(head, lastRound(head, "w-1"));

        assertThat(batchIds(head)).containsExactly("w-1", "w-2");
        RoundBatch second = lastRound(head, "w-2");
        assertThat(second.getRound()).isZero();
        assertThat(second.getSequences())
                .singleElement()
                .satisfies(s -> assertThat(s.getAdmissionMs()).isGreaterThanOrEqualTo(0));
    }

    @Test
    void anUnfinishedBatchGoesRoundAgainAndARoundItIsNotWaitingForIsIgnored() throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> head = open(head(4, 8), null);
        head.processElement(window("w-1", "a"), 0);
        RoundBatch first = lastRound(head, "w-1");

        // a replay of an older round (after a restore) must not start a second copy
        feedBack(head, RoundBatch.newBuilder(first).setRound(7).build());
        assertThat(head.extractOutputValues()).hasSize(1);

        feedBack(head, first);
        assertThat(head.extractOutputValues()).hasSize(2);
        assertThat(lastRound(head, "w-1").getRound()).isEqualTo(1);
    }

    @Test
    void aRestoreResumesTheBatchesInFlightAndKeepsTheWindowsWaiting() throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> before = open(head(1, 8), null);
        before.processElement(window("w-1", "a", "b"), 0);
        before.processElement(window("w-2", "c"), 0);
        OperatorSubtaskState checkpoint = before.snapshot(1, 1);
        before.close();
        opened.remove(before);

        OneInputStreamOperatorTestHarness<Batch, RoundBatch> after = open(head(1, 8), checkpoint);
        runMailUntil(after, 1);

        RoundBatch resumed = lastRound(after, "w-1");
        assertThat(batchIds(after)).containsExactly("w-1");
        assertThat(resumed.getSequences())
                .extracting(SequenceState::getResumes)
                .containsExactly(1, 1);

        // the restored head knows the ids it serves: one in flight and one waiting
        after.processElement(window("w-3", "a", "c", "d"), 0);
        assertThat(refused(after)).extracting(DeadLetter::getRequestId).containsExactly("a", "c");

        finish(after, resumed);
        assertThat(batchIds(after)).containsExactly("w-1", "w-2");
    }

    @Test
    void aResultLeavesOnTheSameSideOfACheckpointAsTheHeadsRecordOfItsRequestFinishing()
            throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> head = open(head(1, 8), null);
        head.processElement(window("w-1", "a"), 0);
        OperatorSubtaskState beforeTheResult = head.snapshot(1, 1);

        RoundBatch last = lastRound(head, "w-1");
        feedBack(head, RoundBatch.newBuilder(done(last)).setResults(List.of(result("a"))).build());
        assertThat(results(head)).containsExactly("a");
        OperatorSubtaskState afterTheResult = head.snapshot(2, 2);
        head.close();
        opened.remove(head);

        // restored from before: the request runs again and its result is still to come
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> replayed =
                open(head(1, 8), beforeTheResult);
        runMailUntil(replayed, 1);
        assertThat(batchIds(replayed)).containsExactly("w-1");
        assertThat(results(replayed)).isEmpty();
        replayed.close();
        opened.remove(replayed);

        // restored from after: the request is done and its result is not emitted again
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> resumed =
                open(head(1, 8), afterTheResult);
        runMailUntilIdle(resumed);
        assertThat(resumed.extractOutputValues()).isEmpty();
        assertThat(results(resumed)).isEmpty();
    }

    @Test
    void tenantsAreServedInTurnAndATenantPastItsBoundIsRefusedAsOverloaded() throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> head =
                open(head(1, 64, 3, 0, 1, 8192), null);
        head.processElement(tenantWindow("w-1", "a", "a-0"), 0);
        head.processElement(tenantWindow("w-2", "a", "a-1", "a-2"), 0);
        head.processElement(tenantWindow("w-3", "a", "a-3", "a-4"), 0);
        head.processElement(tenantWindow("w-4", "b", "b-0"), 0);

        assertThat(refused(head))
                .extracting(
                        DeadLetter::getRequestId, DeadLetter::getErrorCode, DeadLetter::getField)
                .containsExactly(tuple("a-4", DeadLetterCode.OVERLOADED, "tenantId"));
        for (int i = 0; i < 4; i++) {
            finish(head, head.extractOutputValues().get(i));
        }
        // b's window waits behind one of a's, not behind all of them; a's part of w-3 is its own
        assertThat(batchIds(head)).containsExactly("w-1", "w-2", "w-4", "w-3/a");

        // with room in a's queue again, a is served again, the refused id included
        head.processElement(tenantWindow("w-5", "a", "a-4"), 0);
        assertThat(lastRound(head, "w-5").getSequences()).hasSize(1);
    }

    @Test
    void aTenantAtItsRunningBoundWaitsWhileAnotherTenantsRequestsStartAndJoin() throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> head =
                open(head(4, 64, 0, 2, 16, 8192), null);
        head.processElement(tenantWindow("w-1", "a", "a-0", "a-1", "a-2", "a-3"), 0);
        head.processElement(tenantWindow("w-2", "b", "b-0"), 0);

        // a runs two of its four; b's request is next, and joins a's batch at its next round
        RoundBatch first = lastRound(head, "w-1~a-0");
        assertThat(ids(first)).containsExactly("a-0", "a-1");
        assertThat(batchIds(head)).containsExactly("w-1~a-0");
        feedBack(head, first);
        RoundBatch second = lastRound(head, "w-1~a-0");
        assertThat(ids(second)).containsExactly("a-0", "a-1", "b-0");

        // a-0 finishes: a has room for one more, which joins
        feedBack(
                head,
                RoundBatch.newBuilder(second)
                        .setSequences(second.getSequences().subList(1, 3))
                        .setReleased(List.of("a-0"))
                        .build());
        assertThat(ids(lastRound(head, "w-1~a-0"))).containsExactly("a-1", "b-0", "a-2");

        // after a restore the head still counts a's two running
        OperatorSubtaskState checkpoint = head.snapshot(1, 1);
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> after =
                open(head(4, 64, 0, 2, 1, 8192), checkpoint);
        runMailUntil(after, 1);
        after.processElement(tenantWindow("w-3", "a", "a-4"), 0);
        after.processElement(tenantWindow("w-4", "c", "c-0"), 0);
        assertThat(batchIds(after)).containsExactly("w-1~a-0", "w-4");
    }

    @Test
    void pastTheWaitingLimitTheHeadHoldsTheInputUntilABatchFinishes() throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> head = open(head(1, 0), null);
        head.processElement(window("w-1", "a"), 0);
        RoundBatch first = lastRound(head, "w-1");

        // the tail finishes w-1 from another thread while the head waits in processElement
        CompletableFuture<Void> tail =
                CompletableFuture.runAsync(
                        () -> {
                            sleep(200);
                            FeedbackChannel.openTail(jobId, RoundLoop.LOOP, 0).send(done(first));
                        });
        long start = System.nanoTime();
        head.processElement(window("w-2", "b"), 0);
        tail.get(10, TimeUnit.SECONDS);

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                .isGreaterThanOrEqualTo(150);
        assertThat(batchIds(head)).containsExactly("w-1", "w-2");
    }

    @Test
    void aRequestArrivingWhileABatchRunsJoinsItAtItsNextRound() throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> head =
                open(head(4, 8, 16, 8192), null);
        head.processElement(window("w-1", "a", "b"), 0);
        RoundBatch first = lastRound(head, "w-1");

        // room in the running batch: no batch of its own, it waits for w-1's round to come back
        head.processElement(window("w-2", "c"), 0);
        assertThat(batchIds(head)).containsExactly("w-1");

        feedBack(head, first);

        RoundBatch second = lastRound(head, "w-1");
        assertThat(second.getRound()).isEqualTo(1);
        assertThat(second.getBatchSize()).isEqualTo(3);
        assertThat(second.getSequences())
                .extracting(s -> s.getAdmitted().getRequest().getRequestId())
                .containsExactly("a", "b", "c");
        SequenceState joined = second.getSequences().get(2);
        assertThat(joined.getGenerated()).isEmpty();
        assertThat(joined.getWindowClosedTime()).isNotNull();
        assertThat(second.getSequences().get(0).getWindowClosedTime()).isNull();
        assertThat(batchIds(head)).containsExactly("w-1");
    }

    @Test
    void aFullBatchLeavesNewRequestsToABatchOfTheirOwn() throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> bySize =
                open(head(4, 8, 2, 8192), null);
        bySize.processElement(window("w-1", "a", "b"), 0);
        bySize.processElement(window("w-2", "c"), 0);

        assertThat(batchIds(bySize)).containsExactly("w-1", "w-2");
    }

    @Test
    void aRequestJoinsOnlyWithinTheBatchsKvBudget() throws Exception {
        // a request needs 4 prompt + 8 new tokens: two fit in 24, three do not
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> head = open(head(1, 8, 16, 24), null);
        head.processElement(window("w-1", "a"), 0);
        head.processElement(window("w-2", "b", "c"), 0);
        feedBack(head, lastRound(head, "w-1"));

        assertThat(lastRound(head, "w-1").getSequences()).hasSize(2);
        finish(head, lastRound(head, "w-1"));
        assertThat(batchIds(head)).containsExactly("w-1", "w-2");
        assertThat(lastRound(head, "w-2").getSequences())
                .extracting(s -> s.getAdmitted().getRequest().getRequestId())
                .containsExactly("c");
    }

    @Test
    void aRequestWhoseIdIsBeingServedIsDeadLetteredAndTheIdIsFreeAgainOnceItsRequestFinished()
            throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> head = open(head(1, 8), null);
        head.processElement(window("w-1", "a", "b"), 0);
        // "a" again while it runs, and "c" twice in a window that waits for room
        head.processElement(window("w-2", "a", "c", "c"), 0);

        assertThat(refused(head))
                .extracting(DeadLetter::getRequestId, DeadLetter::getErrorCode)
                .containsExactly(
                        tuple("a", DeadLetterCode.BAD_PARAMETER),
                        tuple("c", DeadLetterCode.BAD_PARAMETER));
        DeadLetter refused = refused(head).get(0);
        assertThat(refused.getField()).isEqualTo("requestId");
        assertThat(refused.getReason()).contains("'a'", "already being served");
        assertThat(refused.getTopic()).isEqualTo("requests");
        assertThat(refused.getPartition()).isEqualTo(3);
        assertThat(refused.getOffset()).isEqualTo(41);
        assertThat(
                        AvroBytes.decode(refused.getOriginalBytes().array(), InferenceRequest.class)
                                .getRequestId())
                .isEqualTo("a");

        // the first "a" goes on, then finishes with its batch; w-2 starts with "c" alone
        finish(head, lastRound(head, "w-1"));
        assertThat(lastRound(head, "w-2").getSequences())
                .extracting(q -> q.getAdmitted().getRequest().getRequestId())
                .containsExactly("c");
        // "a" has been answered: its id may be used again
        head.processElement(window("w-3", "a"), 0);
        assertThat(refused(head)).hasSize(2);
    }

    private static List<DeadLetter> refused(
            OneInputStreamOperatorTestHarness<Batch, RoundBatch> head) {
        return head.getSideOutput(RoundScheduler.REFUSED).stream()
                .map(StreamRecord::getValue)
                .toList();
    }

    private static List<String> results(OneInputStreamOperatorTestHarness<Batch, RoundBatch> head) {
        ConcurrentLinkedQueue<StreamRecord<InferenceResult>> emitted =
                head.getSideOutput(RoundScheduler.RESULTS);
        return emitted == null
                ? List.of()
                : emitted.stream().map(r -> r.getValue().getRequestId()).toList();
    }

    private static InferenceResult result(String requestId) {
        return InferenceResult.newBuilder()
                .setRequestId(requestId)
                .setText("")
                .setFinishReason(FinishReason.LENGTH)
                .setPlacement(new Placement("tm-a", "tm-b"))
                .setLatency(LatencyBreakdown.newBuilder().setTotalMs(5).build())
                .setCompletedTime(Instant.now())
                .build();
    }

    private OneInputStreamOperatorTestHarness<Batch, RoundBatch> open(
            RoundLoop.SchedulerFactory factory, OperatorSubtaskState restored) throws Exception {
        OneInputStreamOperatorTestHarness<Batch, RoundBatch> harness =
                new OneInputStreamOperatorTestHarness<>(
                        factory,
                        new AvroTypeInfo<>(Batch.class)
                                .createSerializer(new SerializerConfigImpl()));
        opened.add(harness);
        jobId = harness.getEnvironment().getJobID().toString();
        if (restored != null) {
            harness.initializeState(restored);
        }
        harness.open();
        return harness;
    }

    /** A head in mode ad (one batch per window) with the given limits, joining off. */
    private static RoundLoop.SchedulerFactory head(int maxInFlight, int maxWaitingRequests) {
        return head(maxInFlight, maxWaitingRequests, 1, 8192);
    }

    /** A head in mode ad with the given limits, no tenant bounded. */
    private static RoundLoop.SchedulerFactory head(
            int maxInFlight, int maxWaitingRequests, int maxBatchSize, int maxBatchTokens) {
        return head(maxInFlight, maxWaitingRequests, 0, 0, maxBatchSize, maxBatchTokens);
    }

    /** A head in mode ad with the given limits. */
    private static RoundLoop.SchedulerFactory head(
            int maxInFlight,
            int maxWaitingRequests,
            int maxWaitingPerTenant,
            int maxRunningPerTenant,
            int maxBatchSize,
            int maxBatchTokens) {
        return new RoundLoop.SchedulerFactory(
                new JobConfig.Generation(
                        ServingMode.AD,
                        BundledModel.tiny().toString(),
                        null,
                        4,
                        null,
                        16,
                        maxInFlight,
                        maxWaitingRequests,
                        maxWaitingPerTenant,
                        maxRunningPerTenant,
                        maxBatchSize,
                        maxBatchTokens,
                        Duration.ofMinutes(1),
                        Duration.ofMinutes(1),
                        0,
                        ModelEngine.DJL));
    }

    private static Batch window(String id, String... requestIds) {
        return tenantWindow(id, "test", requestIds);
    }

    /** A window of {@code tenant}'s requests. */
    private static Batch tenantWindow(String id, String tenant, String... requestIds) {
        List<AdmittedRequest> requests = new ArrayList<>();
        for (String requestId : requestIds) {
            requests.add(
                    AdmittedRequest.newBuilder()
                            .setRequest(
                                    InferenceRequest.newBuilder(
                                                    Requests.greedy(requestId, "Emma", 8))
                                            .setTenantId(tenant)
                                            .build())
                            .setPromptTokenIds(List.of(69, 109, 109, 97))
                            .setArrivalTime(Instant.now())
                            .setSource("requests-3@41")
                            .build());
        }
        return Batch.newBuilder()
                .setBatchId(id)
                .setClosedTime(Instant.now())
                .setRequests(requests)
                .build();
    }

    /** Sends {@code round} back as the tail would, and runs the head's mail until it is handled. */
    private void feedBack(
            OneInputStreamOperatorTestHarness<Batch, RoundBatch> head, RoundBatch round)
            throws Exception {
        FeedbackChannel.openTail(jobId, RoundLoop.LOOP, 0).send(round);
        runMailUntilIdle(head);
    }

    /** Feeds back {@code round} with every sequence finished. */
    private void finish(OneInputStreamOperatorTestHarness<Batch, RoundBatch> head, RoundBatch round)
            throws Exception {
        feedBack(head, done(round));
    }

    /** {@code round} come back with every sequence finished, released as the tail does. */
    private static RoundBatch done(RoundBatch round) {
        return RoundBatch.newBuilder(round)
                .setSequences(List.of())
                .setReleased(
                        round.getSequences().stream()
                                .map(s -> s.getAdmitted().getRequest().getRequestId())
                                .toList())
                .build();
    }

    private static List<String> ids(RoundBatch round) {
        return round.getSequences().stream()
                .map(s -> s.getAdmitted().getRequest().getRequestId())
                .toList();
    }

    private static List<String> batchIds(
            OneInputStreamOperatorTestHarness<Batch, RoundBatch> head) {
        return head.extractOutputValues().stream().map(RoundBatch::getBatchId).distinct().toList();
    }

    private static RoundBatch lastRound(
            OneInputStreamOperatorTestHarness<Batch, RoundBatch> head, String batchId) {
        List<RoundBatch> rounds =
                head.extractOutputValues().stream()
                        .filter(b -> b.getBatchId().equals(batchId))
                        .toList();
        assertThat(rounds).as("rounds of %s", batchId).isNotEmpty();
        return rounds.get(rounds.size() - 1);
    }

    /** Runs the head's mail (the tail hands rounds to it) until it has emitted some. */
    private static void runMailUntil(
            OneInputStreamOperatorTestHarness<Batch, RoundBatch> head, int outputs)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (head.extractOutputValues().size() < outputs && System.nanoTime() < deadline) {
            runMail(head);
            Thread.sleep(1);
        }
    }

    /** Runs mail until none has come for a while. */
    private static void runMailUntilIdle(OneInputStreamOperatorTestHarness<Batch, RoundBatch> head)
            throws Exception {
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(100)) {
            if (runMail(head)) {
                quietSince = System.nanoTime();
            } else {
                Thread.sleep(1);
            }
        }
    }

    private static boolean runMail(OneInputStreamOperatorTestHarness<Batch, RoundBatch> head)
            throws Exception {
        boolean ran = false;
        for (var mail = head.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
                mail.isPresent();
                mail = head.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY)) {
            mail.get().run();
            ran = true;
        }
        return ran;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
