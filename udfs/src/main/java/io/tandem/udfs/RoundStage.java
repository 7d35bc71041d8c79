package io.tandem.udfs;

import io.tandem.schemas.internal.RoundBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>A stage completes every batch it is given, and a model that fails costs only the batches of
 * its call: they become failed batches (no drafts, or {@code ERROR} results), never an exception
 * that would restart the job and lose other requests' rounds. Two bounds keep one slow call from
 * holding everything behind it:
 *
 * <ul>
 *   <li>The timeout of the async operator bounds the wait for the worker: a round that has not
 *       started by then is abandoned and never runs, so a backlog cannot make the worker spend its
 *       time on rounds whose requests have already failed.
 *   <li>{@code callTimeout} bounds a call that has started. A call past it (a hung native call)
 *       cannot be stopped, so it is left behind: its batches are abandoned, the stage gets new KV
 *       sessions, and a new worker serves the rounds queued behind it. Should the old worker ever
 *       return, its results are dropped. More than {@value #MAX_STUCK_WORKERS} calls stuck at once
 *       mean the engine itself is wedged: then the stage fails the task, and Flink restarts it from
 *       the last checkpoint.
 * </ul>
 *
 * <p>An {@link Error} (out of memory, a linkage error) is not a model failure: it fails the task.
 */
abstract class RoundStage extends RichAsyncFunction<RoundBatch, RoundBatch> {

    private static final Logger LOG = LoggerFactory.getLogger(RoundStage.class);

    /**
     * Sequences one call may take: the sessions of a call in progress cannot be evicted, so this
     * bounds its memory, and it bounds how long newer batches wait.
     */
    static final int MAX_SEQUENCES_PER_CALL = 64;

    /** Workers that may be left inside a call that never returned before the task fails. */
    static final int MAX_STUCK_WORKERS = 2;

    private static final long CLOSE_WAIT_MILLIS = 30_000;

    // a call's life: queued, taken by the worker, then completed by exactly one party
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int DONE = 2;

    private final Duration callTimeout;

    private transient volatile Thread worker;
    private transient volatile Throwable fatal;
    private transient BlockingQueue<Call> pending;
    private transient String taskManager;
    private transient Map<RoundBatch, Call> queued;
    private transient ScheduledExecutorService watchdog;
    private transient AtomicInteger stuckWorkers;
    private transient int subtask;
    private transient int workersStarted;
    private transient Map<Thread, AutoCloseable> abandonedSessions;

    /**
     * @param callTimeout the longest a started model call may run before its batches are abandoned
     */
    RoundStage(Duration callTimeout) {
        if (callTimeout.isZero() || callTimeout.isNegative()) {
            throw new IllegalArgumentException("callTimeout must be positive: " + callTimeout);
        }
        this.callTimeout = callTimeout;
    }

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
     * The batch to pass on when its round cannot run: it waited too long for the worker, its call
     * overran the call timeout, or the stage failed outside the model call.
     */
    abstract RoundBatch abandon(RoundBatch batch, String reason, double waitMs);

    /**
     * Gives the stage new KV sessions, because a call that did not return still holds the old ones
     * (and their lock); returns the old ones, for that call's worker to close should it ever
     * return.
     */
    abstract AutoCloseable renewSessions();

    /** Short name for threads and logs. */
    abstract String stageName();

    /**
     * The batch as it leaves this stage when the stage has nothing to do for it, or null when it
     * must go to the worker: a batch with no work passes on at once instead of waiting behind other
     * batches' calls. Called on the task thread; must not block.
     */
    RoundBatch passThrough(RoundBatch batch) {
        return null;
    }

    /** One batch handed to the worker, and the state that says who completes it. */
    private record Call(
            RoundBatch batch,
            ResultFuture<RoundBatch> future,
            long queuedNanos,
            AtomicInteger state) {

        double waitMs(long now) {
            return (now - queuedNanos) / 1e6;
        }

        /** Claims the right to complete this call: true for exactly one caller. */
        boolean settle(int from) {
            return state.compareAndSet(from, DONE);
        }
    }

    @Override
    public final void open(OpenContext openContext) throws Exception {
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        taskManager = TaskManagers.idOf(getRuntimeContext());
        queued = Collections.synchronizedMap(new IdentityHashMap<>());
        pending = new LinkedBlockingQueue<>();
        stuckWorkers = new AtomicInteger();
        abandonedSessions = new ConcurrentHashMap<>();
        watchdog =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t =
                                    new Thread(r, "tandem-" + stageName() + "-watchdog-" + subtask);
                            t.setDaemon(true);
                            return t;
                        });
        openStage();
        startWorker();
    }

    private void startWorker() {
        String name = "tandem-" + stageName() + "-" + subtask;
        Thread next =
                new Thread(this::work, workersStarted++ == 0 ? name : name + "-" + workersStarted);
        next.setDaemon(true);
        worker = next;
        next.start();
    }

    @Override
    public final void asyncInvoke(RoundBatch batch, ResultFuture<RoundBatch> resultFuture) {
        Throwable failure = fatal;
        if (failure != null) {
            resultFuture.completeExceptionally(failure);
            return;
        }
        RoundBatch passed = passThrough(batch);
        if (passed != null) {
            resultFuture.complete(List.of(passed));
            return;
        }
        Call call = new Call(batch, resultFuture, System.nanoTime(), new AtomicInteger(QUEUED));
        queued.put(batch, call);
        pending.add(call);
    }

    @Override
    public final void timeout(RoundBatch batch, ResultFuture<RoundBatch> resultFuture) {
        Call call = queued.remove(batch);
        if (call == null || !call.settle(QUEUED)) {
            return; // taken: the worker or the watchdog completes it
        }
        double waitMs = call.waitMs(System.nanoTime());
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
        Thread current = worker;
        if (current != null) {
            current.interrupt();
            // the model must outlive the call in progress
            current.join(CLOSE_WAIT_MILLIS);
        }
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        closeStage();
    }

    /** The TaskManager this subtask runs on, for the placement recorded in results. */
    final String taskManager() {
        return taskManager;
    }

    private void work() {
        Thread self = Thread.currentThread();
        try {
            while (worker == self) {
                List<Call> taken = take();
                for (List<Call> group : byPasses(disjoint(taken))) {
                    if (worker != self) {
                        return; // left behind in a call: the watchdog completed the rest
                    }
                    try {
                        runWatched(group, taken);
                    } catch (RuntimeException | Error e) {
                        failTask(e, taken);
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            // the subtask is closing
        }
    }

    /**
     * Fails every call this stage still owes, which fails the task: for an {@link Error}, or a
     * defect outside the model call, a restart from the checkpoint is safer than going on.
     */
    private void failTask(Throwable cause, List<Call> taken) {
        LOG.error("{} subtask {} fails its task", stageName(), subtask, cause);
        fatal = cause;
        taken.forEach(call -> fail(call, TAKEN, cause));
        for (Call call; (call = pending.poll()) != null; ) {
            fail(call, QUEUED, cause);
        }
    }

    /**
     * Waits for a call, then takes every other one waiting, up to {@link #MAX_SEQUENCES_PER_CALL}
     * sequences. Calls the timeout abandoned meanwhile are dropped on the way.
     */
    private List<Call> take() throws InterruptedException {
        List<Call> calls = new ArrayList<>();
        int sequences = 0;
        for (Call call = pending.take(); call != null; call = pending.poll()) {
            queued.remove(call.batch());
            if (call.state().compareAndSet(QUEUED, TAKEN)) {
                calls.add(call);
                sequences += call.batch().getSequences().size();
            }
            Call next = pending.peek(); // one consumer: the head peeked is the one polled
            if (next == null
                    || (!calls.isEmpty()
                            && sequences + next.batch().getSequences().size()
                                    > MAX_SEQUENCES_PER_CALL)) {
                break;
            }
        }
        return calls;
    }

    /**
     * {@code groups} split by the passes their batches need, fewest first: a batch whose round is
     * one pass must not wait in a call for another batch's eight (a plain round), so rounds of
     * different lengths run as separate calls, the short ones first.
     */
    private List<List<Call>> byPasses(List<List<Call>> groups) {
        List<List<Call>> split = new ArrayList<>();
        for (List<Call> group : groups) {
            Map<Integer, List<Call>> byPasses = new TreeMap<>();
            for (Call call : group) {
                byPasses.computeIfAbsent(passes(call.batch()), p -> new ArrayList<>()).add(call);
            }
            split.addAll(byPasses.values());
        }
        return split;
    }

    /**
     * Model passes {@code batch}'s round takes at this stage; rounds of different pass counts run
     * as separate calls.
     */
    int passes(RoundBatch batch) {
        return 1;
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

    /** Runs a group under the call timeout; {@code taken} is everything this worker took. */
    private void runWatched(List<Call> group, List<Call> taken) {
        Thread self = Thread.currentThread();
        long start = System.nanoTime();
        ScheduledFuture<?> alarm =
                watchdog.schedule(
                        () -> leaveBehind(self, group, taken, start),
                        callTimeout.toNanos(),
                        TimeUnit.NANOSECONDS);
        try {
            run(group);
        } finally {
            alarm.cancel(false);
            if (worker != self) {
                returnedLate(self);
            }
        }
    }

    /**
     * A call overran the call timeout on {@code stuck}: completes what that worker took and has not
     * completed, and starts a new worker on new sessions, or fails the task when too many workers
     * are stuck. Runs on the watchdog's thread.
     */
    private void leaveBehind(Thread stuck, List<Call> running, List<Call> taken, long start) {
        if (taken.stream().noneMatch(call -> call.state().get() == TAKEN)) {
            return; // the call finished as the alarm rang
        }
        int stuckNow = stuckWorkers.incrementAndGet();
        String overran =
                " call did not finish within tandem.model.call-timeout ("
                        + callTimeout.toMillis()
                        + " ms)";
        LOG.error(
                "{} subtask {}: a call of {} batches has run {} ms, past"
                        + " tandem.model.call-timeout; abandoning it and leaving its worker behind"
                        + " ({} stuck)",
                stageName(),
                subtask,
                running.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                stuckNow);
        if (stuckNow > MAX_STUCK_WORKERS) {
            failTask(
                    new IllegalStateException(
                            stageName()
                                    + ": "
                                    + stuckNow
                                    + " model calls are stuck past tandem.model.call-timeout; the"
                                    + " engine does not return, so the task restarts"),
                    taken);
            return;
        }
        for (Call call : taken) {
            if (call.settle(TAKEN)) {
                String reason =
                        running.contains(call)
                                ? stageName() + overran
                                : stageName() + " waited behind a" + overran.substring(1);
                call.future().complete(List.of(abandon(call.batch(), reason, call.waitMs(start))));
            }
        }
        abandonedSessions.put(stuck, renewSessions());
        startWorker();
    }

    /** A worker left behind came back: what it did is dropped, and it frees its old sessions. */
    private void returnedLate(Thread self) {
        stuckWorkers.decrementAndGet();
        AutoCloseable sessions = abandonedSessions.remove(self);
        LOG.warn(
                "{} subtask {}: a worker left behind returned from its call", stageName(), subtask);
        if (sessions != null) {
            try {
                sessions.close();
            } catch (Exception e) {
                LOG.warn("{} could not free the sessions of a stuck call", stageName(), e);
            }
        }
    }

    private static void fail(Call call, int from, Throwable cause) {
        if (call.settle(from)) {
            call.future().completeExceptionally(cause);
        }
    }

    /**
     * Runs a group and completes every call in it that is still its to complete. A model failure
     * ({@link RuntimeException}) abandons the group's batches; an {@link Error} propagates.
     */
    private void run(List<Call> calls) {
        long now = System.nanoTime();
        List<RoundBatch> batches = new ArrayList<>(calls.size());
        double[] waitMs = new double[calls.size()];
        for (int i = 0; i < calls.size(); i++) {
            batches.add(calls.get(i).batch());
            waitMs[i] = calls.get(i).waitMs(now);
        }
        List<RoundBatch> out;
        try {
            out = process(batches, waitMs);
            if (out.size() != calls.size()) {
                throw new IllegalStateException(
                        stageName() + " returned " + out.size() + " batches for " + calls.size());
            }
        } catch (RuntimeException e) {
            LOG.error("{} of {} batches failed", stageName(), batches.size(), e);
            out = new ArrayList<>(batches.size());
            for (int i = 0; i < batches.size(); i++) {
                out.add(abandon(batches.get(i), stageName() + " failed: " + e, waitMs[i]));
            }
        }
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).settle(TAKEN)) {
                calls.get(i).future().complete(List.of(out.get(i)));
            }
        }
    }
}
