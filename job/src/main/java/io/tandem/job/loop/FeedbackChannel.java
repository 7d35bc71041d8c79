package io.tandem.job.loop;

import io.tandem.schemas.internal.RoundBatch;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The in-memory back edge of the round loop: a queue from loop tail subtask {@code i} to loop head
 * subtask {@code i}, found through a JVM-wide registry by job, loop and subtask. Head and tail are
 * co-located, so they share a TaskManager and the job's class loader, hence this registry.
 *
 * <p>Flink 2 has no iterations; against a feedback Kafka topic this saves a produce and a fetch,
 * two trips to the broker, per round. What is in the queue is in no checkpoint: the head's state
 * holds every batch in flight and re-emits it on restore instead.
 *
 * <p>The channel also carries the head's epoch, which changes whenever the head (re)starts, so the
 * tail can tell the rounds of the current run from copies of earlier ones that the draft and verify
 * operators replay from their own restored state.
 *
 * <p>The queue is unbounded on purpose: a tail blocked on a full queue would stall verify, draft
 * and then the head, which is the one that drains it. The head bounds what is in flight instead.
 */
public final class FeedbackChannel {

    private record Key(String jobId, String loop, int subtask) {}

    private final BlockingQueue<RoundBatch> queue = new LinkedBlockingQueue<>();
    private volatile long epoch;

    private static final Map<Key, FeedbackChannel> CHANNELS = new ConcurrentHashMap<>();

    private FeedbackChannel() {}

    /**
     * The head's end, for a run of the head called {@code epoch}: what an earlier run left in the
     * queue is dropped (its batches are replayed from the restored state).
     */
    static FeedbackChannel openHead(String jobId, String loop, int subtask, long epoch) {
        FeedbackChannel channel = of(jobId, loop, subtask);
        channel.queue.clear();
        channel.epoch = epoch;
        return channel;
    }

    /** The tail's end. */
    static FeedbackChannel openTail(String jobId, String loop, int subtask) {
        return of(jobId, loop, subtask);
    }

    /** Drops the channel when the head closes. */
    static void close(String jobId, String loop, int subtask) {
        CHANNELS.remove(new Key(jobId, loop, subtask));
    }

    /** The current run of the head. */
    long epoch() {
        return epoch;
    }

    /** Hands a verified round to the head. */
    void send(RoundBatch round) {
        queue.add(round);
    }

    /** Waits for a verified round, then takes every other one that is there too. */
    void takeAll(List<RoundBatch> into) throws InterruptedException {
        into.add(queue.take());
        queue.drainTo(into);
    }

    private static FeedbackChannel of(String jobId, String loop, int subtask) {
        return CHANNELS.computeIfAbsent(new Key(jobId, loop, subtask), k -> new FeedbackChannel());
    }
}
