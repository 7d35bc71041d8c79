package io.tandem.udfs;

import io.tandem.schemas.internal.RoundBatch;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * A model stage of the round loop (draft or verify): runs each batch's round on one worker thread
 * per subtask, so the task thread never blocks on a model and batches queue up to the operator's
 * capacity; while one batch is in this stage, others can be in the other one (pipelining across
 * batches). Measures how long each batch waited for the worker.
 *
 * <p>A stage always completes with a batch: failures become part of the batch (no drafts, or failed
 * results), never an exception that would restart the job and lose other requests' rounds.
 */
abstract class RoundStage extends RichAsyncFunction<RoundBatch, RoundBatch> {

    private transient ExecutorService worker;
    private transient String taskManager;

    /** Loads what the stage needs; called once per subtask before any batch. */
    abstract void openStage() throws Exception;

    /** Frees what {@link #openStage} took. */
    abstract void closeStage();

    /** Runs one round of {@code batch} (not to be modified) after {@code waitMs} in the queue. */
    abstract RoundBatch process(RoundBatch batch, double waitMs);

    /** The batch to pass on when its round did not finish in time. */
    abstract RoundBatch timedOut(RoundBatch batch);

    /** Short name for threads and logs. */
    abstract String stageName();

    @Override
    public final void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        taskManager = TaskManagers.idOf(getRuntimeContext());
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
        long queued = System.nanoTime();
        worker.execute(
                () ->
                        resultFuture.complete(
                                List.of(process(batch, (System.nanoTime() - queued) / 1e6))));
    }

    @Override
    public final void timeout(RoundBatch batch, ResultFuture<RoundBatch> resultFuture) {
        resultFuture.complete(List.of(timedOut(batch)));
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
