package io.tandem.job.loop;

import io.tandem.schemas.internal.RoundBatch;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The in-memory back edge of the round loop: from loop tail subtask {@code i} to loop head subtask
 * {@code i}, found through a JVM-wide registry by job, loop and subtask. Head and tail are
 * co-located, so they share a TaskManager and the job's class loader, hence this registry.
 *
 * <p>Flink 2 has no iterations; against a feedback Kafka topic this saves a produce and a fetch,
 * two trips to the broker, per round. The tail hands each round straight to the head's receiver,
 * which puts it in the head task's mailbox: one thread hand-off per round, where a queue drained by
 * a thread of the head's cost two (measured: about 0.05 ms of every round). What is in the mailbox
 * is in no checkpoint: the head's state holds every batch in flight and re-emits it on restore
 * instead.
 *
 * <p>The channel also carries the head's epoch, which changes whenever the head (re)starts, so the
 * tail can tell the rounds of the current run from copies of earlier ones that the draft and verify
 * operators replay from their own restored state.
 *
 * <p>The hand-off never blocks: a tail blocked on the head would stall verify, draft and then the
 * head, which is the one that takes the rounds. The head bounds what is in flight instead.
 */
public final class FeedbackChannel {

    private record Key(String jobId, String loop, int subtask) {}

    private static final Map<Key, FeedbackChannel> CHANNELS = new ConcurrentHashMap<>();

    private volatile Consumer<RoundBatch> receiver;
    private volatile long epoch;

    private FeedbackChannel() {}

    /**
     * The head's end, for a run of the head called {@code epoch} whose rounds go to {@code
     * receiver} (on the tail's thread: it must hand them on, not process them).
     */
    static FeedbackChannel openHead(
            String jobId, String loop, int subtask, long epoch, Consumer<RoundBatch> receiver) {
        FeedbackChannel channel = of(jobId, loop, subtask);
        channel.epoch = epoch;
        channel.receiver = receiver;
        return channel;
    }

    /** The tail's end. */
    static FeedbackChannel openTail(String jobId, String loop, int subtask) {
        return of(jobId, loop, subtask);
    }

    /** Drops the channel when the head closes. */
    static void close(String jobId, String loop, int subtask) {
        FeedbackChannel channel = CHANNELS.remove(new Key(jobId, loop, subtask));
        if (channel != null) {
            channel.receiver = null;
        }
    }

    /** The current run of the head. */
    long epoch() {
        return epoch;
    }

    /**
     * Hands a verified round to the head; dropped when no head is open (it is closing, and its
     * restored state replays the batch).
     */
    void send(RoundBatch round) {
        Consumer<RoundBatch> head = receiver;
        if (head != null) {
            head.accept(round);
        }
    }

    private static FeedbackChannel of(String jobId, String loop, int subtask) {
        return CHANNELS.computeIfAbsent(new Key(jobId, loop, subtask), k -> new FeedbackChannel());
    }
}
