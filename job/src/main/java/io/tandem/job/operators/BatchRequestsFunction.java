package io.tandem.job.operators;

import io.tandem.job.config.JobConfig.Batching;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Forms batches per lane: a batch closes when it holds {@code maxSize} requests or {@code maxWait}
 * after its first request arrived, whichever comes first; and at once if the lane's recent arrivals
 * ({@link ArrivalRate}) say fewer than {@code idleArrivals} requests would join within the wait.
 * Pending requests live in keyed state, so they survive a restore.
 *
 * <p>Each open batch also holds an event-time timer at the end of time: it fires only when the
 * input ends (a bounded source or a drain), so no request is stranded in an open batch when
 * processing-time timers are dropped at end of input.
 *
 * <p>Metrics (group {@code tandem}): {@code batchSize}, a histogram of closed batches' sizes.
 */
public class BatchRequestsFunction extends KeyedProcessFunction<Integer, AdmittedRequest, Batch> {

    private static final long END_OF_INPUT = Long.MAX_VALUE;

    private final Batching batching;

    private transient ListState<AdmittedRequest> pending;
    private transient ValueState<Integer> size;
    private transient ValueState<Long> deadline;
    private transient long batchSequence;
    private transient int subtask;
    private transient Histogram batchSize;
    // soft state: an estimate that re-learns after a restore
    private transient Map<Integer, ArrivalRate> arrivalRates;

    public BatchRequestsFunction(Batching batching) {
        this.batching = batching;
    }

    @Override
    public void open(OpenContext openContext) {
        pending =
                getRuntimeContext()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "pending requests",
                                        TypeInformation.of(AdmittedRequest.class)));
        size = getRuntimeContext().getState(new ValueStateDescriptor<>("pending count", Types.INT));
        deadline =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("batch deadline", Types.LONG));
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        arrivalRates = new HashMap<>();
        batchSize =
                getRuntimeContext()
                        .getMetricGroup()
                        .addGroup("tandem")
                        .histogram("batchSize", new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    public void processElement(AdmittedRequest request, Context ctx, Collector<Batch> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        ArrivalRate rate =
                arrivalRates.computeIfAbsent(
                        ctx.getCurrentKey(),
                        lane ->
                                ArrivalRate.forWindow(
                                        batching.maxWait().toMillis(), batching.idleArrivals()));
        rate.arrived(now);
        pending.add(request);
        Integer count = size.value();
        int newCount = count == null ? 1 : count + 1;
        if (count == null
                && rate.notWorthWaiting(batching.maxWait().toMillis(), batching.idleArrivals())) {
            close(ctx.getCurrentKey(), now, out);
            return;
        }
        if (count == null) {
            long due = ctx.timerService().currentProcessingTime() + batching.maxWait().toMillis();
            deadline.update(due);
            ctx.timerService().registerProcessingTimeTimer(due);
            ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        }
        size.update(newCount);
        if (newCount >= batching.maxSize()) {
            ctx.timerService().deleteProcessingTimeTimer(deadline.value());
            ctx.timerService().deleteEventTimeTimer(END_OF_INPUT);
            close(ctx.getCurrentKey(), ctx.timerService().currentProcessingTime(), out);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Batch> out) throws Exception {
        Long due = deadline.value();
        if (due == null) {
            return;
        }
        // Whichever timer fired, the other one must go, or it would close the next batch early.
        if (timestamp == END_OF_INPUT) {
            ctx.timerService().deleteProcessingTimeTimer(due);
        } else {
            ctx.timerService().deleteEventTimeTimer(END_OF_INPUT);
        }
        close(ctx.getCurrentKey(), ctx.timerService().currentProcessingTime(), out);
    }

    private void close(int lane, long now, Collector<Batch> out) throws Exception {
        List<AdmittedRequest> requests = new ArrayList<>();
        pending.get().forEach(requests::add);
        pending.clear();
        size.clear();
        deadline.clear();
        batchSize.update(requests.size());
        out.collect(
                Batch.newBuilder()
                        .setBatchId(
                                "b"
                                        + subtask
                                        + "-"
                                        + lane
                                        + "-"
                                        + Long.toString(now, 36)
                                        + "-"
                                        + batchSequence++)
                        .setClosedTime(Instant.ofEpochMilli(now))
                        .setRequests(requests)
                        .build());
    }
}
