package io.tandem.planner.cost;

import io.tandem.planner.BatchShape;
import io.tandem.planner.GoodputLength;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The loop's stage costs as serving finds them: per draft and verify worker, an {@link
 * OnlineStepFit} of its call times with the measured profile as the prior; the size of the calls a
 * batch actually joins (a stage merges every batch waiting for it into one call, so a batch of 2
 * may ride in a call of 12); and how long batches wait for each stage relative to its call time.
 * The planner prices the call a batch will join, not the quiet batch-of-its-own call the profile
 * describes.
 *
 * <p>Not thread-safe: one loop head owns it. Pure Java, fed plain values.
 */
public final class OnlineCostModel {

    /** A model stage of the loop. */
    public enum Stage {
        DRAFT,
        VERIFY
    }

    /** Weight of the newest call in the moving averages of call size and wait. */
    static final double SMOOTHING = 0.1;

    /**
     * One model call a batch's round ran in.
     *
     * @param worker the stage worker (TaskManager and subtask) that ran it
     * @param sequences sequences in the call, over every batch that shared it
     * @param positions new positions per sequence in each pass
     * @param passes passes in the call
     * @param context mean cached context of the call's sequences
     * @param millis the call's duration
     * @param waitMillis how long the batch waited for the worker before the call
     * @param ownSequences the batch's own sequences in the call
     * @param prefills sequences whose prompts the call prefilled, in a pass of their own
     * @param prefillTokens their prompts' tokens, summed; 0 with {@code prefills > 0} when the size
     *     is unknown, and such a call is not fitted (its size and wait still count)
     */
    public record Call(
            String worker,
            int sequences,
            int positions,
            int passes,
            double context,
            double millis,
            double waitMillis,
            int ownSequences,
            int prefills,
            int prefillTokens) {}

    /** Moving averages over a stage's recent calls; a quiet loop until calls say more. */
    private static final class RecentCalls {
        /** Sequences in a call per own sequence of the batch. */
        double share = 1;

        double waitMillis;
        double callMillis;
        boolean seen;

        void add(double share, double waitMillis, double callMillis) {
            this.share = average(this.share, share);
            this.waitMillis = average(this.waitMillis, waitMillis);
            this.callMillis = average(this.callMillis, callMillis);
            seen = true;
        }

        private double average(double old, double value) {
            return seen ? old + SMOOTHING * (value - old) : value;
        }
    }

    private final Map<Stage, StepTime> priors;
    // a stage's profile as a fit without calls, for workers not seen yet
    private final Map<Stage, OnlineStepFit> unfitted = new HashMap<>();
    private final Map<Stage, Map<String, OnlineStepFit>> fits = new HashMap<>();
    private final Map<Stage, String> latestWorker = new HashMap<>();
    private final Map<Stage, RecentCalls> recent = new HashMap<>();

    /**
     * @param draft the profile's draft step times
     * @param target the profile's target step times
     */
    public OnlineCostModel(StepTime draft, StepTime target) {
        priors =
                Map.of(
                        Stage.DRAFT,
                        Objects.requireNonNull(draft, "draft"),
                        Stage.VERIFY,
                        Objects.requireNonNull(target, "target"));
        for (Stage stage : Stage.values()) {
            unfitted.put(stage, new OnlineStepFit(priors.get(stage)));
            fits.put(stage, new HashMap<>());
            recent.put(stage, new RecentCalls());
        }
    }

    /** Learns from one call of {@code stage}. */
    public void observe(Stage stage, Call call) {
        if (call.sequences() < 1 || call.ownSequences() < 1 || !(call.millis() > 0)) {
            return;
        }
        String worker = call.worker() == null ? "" : call.worker();
        // under load most calls carry a newcomer's prefill: leaving those out would fit the
        // stage to the few calls without one (at the verify stage, mostly plain rounds) and price
        // the others by the profile's shape alone
        if (call.prefills() == 0 || call.prefillTokens() > 0) {
            fits.get(stage)
                    .computeIfAbsent(worker, w -> new OnlineStepFit(priors.get(stage)))
                    .observe(
                            call.sequences(),
                            call.positions(),
                            call.context(),
                            call.passes(),
                            call.prefills(),
                            call.prefillTokens(),
                            call.millis());
        }
        latestWorker.put(stage, worker);
        recent.get(stage)
                .add(
                        (double) call.sequences() / call.ownSequences(),
                        Math.max(0, call.waitMillis()),
                        call.millis());
    }

    /**
     * The fitted step times of {@code stage} on {@code worker}; on the worker that ran the latest
     * call when {@code worker} is null or unseen; the profile, as a fit without calls, before any.
     */
    public OnlineStepFit stepTime(Stage stage, String worker) {
        OnlineStepFit fit = worker == null ? null : fits.get(stage).get(worker);
        if (fit == null) {
            fit = fits.get(stage).get(latestWorker.get(stage));
        }
        return fit != null ? fit : unfitted.get(stage);
    }

    /** The fit of the worker that ran the latest call of {@code stage}, or null before any. */
    public OnlineStepFit latestFit(Stage stage) {
        return fits.get(stage).get(latestWorker.get(stage));
    }

    /** Sequences in the call a batch of {@code own} sequences is expected to join. */
    public double callSequences(Stage stage, int own) {
        return Math.max(own, own * recent.get(stage).share);
    }

    /**
     * Recent mean wait for the stage's worker over its mean call time: 0 when batches find it free;
     * for a single-server queue {@code ρ / (1 - ρ)}, growing without bound as it saturates.
     */
    public double waitRatio(Stage stage) {
        RecentCalls calls = recent.get(stage);
        return calls.callMillis > 0 ? calls.waitMillis / calls.callMillis : 0;
    }

    /**
     * Milliseconds of a call of {@code stage} with {@code passes} passes for a batch of {@code own}
     * sequences adding {@code positions} each over {@code context}, priced at the size of the call
     * it is expected to join, on {@code worker}.
     */
    public double callMillis(
            Stage stage, String worker, int own, int positions, double context, int passes) {
        int call = (int) Math.round(callSequences(stage, own));
        return stepTime(stage, worker).callMillis(call, positions, context, passes);
    }

    /**
     * What one round of a batch of {@code own} sequences over a mean context of {@code context}
     * would cost at each length 0..{@code maxLength}, on the draft worker {@code drafter} and the
     * verify worker {@code verifier} (null: the latest), in the calls it is expected to join: a
     * draft round is one call of {@code l} passes, its verification one pass over {@code l + 1}
     * positions, a plain round {@code plainSteps} single-position passes; each stage's time is
     * weighed by its recent wait, and {@code overheadMillis} added per trip.
     */
    public GoodputLength.RoundCosts roundCosts(
            String drafter,
            String verifier,
            int own,
            double context,
            int maxLength,
            double overheadMillis,
            int plainSteps) {
        double[] draft = new double[maxLength + 1];
        double[] verify = new double[maxLength + 1];
        verify[0] = callMillis(Stage.VERIFY, verifier, own, 1, context, plainSteps);
        for (int l = 1; l <= maxLength; l++) {
            draft[l] = callMillis(Stage.DRAFT, drafter, own, 1, context, l);
            verify[l] = callMillis(Stage.VERIFY, verifier, own, l + 1, context, 1);
        }
        return new GoodputLength.RoundCosts(
                draft,
                verify,
                overheadMillis,
                waitRatio(Stage.DRAFT),
                waitRatio(Stage.VERIFY),
                plainSteps);
    }

    /**
     * Stage costs for the planner's DP: the fitted calls, each priced at the size of the call a
     * batch of that size is expected to join (a draft round is one call of {@code l} passes, a
     * verify round one pass over {@code l + 1} positions). Prefills keep the profile's times,
     * scaled as the fit scales a pass.
     */
    public StageCosts stageCosts() {
        OnlineStepFit draft = stepTime(Stage.DRAFT, null);
        OnlineStepFit target = stepTime(Stage.VERIFY, null);
        double draftShare = recent.get(Stage.DRAFT).share;
        double verifyShare = recent.get(Stage.VERIFY).share;
        return new StageCosts() {
            @Override
            public double draftRound(BatchShape batch, int l) {
                return l == 0
                        ? 0
                        : draft.callMillis(joined(batch, draftShare), 1, batch.meanContext(), l)
                                / 1000;
            }

            @Override
            public double verifyRound(BatchShape batch, int l) {
                return target.callMillis(joined(batch, verifyShare), l + 1, batch.meanContext(), 1)
                        / 1000;
            }

            @Override
            public double draftPrefill(BatchShape batch) {
                return draft.scale() * draft.prior().prefillSeconds(batch.size(), prompt(batch));
            }

            @Override
            public double verifyPrefill(BatchShape batch, int l) {
                return target.scale() * target.prior().prefillSeconds(batch.size(), prompt(batch));
            }

            @Override
            public double targetStep(BatchShape batch) {
                return target.callMillis(joined(batch, verifyShare), 1, batch.meanContext(), 1)
                        / 1000;
            }

            @Override
            public double targetPrefill(BatchShape batch) {
                return verifyPrefill(batch, 0);
            }
        };
    }

    private static int joined(BatchShape batch, double share) {
        return (int) Math.round(Math.max(batch.size(), batch.size() * share));
    }

    private static int prompt(BatchShape batch) {
        return batch.maxInputTokens();
    }
}
