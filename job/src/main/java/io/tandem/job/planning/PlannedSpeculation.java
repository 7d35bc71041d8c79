package io.tandem.job.planning;

import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.batching.BatchPlan;
import io.tandem.planner.batching.PlannedBatch;
import io.tandem.profile.MeasuredPair;
import io.tandem.schemas.PlanDecision;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.speculative.AcceptanceStats;
import io.tandem.udfs.AcceptanceTracker;
import io.tandem.udfs.ServingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mode {@code sd}: the planner splits each window into batches and chooses each one's speculation
 * length, over stage costs measured on the models in use ({@code ./tandem bench models --json}) and
 * the acceptance measured on the rounds this loop head has seen. The profile's acceptance is the
 * prior, worth {@link AcceptanceTracker#PRIOR_ROUNDS} rounds, so measured rounds soon outweigh it;
 * the length of each later round of a batch is chosen again at the latest estimate, so speculation
 * shortens when a workload's drafts stop being accepted and lengthens when they are. Every round
 * also costs the loop's measured overhead (moving the batch between the draft and verify nodes and
 * back), which the planner adds to the model times, as the paper adds the fronthaul: the costlier
 * the loop, the fewer and longer the rounds it chooses.
 *
 * <p>If planning fails, the window goes on as one batch without a plan at the configured length,
 * and the failure is logged: a planner problem never holds up requests.
 *
 * <p>Metrics: {@code windowsPlanned}, {@code planFallbacks}, {@code planMicros} (histogram) and
 * {@code estimatedAcceptance} (gauge: first-position acceptance of the current estimate) and {@code
 * estimatedRoundOverheadMicros} (gauge).
 */
final class PlannedSpeculation implements RoundPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(PlannedSpeculation.class);

    /** Weight of the newest round in the loop overhead estimate. */
    static final double OVERHEAD_SMOOTHING = 0.05;

    private final String profile;
    private final int fallbackLength;

    private transient WindowPlanner planner;
    private transient AcceptanceTracker acceptance;
    private transient double overheadMs;
    private transient Counter windowsPlanned;
    private transient Counter planFallbacks;
    private transient Histogram planMicros;

    /**
     * @param profile the JSON of {@code ./tandem bench models} for the draft/target pair
     * @param fallbackLength the length of a window the planner could not plan
     */
    PlannedSpeculation(String profile, int fallbackLength) {
        this.profile = profile;
        this.fallbackLength = fallbackLength;
    }

    @Override
    public void open(MetricGroup metrics) throws Exception {
        MeasuredPair pair = MeasuredPair.read(Path.of(profile));
        planner = new WindowPlanner(pair.costs());
        acceptance = new AcceptanceTracker(AcceptanceTracker.RECENT_ROUNDS);
        acceptance.assume(pair.alpha(), AcceptanceTracker.PRIOR_ROUNDS);
        windowsPlanned = metrics.counter("windowsPlanned");
        planFallbacks = metrics.counter("planFallbacks");
        planMicros = metrics.histogram("planMicros", new DescriptiveStatisticsHistogram(1000));
        metrics.gauge("estimatedAcceptance", () -> firstPositionAlpha(acceptance.estimate()));
        metrics.gauge("estimatedRoundOverheadMicros", () -> Math.round(1000 * overheadMs));
        LOG.info(
                "Planning batches with the profile {} (alpha {}, draft fit error {}%, target fit"
                        + " error {}%)",
                profile,
                String.format("%.3f", pair.alpha()),
                String.format("%.0f", 100 * pair.draftTime().maxRelativeError()),
                String.format("%.0f", 100 * pair.targetTime().maxRelativeError()));
    }

    @Override
    public ServingMode mode() {
        return ServingMode.SD;
    }

    @Override
    public List<Batch> admit(Batch window) {
        long start = System.nanoTime();
        Acceptance estimate = acceptance.estimate();
        BatchPlan plan;
        try {
            plan = planner.withRoundOverhead(overheadMs).plan(window.getRequests(), estimate);
        } catch (RuntimeException e) {
            planFallbacks.inc();
            LOG.warn(
                    "Planning window {} of {} requests failed; serving it as one batch at length"
                            + " {}",
                    window.getBatchId(),
                    window.getRequests().size(),
                    fallbackLength,
                    e);
            return List.of(window);
        }
        planMicros.update((System.nanoTime() - start) / 1000);
        windowsPlanned.inc();
        return split(window, plan, firstPositionAlpha(estimate), overheadMs, planner);
    }

    @Override
    public int speculationLength(RoundBatch batch) {
        PlanDecision plan = batch.getPlan();
        if (plan == null) {
            return fallbackLength;
        }
        if (batch.getRound() == 0 || plan.getRoundMsByLength().isEmpty()) {
            return plan.getSpeculationLength();
        }
        return acceptance.choose(
                plan.getRoundMsByLength().stream()
                        .mapToDouble(modelMs -> modelMs + overheadMs)
                        .toArray());
    }

    @Override
    public void observe(AcceptanceStats round, double overheadMs) {
        acceptance.record(round);
        // a moving average: the loop's cost changes with load and placement, not round to round
        this.overheadMs += OVERHEAD_SMOOTHING * (overheadMs - this.overheadMs);
    }

    /** The estimate's acceptance of the first drafted token, the planner's α. */
    static double firstPositionAlpha(Acceptance estimate) {
        return estimate.tokensPerRound(1) - 1;
    }

    /** The window's requests as the plan's batches, in execution order. */
    static List<Batch> split(
            Batch window, BatchPlan plan, double alpha, double overheadMs, WindowPlanner planner) {
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
                                            .setRoundOverheadMs(overheadMs)
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
