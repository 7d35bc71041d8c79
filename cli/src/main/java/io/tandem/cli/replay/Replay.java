package io.tandem.cli.replay;

import io.tandem.schemas.InferenceRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * Sends a trace's requests at their recorded times, scaled by the speed-up, against an absolute
 * clock: a late send never pushes the ones after it back. The trace is read one request ahead of
 * the clock, so memory does not grow with its length. Each line is sent at most once; {@link
 * #stop()} (from any thread, e.g. on Ctrl-C) ends the sending at the next request.
 */
public final class Replay {

    /** Where requests go: sends asynchronously and reports a failed send to {@code onFailure}. */
    public interface RequestSink {
        void send(InferenceRequest request, BiConsumer<String, Exception> onFailure);
    }

    /**
     * How the sending went.
     *
     * @param sent requests sent
     * @param maxSendLagMs the latest a send was against its schedule
     * @param stopped whether {@link #stop()} ended the sending before the trace (or the limit) did
     */
    public record Sending(int sent, double maxSendLagMs, boolean stopped) {}

    private static final long WAKE_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Iterator<TraceRequest> trace;
    private final ReplayRequests requests;
    private final RequestSink sink;
    private final ReplayLedger ledger;
    private final long limit;
    private volatile boolean stopRequested;

    /**
     * @param limit the most requests to send; {@code Long.MAX_VALUE} for the whole trace
     */
    public Replay(
            Iterator<TraceRequest> trace,
            ReplayRequests requests,
            RequestSink sink,
            ReplayLedger ledger,
            long limit) {
        this.trace = trace;
        this.requests = requests;
        this.sink = sink;
        this.ledger = ledger;
        this.limit = limit;
    }

    /** Ends the sending before the next request; safe from any thread. */
    public void stop() {
        stopRequested = true;
    }

    /** Sends the trace on the ledger's clock, recording each request in the ledger first. */
    public Sending run() {
        long startMillis = ledger.startEpochMillis();
        long startNanos =
                System.nanoTime()
                        + TimeUnit.MILLISECONDS.toNanos(startMillis - System.currentTimeMillis());
        int sent = 0;
        double maxLag = 0;
        while (sent < limit && !stopRequested && trace.hasNext()) {
            TraceRequest next = trace.next();
            long dueNanos = requests.dueNanos(next);
            if (!sleepUntil(startNanos + dueNanos)) {
                break;
            }
            double lagMs = (System.nanoTime() - startNanos - dueNanos) / 1e6;
            maxLag = Math.max(maxLag, lagMs);
            double dueMs = dueNanos / 1e6;
            long dueEpochMillis = startMillis + Math.round(dueMs);
            InferenceRequest request =
                    requests.toRequest(next, Instant.ofEpochMilli(dueEpochMillis));
            int promptTokens = request.getPrompt().getBytes(StandardCharsets.UTF_8).length;
            ledger.sent(
                    request.getRequestId(),
                    next.line(),
                    new ReplayOutcome.Sent(
                            next.arrivalMs(),
                            dueMs,
                            lagMs,
                            promptTokens,
                            request.getMaxNewTokens(),
                            promptTokens < next.inputTokens()
                                    || request.getMaxNewTokens() < next.outputTokens()),
                    dueEpochMillis);
            try {
                sink.send(request, (id, e) -> ledger.sendFailed(id, String.valueOf(e)));
            } catch (RuntimeException e) {
                ledger.sendFailed(request.getRequestId(), e.toString());
            }
            sent++;
        }
        return new Sending(sent, maxLag, stopRequested);
    }

    /** Parks until {@code deadline} (nanoTime); false if stopped first. */
    private boolean sleepUntil(long deadline) {
        for (long wait = deadline - System.nanoTime(); wait > 0; ) {
            if (stopRequested) {
                return false;
            }
            LockSupport.parkNanos(Math.min(wait, WAKE_UP_NANOS));
            wait = deadline - System.nanoTime();
        }
        return !stopRequested;
    }
}
