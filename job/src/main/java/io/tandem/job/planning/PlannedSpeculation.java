package io.tandem.job.planning;

import io.tandem.planner.GoodputLength;
import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.batching.BatchPlan;
import io.tandem.planner.batching.PlannedBatch;
import io.tandem.planner.cost.OnlineCostModel;
import io.tandem.planner.cost.OnlineCostModel.Stage;
import io.tandem.planner.cost.OnlineStepFit;
import io.tandem.profile.MeasuredPair;
import io.tandem.schemas.FittedCosts;
import io.tandem.schemas.PlanDecision;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.schemas.internal.CallShape;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.schemas.internal.SequenceState;
import io.tandem.speculative.AcceptanceStats;
import io.tandem.udfs.AcceptanceTracker;
import io.tandem.udfs.SequenceStates;
import io.tandem.udfs.ServingMode;
import io.tandem.udfs.VerifyAsyncFunction;
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
 * Mode {@code sd}: the planner splits each window into batches and chooses the first round's
 * speculation length; every later round of each batch chooses its own length, 0 (plain decoding)
 * included, by the {@link GoodputLength} rule: the most expected tokens per unit of what the round
 * costs, each stage's time weighed by the queue in front of it.
 *
 * <p>Both price rounds with an {@link OnlineCostModel}: the stage times of the measured profile
 * ({@code ./tandem bench models --json}, or a GPU stage profile) as the prior, corrected by the
 * model calls the rounds actually ran in (their size, with other batches merged in, positions,
 * context and worker), so a batch is priced in the call it will join, at the speed the machine has
 * under its load, not the quiet batch-of-its-own call the profile measured. Acceptance is the one
 * measured on the rounds this loop head has seen, the profile's α as a prior worth {@link
 * AcceptanceTracker#PRIOR_ROUNDS} rounds. Every round also costs the loop's measured overhead
 * (moving the batch between the draft and verify nodes and back), which the rule adds to the model
 * times, as the paper adds the fronthaul.
 *
 * <p>If planning fails, the window goes on as one batch without a plan at the configured length,
 * and the failure is logged: a planner problem never holds up requests.
 *
 * <p>Metrics: {@code windowsPlanned}, {@code planFallbacks}, {@code planMicros} (histogram), {@code
 * plainRounds} (rounds the rule chose 0 for), and gauges of the estimates: {@code
 * estimatedAcceptance} (first-position acceptance), {@code estimatedRoundOverheadMicros}, and the
 * fitted cost model, {@code fittedDraftScale}, {@code fittedDraftOffsetMicros}, {@code
 * fittedVerifyScale}, {@code fittedVerifyOffsetMicros}, {@code draftCallSequences}, {@code
 * verifyCallSequences} (per own sequence), {@code draftWaitRatio} and {@code verifyWaitRatio}.
 */
final class PlannedSpeculation implements RoundPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(PlannedSpeculation.class);

    /**
     * Sequence rounds the head's acceptance estimate counts as in a batch's own: a request of a few
     * dozen tokens takes a dozen rounds and more, so its own rounds outweigh the estimate early in
     * its life.
     */
    static final int OWN_PRIOR_ROUNDS = 8;

    /** Weight of the newest round in the loop overhead estimate. */
    static final double OVERHEAD_SMOOTHING = 0.05;

    private final String profile;
    private final int fallbackLength;

    private transient OnlineCostModel costs;
    private transient AcceptanceTracker acceptance;
    private transient double overheadMs;
    private transient long roundsObserved;
    private transient Counter windowsPlanned;
    private transient Counter planFallbacks;
    private transient Counter plainRounds;
    private transient Histogram planMicros;

    /**
     * @param profile the stage profile of the draft/target pair
     * @param fallbackLength the length of a window the planner could not plan
     */
    PlannedSpeculation(String profile, int fallbackLength) {
        this.profile = profile;
        this.fallbackLength = fallbackLength;
    }

    @Override
    public void open(MetricGroup metrics) throws Exception {
        MeasuredPair pair = MeasuredPair.read(Path.of(profile));
        costs = new OnlineCostModel(pair.draftTime(), pair.targetTime());
        acceptance = new AcceptanceTracker(AcceptanceTracker.RECENT_ROUNDS);
        acceptance.assume(pair.alpha(), AcceptanceTracker.PRIOR_ROUNDS);
        windowsPlanned = metrics.counter("windowsPlanned");
        planFallbacks = metrics.counter("planFallbacks");
        plainRounds = metrics.counter("plainRounds");
        planMicros = metrics.histogram("planMicros", new DescriptiveStatisticsHistogram(1000));
        metrics.gauge("estimatedAcceptance", () -> firstPositionAlpha(acceptance.estimate()));
        metrics.gauge("estimatedRoundOverheadMicros", () -> Math.round(1000 * overheadMs));
        metrics.gauge("fittedDraftScale", () -> fitted().getDraftScale());
        metrics.gauge(
                "fittedDraftOffsetMicros", () -> Math.round(1000 * fitted().getDraftOffsetMs()));
        metrics.gauge("fittedVerifyScale", () -> fitted().getVerifyScale());
        metrics.gauge(
                "fittedVerifyOffsetMicros", () -> Math.round(1000 * fitted().getVerifyOffsetMs()));
        metrics.gauge("draftCallSequences", () -> costs.callSequences(Stage.DRAFT, 1));
        metrics.gauge("verifyCallSequences", () -> costs.callSequences(Stage.VERIFY, 1));
        metrics.gauge("draftWaitRatio", () -> costs.waitRatio(Stage.DRAFT));
        metrics.gauge("verifyWaitRatio", () -> costs.waitRatio(Stage.VERIFY));
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
        WindowPlanner planner = new WindowPlanner(costs.stageCosts());
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
        plan.setCostModel(fitted());
        if (batch.getRound() == 0) {
            // the window's plan as made; later rounds show the overhead they were priced with
            plan.setLengthRule("plan");
            return plan.getSpeculationLength();
        }
        plan.setLengthRule("goodput");
        plan.setRoundOverheadMs(overheadMs);
        int length = GoodputLength.best(roundCosts(batch), acceptanceOf(batch), 0);
        if (length == 0) {
            plainRounds.inc();
        }
        return length;
    }

    /**
     * The acceptance {@code batch} can expect: its sequences' own rounds, with the head's recent
     * estimate as a prior worth {@link #OWN_PRIOR_ROUNDS} of them.
     */
    Acceptance acceptanceOf(RoundBatch batch) {
        AcceptanceStats own = AcceptanceStats.none();
        for (SequenceState sequence : batch.getSequences()) {
            own = own.plus(SequenceStates.acceptance(sequence));
        }
        return acceptance.estimateFor(own, OWN_PRIOR_ROUNDS);
    }

    /**
     * What the next round of {@code batch} would cost at each length, in the calls it is expected
     * to join on the workers its last round ran on.
     */
    GoodputLength.RoundCosts roundCosts(RoundBatch batch) {
        int n = batch.getSequences().size();
        double context = 0;
        for (SequenceState sequence : batch.getSequences()) {
            context +=
                    sequence.getAdmitted().getPromptTokenIds().size()
                            + sequence.getGenerated().size();
        }
        context /= Math.max(1, n);
        RoundReport last = batch.getReport();
        return costs.roundCosts(
                last.getDraftTaskManager(),
                last.getVerifyTaskManager(),
                n,
                context,
                WindowPlanner.MAX_SPECULATION,
                overheadMs,
                VerifyAsyncFunction.PLAIN_STEPS_PER_ROUND);
    }

    @Override
    public void observe(RoundBatch verified, double overheadMs) {
        RoundReport report = verified.getReport();
        acceptance.record(SequenceStates.acceptance(report));
        // a moving average: the loop's cost changes with load and placement, not round to round;
        // it starts at the first round's, since starting at 0 would price the first dozens of
        // rounds as if the loop were free
        this.overheadMs =
                roundsObserved++ == 0
                        ? overheadMs
                        : this.overheadMs + OVERHEAD_SMOOTHING * (overheadMs - this.overheadMs);
        int own = verified.getSequences().size() + verified.getResults().size();
        observe(
                Stage.DRAFT,
                report.getDraftCall(),
                report.getDraftTaskManager(),
                report.getDraftMs(),
                report.getDraftWaitMs(),
                own);
        observe(
                Stage.VERIFY,
                report.getVerifyCall(),
                report.getVerifyTaskManager(),
                report.getVerifyMs(),
                report.getVerifyWaitMs(),
                own);
    }

    private void observe(
            Stage stage, CallShape call, String worker, double millis, double waitMs, int own) {
        if (call == null) {
            return;
        }
        costs.observe(
                stage,
                new OnlineCostModel.Call(
                        worker,
                        call.getSequences(),
                        call.getPositions(),
                        call.getPasses(),
                        call.getContext(),
                        millis,
                        waitMs,
                        Math.min(own, call.getSequences()),
                        call.getPrefills(),
                        call.getPrefillTokens()));
    }

    /** The cost model as results and metrics show it. */
    FittedCosts fitted() {
        OnlineStepFit draft = costs.latestFit(Stage.DRAFT);
        OnlineStepFit verify = costs.latestFit(Stage.VERIFY);
        return FittedCosts.newBuilder()
                .setDraftScale(draft == null ? 1 : draft.scale())
                .setDraftOffsetMs(draft == null ? 0 : draft.offsetMillis())
                .setVerifyScale(verify == null ? 1 : verify.scale())
                .setVerifyOffsetMs(verify == null ? 0 : verify.offsetMillis())
                .setDraftCallSequences(costs.callSequences(Stage.DRAFT, 1))
                .setVerifyCallSequences(costs.callSequences(Stage.VERIFY, 1))
                .setDraftWaitRatio(costs.waitRatio(Stage.DRAFT))
                .setVerifyWaitRatio(costs.waitRatio(Stage.VERIFY))
                .setCalls(verify == null ? 0 : verify.calls())
                .build();
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
