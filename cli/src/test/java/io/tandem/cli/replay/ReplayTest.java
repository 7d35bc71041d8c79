package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class ReplayTest {

    private final PromptSynthesizer prompts =
            new PromptSynthesizer("Mr. Darcy walked off. ".repeat(40), 512);

    @Test
    void sendsEveryLineOnceInOrderStampedWithItsScheduledTime() {
        long start = System.currentTimeMillis() + 50;
        ReplayLedger ledger = new ReplayLedger(start);
        List<InferenceRequest> sent = new CopyOnWriteArrayList<>();
        // arrivals 0, 200 and 400 ms at 10x: due 0, 20 and 40 ms after the start
        Replay replay =
                new Replay(
                        trace(3, 200).iterator(),
                        new ReplayRequests("t", prompts, 10),
                        (request, onFailure) -> sent.add(request),
                        ledger,
                        Long.MAX_VALUE);

        Replay.Sending sending = replay.run();

        assertThat(sending.sent()).isEqualTo(3);
        assertThat(sending.stopped()).isFalse();
        assertThat(sent)
                .extracting(InferenceRequest::getRequestId)
                .containsExactly("t-1", "t-2", "t-3");
        assertThat(sent)
                .extracting(r -> r.getClientSendTime().toEpochMilli() - start)
                .containsExactly(0L, 20L, 40L);
        // never sent before it was due
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(start + 40);
        assertThat(ledger.sentCount()).isEqualTo(3);
        assertThat(ledger.outcomes(false))
                .extracting(o -> o.sent().dueMs())
                .containsExactly(0.0, 20.0, 40.0);
    }

    @Test
    void stopsAtTheLimit() {
        ReplayLedger ledger = new ReplayLedger(System.currentTimeMillis());
        List<InferenceRequest> sent = new ArrayList<>();

        Replay.Sending sending =
                new Replay(
                                trace(10, 0).iterator(),
                                new ReplayRequests("t", prompts, 1),
                                (request, onFailure) -> sent.add(request),
                                ledger,
                                4)
                        .run();

        assertThat(sending.sent()).isEqualTo(4);
        assertThat(sent).hasSize(4);
    }

    @Test
    void stopEndsTheSendingAndReadsTheTraceNoFurther() throws Exception {
        ReplayLedger ledger = new ReplayLedger(System.currentTimeMillis());
        AtomicInteger read = new AtomicInteger();
        Iterator<TraceRequest> requests = trace(1_000, 10_000).iterator();
        Iterator<TraceRequest> counting =
                new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return requests.hasNext();
                    }

                    @Override
                    public TraceRequest next() {
                        read.incrementAndGet();
                        return requests.next();
                    }
                };
        List<InferenceRequest> sent = new CopyOnWriteArrayList<>();
        // one request every 100 ms at 100x
        Replay replay =
                new Replay(
                        counting,
                        new ReplayRequests("t", prompts, 100),
                        (request, onFailure) -> sent.add(request),
                        ledger,
                        Long.MAX_VALUE);
        Thread stopper =
                new Thread(
                        () -> {
                            while (sent.size() < 3) {
                                Thread.onSpinWait();
                            }
                            replay.stop();
                        });
        stopper.start();

        Replay.Sending sending = replay.run();
        stopper.join();

        assertThat(sending.stopped()).isTrue();
        assertThat(sending.sent()).isBetween(3, 4);
        assertThat(sent).hasSize(sending.sent());
        // one request read ahead of the clock at most: the trace is streamed, not loaded
        assertThat(read.get()).isLessThanOrEqualTo(sending.sent() + 1);
    }

    @Test
    void aFailedSendIsRecordedAgainstItsRequest() {
        ReplayLedger ledger = new ReplayLedger(System.currentTimeMillis());
        Replay.RequestSink failing =
                (InferenceRequest request, BiConsumer<String, Exception> onFailure) ->
                        onFailure.accept(
                                request.getRequestId(), new IllegalStateException("no broker"));

        new Replay(trace(2, 0).iterator(), new ReplayRequests("t", prompts, 1), failing, ledger, 9)
                .run();

        assertThat(ledger.outcomes(false))
                .allSatisfy(
                        o -> {
                            assertThat(o.status()).isEqualTo(ReplayOutcome.Status.FAILED);
                            assertThat(o.reason()).contains("no broker");
                        });
    }

    @Test
    void twentyThousandRequestsAreEachSentAndMatchedOnce() {
        ReplayLedger ledger = new ReplayLedger(System.currentTimeMillis());
        // answers come back as the requests go out, as from a job that keeps up
        Replay.RequestSink answering =
                (request, onFailure) ->
                        ledger.result(
                                ReplayLedgerTest.result(
                                        request.getRequestId(),
                                        FinishReason.EOS,
                                        System.currentTimeMillis()),
                                System.currentTimeMillis());

        Replay.Sending sending =
                new Replay(
                                generated(20_000),
                                new ReplayRequests("big", prompts, 1),
                                answering,
                                ledger,
                                Long.MAX_VALUE)
                        .run();

        assertThat(sending.sent()).isEqualTo(20_000);
        assertThat(ledger.answeredCount()).isEqualTo(20_000);
        assertThat(ledger.duplicated()).isZero();
        List<ReplayOutcome> outcomes = ledger.outcomes(false);
        assertThat(outcomes).hasSize(20_000);
        assertThat(outcomes).extracting(ReplayOutcome::line).isSorted().doesNotHaveDuplicates();
        assertThat(outcomes).allMatch(o -> o.status() == ReplayOutcome.Status.ANSWERED);
    }

    /** {@code n} requests made as they are read, all due at once: nothing holds the trace. */
    private static Iterator<TraceRequest> generated(int n) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public TraceRequest next() {
                next++;
                return new TraceRequest(next, 0, 20, 8, null, 0f, 1f, null, null);
            }
        };
    }

    /** {@code n} length-only requests, {@code gapMs} apart. */
    private static List<TraceRequest> trace(int n, long gapMs) {
        List<TraceRequest> trace = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            trace.add(new TraceRequest(i + 1, i * gapMs, 20, 8, null, 0f, 1f, null, null));
        }
        return trace;
    }
}
