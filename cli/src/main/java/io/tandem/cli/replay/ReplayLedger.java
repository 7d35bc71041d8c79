package io.tandem.cli.replay;

import io.tandem.cli.replay.ReplayOutcome.Status;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Every request a replay sent and what became of it. The sender records a request before sending
 * it, and the answer reader matches results and dead letters to it by id; an answer for an id the
 * replay did not send (another client on the topic) is ignored, and a second answer for one it did
 * is counted as a duplicate. Each request is held as a small fixed-size record, so memory grows by
 * a few hundred bytes per request whatever the prompts and outputs. Thread-safe.
 */
public final class ReplayLedger {

    /**
     * A request on its way: what the report needs of it before its answer arrives.
     *
     * @param dueEpochMillis when it was due to be sent, epoch ms: latency counts from here
     */
    private record Pending(long line, ReplayOutcome.Sent sent, long dueEpochMillis) {}

    private final long startEpochMillis;
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<String, ReplayOutcome> done = new HashMap<>();

    /** Pending requests whose send Kafka did not confirm, and why; a result may still come. */
    private final Map<String, String> unconfirmed = new HashMap<>();

    private int duplicated;
    private long lastAnswerNanos = Long.MIN_VALUE;
    private final java.util.SortedSet<String> modes = new java.util.TreeSet<>();

    /**
     * @param startEpochMillis the replay's start, from which send and answer times count
     */
    public ReplayLedger(long startEpochMillis) {
        this.startEpochMillis = startEpochMillis;
    }

    /** The replay's start, epoch ms. */
    public long startEpochMillis() {
        return startEpochMillis;
    }

    /**
     * Records a request about to be sent.
     *
     * @param line its trace line
     * @param dueEpochMillis when it was due to be sent, epoch ms: latency counts from here
     */
    public synchronized void sent(
            String id, long line, ReplayOutcome.Sent sent, long dueEpochMillis) {
        if (pending.containsKey(id) || done.containsKey(id)) {
            throw new IllegalStateException("Request " + id + " was already sent");
        }
        pending.put(id, new Pending(line, sent, dueEpochMillis));
    }

    /** Records a result read at {@code receivedMillis} (epoch ms). */
    public synchronized void result(InferenceResult result, long receivedMillis) {
        Pending sent = claim(result.getRequestId());
        if (sent != null) {
            modes.add(result.getMode());
            finish(result.getRequestId(), answered(result, sent, receivedMillis));
        }
    }

    /** Records a dead letter read at {@code receivedMillis} (epoch ms). */
    public synchronized void deadLetter(DeadLetter letter, long receivedMillis) {
        String id = letter.getRequestId();
        Pending sent = id == null ? null : claim(id);
        if (sent != null) {
            String reason = letter.getErrorCode() + ": " + letter.getReason();
            finish(id, unanswered(id, sent, Status.REJECTED, reason, receivedMillis));
        }
    }

    /**
     * Records that Kafka did not confirm a request's send. It may still have been written (a
     * timed-out acknowledgement), so a result that comes is still matched; without one the request
     * is reported failed with this reason, not lost.
     */
    public synchronized void sendFailed(String id, String reason) {
        if (pending.containsKey(id)) {
            unconfirmed.put(id, reason);
            notifyAll();
        }
    }

    /**
     * Waits until every request sent has its answer, no answer has come for {@code idle}, or {@code
     * stop} says to give up (checked every 100 ms). Patience is measured from the last answer, so a
     * long backlog that is still being served is waited for.
     *
     * @return whether every request has its answer
     */
    public synchronized boolean awaitAnswers(Duration idle, BooleanSupplier stop)
            throws InterruptedException {
        lastAnswerNanos = Math.max(lastAnswerNanos, System.nanoTime());
        while (pending.size() > unconfirmed.size() && !stop.getAsBoolean()) {
            long left = lastAnswerNanos + idle.toNanos() - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, Math.min(100, left / 1_000_000)));
        }
        return pending.size() == unconfirmed.size();
    }

    public synchronized int sentCount() {
        return pending.size() + done.size();
    }

    public synchronized int answeredCount() {
        return done.size();
    }

    /** The serving modes the results name, e.g. {@code [sd]}. */
    public synchronized List<String> modes() {
        return List.copyOf(modes);
    }

    /** Answers that came for a request already answered. */
    public synchronized int duplicated() {
        return duplicated;
    }

    /**
     * Every request sent, in trace order. Those still without an answer are {@link Status#LOST}, or
     * {@link Status#IN_FLIGHT} when the replay was interrupted before they could come back.
     */
    public synchronized List<ReplayOutcome> outcomes(boolean interrupted) {
        List<ReplayOutcome> all = new ArrayList<>(done.values());
        Status missing = interrupted ? Status.IN_FLIGHT : Status.LOST;
        pending.forEach(
                (id, sent) -> {
                    String failure = unconfirmed.get(id);
                    all.add(
                            failure != null
                                    ? unanswered(
                                            id,
                                            sent,
                                            Status.FAILED,
                                            "send not confirmed by Kafka: " + failure,
                                            Double.NaN)
                                    : unanswered(id, sent, missing, "no answer", Double.NaN));
                });
        all.sort(Comparator.comparingLong(ReplayOutcome::line));
        return all;
    }

    private Pending claim(String id) {
        Pending sent = pending.remove(id);
        unconfirmed.remove(id);
        if (sent == null && done.containsKey(id)) {
            duplicated++;
        }
        return sent;
    }

    private void finish(String id, ReplayOutcome outcome) {
        done.put(id, outcome);
        lastAnswerNanos = System.nanoTime();
        notifyAll();
    }

    private ReplayOutcome answered(InferenceResult result, Pending sent, long receivedMillis) {
        LatencyBreakdown latency = result.getLatency();
        boolean failed = result.getFinishReason() == FinishReason.ERROR;
        return new ReplayOutcome(
                sent.line(),
                result.getRequestId(),
                failed ? Status.FAILED : Status.ANSWERED,
                sent.sent(),
                receivedMillis - startEpochMillis,
                receivedMillis - sent.dueEpochMillis(),
                new ReplayOutcome.Answer(
                        result.getGeneratedTokens(),
                        result.getRounds(),
                        result.getDraftedTokens(),
                        result.getAcceptedTokens(),
                        result.getSpeculationLengths().stream()
                                .mapToInt(Integer::intValue)
                                .average()
                                .orElse(0),
                        latency.getQueueingMs(),
                        latency.getBatchingMs(),
                        latency.getAdmissionMs(),
                        Math.max(0, latency.getLoopMs() - latency.getRoundOverheadMs()),
                        latency.getRoundOverheadMs(),
                        latency.getDraftMs(),
                        latency.getVerifyMs(),
                        Math.max(0, receivedMillis - result.getCompletedTime().toEpochMilli()),
                        result.getBatchSize(),
                        result.getResumes()),
                failed && result.getError() != null ? result.getError() : "");
    }

    private ReplayOutcome unanswered(
            String id, Pending sent, Status status, String reason, double receivedMillis) {
        return ReplayOutcome.unanswered(
                sent.line(), id, status, sent.sent(), receivedMillis - startEpochMillis, reason);
    }
}
