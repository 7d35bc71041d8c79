package io.tandem.udfs;

import io.tandem.schemas.internal.RoundBatch;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model stage of the round loop (draft or verify): runs each batch's round on one worker thread
 * per subtask, so the task thread never blocks on a model and batches queue up to the operator's
 * capacity; while one batch is in this stage, others can be in the other one (pipelining across
 * batches). Measures how long each batch waited for the worker.
 *
 * <p>A stage always completes with a batch: failures become part of the batch (no drafts, or failed
 * results), never an exception that would restart the job and lose other requests' rounds. The
 * timeout bounds the wait for the worker: a round that has not started by then is abandoned and
 * never runs, so a backlog cannot make the worker spend its time on rounds whose requests have
 * already failed; a round that has started runs to the end.
 */
abstract class RoundStage extends RichAsyncFunction<RoundBatch, RoundBatch> {

    private static final Logger LOG = LoggerFactory.getLogger(RoundStage.class);

    private transient ExecutorService worker;
    private transient String taskManager;
    private transient Map<RoundBatch, Call> queued;

    /** Loads what the stage needs; called once per subtask before any batch. */
    abstract void openStage() throws Exception;

    /** Frees what {@link #openStage} took. */
    abstract void closeStage();

    /** Runs one round of {@code batch} (not to be modified) after {@code waitMs} in the queue. */
    abstract RoundBatch process(RoundBatch batch, double waitMs);

    /**
     * The batch to pass on when its round cannot run: it waited too long for the worker, or the
     * stage failed outside the model call.
     */
    abstract RoundBatch abandon(RoundBatch batch, String reason, double waitMs);

    /** Short name for threads and logs. */
    abstract String stageName();

    /** One batch handed to the worker; whoever settles it first (worker or timeout) owns it. */
    private static final class Call {
        final long queuedNanos = System.nanoTime();
        final AtomicBoolean settled = new AtomicBoolean();
    }

    @Override
    public final void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        taskManager = TaskManagers.idOf(getRuntimeContext());
        queued = Collections.synchronizedMap(new IdentityHashMap<>());
        worker =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "tandem-" + stageName() + "-" + subtask);
                            t.setDaemon(true);
                            return t;
                        });
        openStage();
    }

    @Override
    public final void asyncInvoke(RoundBatch batch, ResultFuture<RoundBatch> resultFuture) {
        Call call = new Call();
        queued.put(batch, call);
        worker.execute(
                () -> {
                    queued.remove(batch);
                    if (!call.settled.compareAndSet(false, true)) {
                        return; // abandoned by the timeout
                    }
                    double waitMs = (System.nanoTime() - call.queuedNanos) / 1e6;
                    RoundBatch out;
                    try {
                        out = process(batch, waitMs);
                    } catch (RuntimeException | Error e) {
                        LOG.error(
                                "{} of batch {} round {} failed",
                                stageName(),
                                batch.getBatchId(),
                                batch.getRound(),
                                e);
                        out = abandon(batch, stageName() + " failed: " + e, waitMs);
                    }
                    resultFuture.complete(List.of(out));
                });
    }

    @Override
    public final void timeout(RoundBatch batch, ResultFuture<RoundBatch> resultFuture) {
        Call call = queued.remove(batch);
        if (call == null || !call.settled.compareAndSet(false, true)) {
            return; // running: the worker completes it
        }
        double waitMs = (System.nanoTime() - call.queuedNanos) / 1e6;
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
    public final void close() {
        if (worker != null) {
            worker.shutdownNow();
        }
        closeStage();
    }

    /** The TaskManager this subtask runs on, for the placement recorded in results. */
    final String taskManager() {
        return taskManager;
    }
}
