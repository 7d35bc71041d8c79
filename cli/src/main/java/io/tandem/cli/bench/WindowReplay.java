package io.tandem.cli.bench;

import io.tandem.job.operators.ArrivalRate;
import io.tandem.model.ModelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The job's batching and serving order on a virtual clock, for the in-process loop of {@code
 * ./tandem bench pipeline}. Requests go to lanes as the job spreads them; per lane, a window opens
 * at its first request and closes when it holds {@code maxSize} requests or {@code maxWait} later,
 * or at once when the lane's {@link ArrivalRate} expects fewer than {@code idleArrivals} requests
 * within the wait ({@code batch-requests}). Lane {@code l} is served by worker {@code l %
 * parallelism}, as the job runs lane {@code l} on that subtask; a worker plans its windows one
 * after another (the {@code plan-batches} task thread) and runs their batches one after another
 * (the generation worker).
 *
 * <p>The {@link Server} really executes each window's model calls; the clock advances by their
 * measured durations, so a run takes its model time, not its arrival span. Here every request of a
 * batch completes when its batch does; the job answers each request as soon as it is done (see
 * {@code RoundFeedback}), so a request that stops early at an end-of-text token is answered sooner
 * there. The benchmark gives every request the same {@code maxNewTokens}, which keeps the two
 * close. Stateless.
 */
final class WindowReplay {

    private WindowReplay() {}

    /** Requests (indices into the arrivals) that one lane batched together. */
    record Window(int lane, int worker, double openMs, double closeMs, int[] requests) {}

    /** One batch a window was served as, in the order the batches ran. */
    record ServedBatch(int[] requests, double modelMs) {}

    /** A window as served: the time to plan it, then its batches. */
    record Served(double planMs, List<ServedBatch> batches) {}

    /** Serves a window with real model calls and reports how long they took. */
    interface Server {
        Served serve(Window window) throws ModelException;
    }

    /** When a request's window closed and when its batch ran, in ms on the replay's clock. */
    record Timing(double arrivalMs, double closeMs, double startMs, double endMs, int worker) {
        double latencyMs() {
            return endMs - arrivalMs;
        }
    }

    /**
     * The windows the lanes form, ordered by closing time.
     *
     * @param arrivals arrival time of each request, ms, non-decreasing
     * @param lanes lane of each request
     */
    static List<Window> windows(
            double[] arrivals,
            int[] lanes,
            int parallelism,
            int maxSize,
            double maxWaitMs,
            double idleArrivals) {
        if (arrivals.length != lanes.length || parallelism < 1 || maxSize < 1 || maxWaitMs < 0) {
            throw new IllegalArgumentException(
                    "need one lane per arrival, parallelism >= 1, maxSize >= 1, maxWait >= 0");
        }
        int laneCount = Arrays.stream(lanes).max().orElse(-1) + 1;
        List<Window> windows = new ArrayList<>();
        for (int lane = 0; lane < laneCount; lane++) {
            List<Integer> open = new ArrayList<>();
            double openedAt = 0;
            ArrivalRate rate = ArrivalRate.forWindow((long) maxWaitMs, idleArrivals);
            for (int i = 0; i < arrivals.length; i++) {
                if (lanes[i] != lane) {
                    continue;
                }
                if (!open.isEmpty() && arrivals[i] >= openedAt + maxWaitMs) {
                    windows.add(window(lane, parallelism, openedAt, openedAt + maxWaitMs, open));
                    open.clear();
                }
                // the job's clock has whole milliseconds
                rate.arrived((long) Math.floor(arrivals[i]));
                if (open.isEmpty()) {
                    openedAt = arrivals[i];
                }
                open.add(i);
                if (open.size() == maxSize
                        || open.size() == 1
                                && rate.notWorthWaiting((long) maxWaitMs, idleArrivals)) {
                    windows.add(window(lane, parallelism, openedAt, arrivals[i], open));
                    open.clear();
                }
            }
            if (!open.isEmpty()) {
                windows.add(window(lane, parallelism, openedAt, openedAt + maxWaitMs, open));
            }
        }
        windows.sort(Comparator.comparingDouble(Window::closeMs));
        return windows;
    }

    /** Serves every window with {@code server} and returns each request's timing. */
    static Timing[] replay(
            double[] arrivals,
            int[] lanes,
            int parallelism,
            int maxSize,
            double maxWaitMs,
            double idleArrivals,
            Server server)
            throws ModelException {
        Timing[] timings = new Timing[arrivals.length];
        double[] planFree = new double[parallelism];
        double[] workerFree = new double[parallelism];
        for (Window window :
                windows(arrivals, lanes, parallelism, maxSize, maxWaitMs, idleArrivals)) {
            Served served = server.serve(window);
            int w = window.worker();
            double ready = Math.max(window.closeMs(), planFree[w]) + served.planMs();
            planFree[w] = ready;
            for (ServedBatch batch : served.batches()) {
                double start = Math.max(workerFree[w], ready);
                double end = start + batch.modelMs();
                workerFree[w] = end;
                for (int i : batch.requests()) {
                    timings[i] = new Timing(arrivals[i], window.closeMs(), start, end, w);
                }
            }
        }
        for (int i = 0; i < timings.length; i++) {
            if (timings[i] == null) {
                throw new IllegalStateException("request " + i + " was in no served batch");
            }
        }
        return timings;
    }

    private static Window window(
            int lane, int parallelism, double openMs, double closeMs, List<Integer> requests) {
        return new Window(
                lane,
                lane % parallelism,
                openMs,
                closeMs,
                requests.stream().mapToInt(Integer::intValue).toArray());
    }
}
