package io.tandem.udfs;

import io.tandem.schemas.internal.RoundBatch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model stage of the round loop (draft or verify): runs rounds on one worker thread per subtask,
 * so the task thread never blocks on a model; while one batch is in this stage, others can be in
 * the other one (pipelining across batches). The worker takes every batch that is waiting when it
 * becomes free and runs their rounds as one model call (continuous batching across the loop's
 * batches): batches that meet at a stage share its forward passes instead of taking turns.
 *
 * <p>A stage always completes with a batch: failures become part of the batch (no drafts, or failed
 * results), never an exception that would restart the job and lose other requests' rounds. The
 * timeout bounds the wait for the worker: a round that has not started by then is abandoned and
 * never runs, so a backlog cannot make the worker spend its time on rounds whose requests have
 * already failed; a round that has started runs to the end.
 */
abstract class RoundStage extends RichAsyncFunction<RoundBatch, RoundBatch> {

    private static final Logger LOG = LoggerFactory.getLogger(RoundStage.class);

    /**
     * Sequences one call may take: the sessions of a call in progress cannot be evicted, so this
     * bounds its memory, and it bounds how long newer batches wait.
     */
    static final int MAX_SEQUENCES_PER_CALL = 64;

    private transient Thread worker;
    private transient BlockingQueue<Call> pending;
    private transient String taskManager;
    private transient Map<RoundBatch, Call> queued;

    /** Loads what the stage needs; called once per subtask before any batch. */
    abstract void openStage() throws Exception;

    /** Frees what {@link #openStage} took. */
    abstract void closeStage();

    /**
     * Runs one round of each of {@code batches} (not to be modified), together; {@code waitMs[i]}
     * is how long batch i waited for the worker. Returns one batch per input, in order.
     */
    abstract List<RoundBatch> process(List<RoundBatch> batches, double[] waitMs);

    /**
     * The batch to pass on when its round cannot run: it waited too long for the worker, or the
     * stage failed outside the model call.
     */
    abstract RoundBatch abandon(RoundBatch batch, String reason, double waitMs);

    /** Short name for threads and logs. */
    abstract String stageName();

    /** One batch handed to the worker; whoever settles it first (worker or timeout) owns it. */
    private record Call(
            RoundBatch batch,
            ResultFuture<RoundBatch> future,
            long queuedNanos,
            AtomicBoolean settled) {}

    @Override
    public final void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        taskManager = TaskManagers.idOf(getRuntimeContext());
        queued = Collections.synchronizedMap(new IdentityHashMap<>());
        pending = new LinkedBlockingQueue<>();
        openStage();
        worker = new Thread(this::work, "tandem-" + stageName() + "-" + subtask);
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public final void asyncInvoke(RoundBatch batch, ResultFuture<RoundBatch> resultFuture) {
        Call call = new Call(batch, resultFuture, System.nanoTime(), new AtomicBoolean());
        queued.put(batch, call);
        pending.add(call);
    }

    @Override
    public final void timeout(RoundBatch batch, ResultFuture<RoundBatch> resultFuture) {
        Call call = queued.remove(batch);
        if (call == null || !call.settled().compareAndSet(false, true)) {
            return; // running: the worker completes it
        }
        double waitMs = (System.nanoTime() - call.queuedNanos()) / 1e6;
        LOG.warn(
                "{} of batch {} round {} did not start within {} ms",
                stageName(),
                batch.getBatchId(),
                batch.getRound(),
                Math.round(waitMs));
        resultFuture.complete(
                List.of(
                        abandon(
                                batch,
                                stageName()
                                        + " did not start within tandem.generate.timeout (the"
                                        + " model worker is backlogged)",
                                waitMs)));
    }

    @Override
    public final void close() throws InterruptedException {
        if (worker != null) {
            worker.interrupt();
            // the model must outlive the call in progress
            worker.join(CLOSE_WAIT_MILLIS);
        }
        closeStage();
    }

    private static final long CLOSE_WAIT_MILLIS = 30_000;

    /** The TaskManager this subtask runs on, for the placement recorded in results. */
    final String taskManager() {
        return taskManager;
    }

    private void work() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                List<Call> calls = new ArrayList<>();
                int sequences = 0;
                for (Call call = pending.take(); call != null; call = pending.peek()) {
                    // one consumer: the head peeked is the one polled
                    int size = call.batch().getSequences().size();
                    if (!calls.isEmpty() && sequences + size > MAX_SEQUENCES_PER_CALL) {
                        break;
                    }
                    if (!calls.isEmpty()) {
                        pending.poll();
                    }
                    queued.remove(call.batch());
                    if (call.settled().compareAndSet(false, true)) {
                        calls.add(call); // else abandoned by the timeout
                        sequences += size;
                    }
                }
                for (List<Call> group : disjoint(calls)) {
                    runSafely(group);
                }
            }
        } catch (InterruptedException e) {
            // the subtask is closing
        }
    }

    /**
     * {@code calls} in groups in which no request appears twice (a model call keys its KV sessions
     * by request id); after a restore, a replayed round and the head's own copy of the same batch
     * can be waiting together.
     */
    private static List<List<Call>> disjoint(List<Call> calls) {
        List<List<Call>> groups = new ArrayList<>();
        List<Set<String>> ids = new ArrayList<>();
        for (Call call : calls) {
            Set<String> own = new HashSet<>();
            call.batch()
                    .getSequences()
                    .forEach(s -> own.add(s.getAdmitted().getRequest().getRequestId()));
            int g = 0;
            while (g < groups.size() && !Collections.disjoint(ids.get(g), own)) {
                g++;
            }
            if (g == groups.size()) {
                groups.add(new ArrayList<>());
                ids.add(new HashSet<>());
            }
            groups.get(g).add(call);
            ids.get(g).addAll(own);
        }
        return groups;
    }

    /** Runs a group and completes every call in it, whatever happens. */
    private void runSafely(List<Call> calls) {
        try {
            run(calls);
        } catch (Throwable t) {
            LOG.error("{} worker failed on {} batches", stageName(), calls.size(), t);
            for (Call call : calls) {
                // completing twice is ignored, so the calls run() completed keep their results
                call.future().completeExceptionally(t);
            }
        }
    }

    private void run(List<Call> calls) {
        long now = System.nanoTime();
        List<RoundBatch> batches = new ArrayList<>(calls.size());
        double[] waitMs = new double[calls.size()];
        for (int i = 0; i < calls.size(); i++) {
            batches.add(calls.get(i).batch());
            waitMs[i] = (now - calls.get(i).queuedNanos()) / 1e6;
        }
        List<RoundBatch> out;
        try {
            out = process(batches, waitMs);
        } catch (RuntimeException | Error e) {
            LOG.error("{} of {} batches failed", stageName(), batches.size(), e);
            out = new ArrayList<>(batches.size());
            for (int i = 0; i < batches.size(); i++) {
                out.add(abandon(batches.get(i), stageName() + " failed: " + e, waitMs[i]));
            }
        }
        if (out.size() != calls.size()) {
            throw new IllegalStateException(
                    stageName() + " returned " + out.size() + " batches for " + calls.size());
        }
        for (int i = 0; i < calls.size(); i++) {
            calls.get(i).future().complete(List.of(out.get(i)));
        }
    }
}
