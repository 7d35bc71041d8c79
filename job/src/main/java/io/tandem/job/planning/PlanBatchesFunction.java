package io.tandem.job.planning;

import io.tandem.job.bench.MeasuredPair;
import io.tandem.planner.batching.BatchPlan;
import io.tandem.planner.batching.PlannedBatch;
import io.tandem.schemas.PlanDecision;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mode {@code sd}: splits each window that {@code batch-requests} closed into the batches the
 * planner chooses, each with its own speculation length, in the order they should run. Every batch
 * carries the decision ({@link PlanDecision}), and so does every result.
 *
 * <p>Stage costs and the acceptance rate come from the measured profile of the models in use
 * ({@code ./tandem bench models --json}), read once per subtask. If planning fails, the window goes
 * on as one batch without a plan (the generation operator then drafts the configured length), and
 * the failure is logged: a planner problem never holds up requests.
 *
 * <p>Metrics (group {@code tandem}): {@code windowsPlanned}, {@code planFallbacks}, {@code
 * chosenSpeculationLength} (histogram, per batch), {@code planMicros} (histogram).
 */
public class PlanBatchesFunction extends RichFlatMapFunction<Batch, Batch> {

    private static final Logger LOG = LoggerFactory.getLogger(PlanBatchesFunction.class);

    private final String profile;

    private transient WindowPlanner planner;
    private transient double alpha;
    private transient Counter windowsPlanned;
    private transient Counter planFallbacks;
    private transient Histogram chosenLength;
    private transient Histogram planMicros;

    /**
     * @param profile the JSON of {@code ./tandem bench models} for the draft/target pair
     */
    public PlanBatchesFunction(String profile) {
        this.profile = profile;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        MeasuredPair pair = MeasuredPair.read(Path.of(profile));
        planner = new WindowPlanner(pair.costs());
        alpha = pair.alpha();
        MetricGroup metrics = getRuntimeContext().getMetricGroup().addGroup("tandem");
        windowsPlanned = metrics.counter("windowsPlanned");
        planFallbacks = metrics.counter("planFallbacks");
        chosenLength =
                metrics.histogram(
                        "chosenSpeculationLength", new DescriptiveStatisticsHistogram(1000));
        planMicros = metrics.histogram("planMicros", new DescriptiveStatisticsHistogram(1000));
        LOG.info(
                "Planning batches with the profile {} (alpha {}, draft fit error {}%, target fit"
                        + " error {}%)",
                profile,
                String.format("%.3f", alpha),
                String.format("%.0f", 100 * pair.draftFit().maxRelativeError()),
                String.format("%.0f", 100 * pair.targetFit().maxRelativeError()));
    }

    @Override
    public void flatMap(Batch window, Collector<Batch> out) {
        List<AdmittedRequest> requests = window.getRequests();
        long start = System.nanoTime();
        BatchPlan plan;
        try {
            plan = planner.plan(requests, alpha);
        } catch (RuntimeException e) {
            planFallbacks.inc();
            LOG.warn(
                    "Planning window {} of {} requests failed; serving it as one batch",
                    window.getBatchId(),
                    requests.size(),
                    e);
            out.collect(window);
            return;
        }
        planMicros.update((System.nanoTime() - start) / 1000);
        windowsPlanned.inc();
        for (Batch batch : split(window, plan, alpha, planner)) {
            chosenLength.update(batch.getPlan().getSpeculationLength());
            out.collect(batch);
        }
    }

    /** The window's requests as the plan's batches, in execution order. */
    static List<Batch> split(Batch window, BatchPlan plan, double alpha, WindowPlanner planner) {
        List<AdmittedRequest> requests = window.getRequests();
        List<Batch> batches = new ArrayList<>(plan.batchCount());
        for (int m = 0; m < plan.batchCount(); m++) {
            PlannedBatch planned = plan.batches().get(m);
            List<AdmittedRequest> members = new ArrayList<>();
            for (int index : planned.requestIndices()) {
                members.add(requests.get(index));
            }
            batches.add(
                    Batch.newBuilder()
                            .setBatchId(window.getBatchId() + "-" + m)
                            .setClosedTime(window.getClosedTime())
                            .setRequests(members)
                            .setPlan(
                                    PlanDecision.newBuilder()
                                            .setPlanner(plan.planner())
                                            .setWindowId(window.getBatchId())
                                            .setWindowSize(requests.size())
                                            .setBatchesInWindow(plan.batchCount())
                                            .setSpeculationLength(planned.speculationLength())
                                            .setPredictedMs(plan.predictedSeconds() * 1000)
                                            .setAlpha(alpha)
                                            .setRoundMsByLength(
                                                    Arrays.stream(
                                                                    planner.roundMillis(
                                                                            planned.shape()))
                                                            .boxed()
                                                            .toList())
                                            .build())
                            .build());
        }
        return batches;
    }
}
