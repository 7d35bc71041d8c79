package io.tandem.udfs;

import io.tandem.model.Generation;
import io.tandem.model.LanguageModel;
import io.tandem.model.SessionLimits;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.Placement;
import io.tandem.schemas.internal.CallShape;
import io.tandem.schemas.internal.DraftTokens;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.schemas.internal.SequenceState;
import io.tandem.speculative.AcceptanceStats;
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.Verification;
import io.tandem.udfs.Results.BatchWork;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verify stage of the round loop, on the big TaskManagers: runs the target model over each
 * sequence's drafted tokens in one pass for the batch, keeps the accepted ones and the target's own
 * next token, and finishes the sequences that reached end-of-sequence or their token limit. Emits
 * the batch with its unfinished sequences (which go around again) and the results of the finished
 * ones. A round without drafts (every round in mode {@code ad}, a round of length 0 in the others)
 * is {@value #PLAIN_STEPS_PER_ROUND} plain decode steps, so the loop's overhead is paid per several
 * tokens there too.
 *
 * <p>If the target fails, its worker is backlogged past the timeout or a call overruns the call
 * timeout, every sequence of the batch gets a result with finish reason {@code ERROR} and the
 * cause: a request never goes without a result. An {@link Error} fails the task instead (see {@link
 * RoundStage}).
 *
 * <p>Metrics: see {@link GenerationMetrics}.
 */
public class VerifyAsyncFunction extends RoundStage {

    /** Decode steps of a round without drafts. */
    public static final int PLAIN_STEPS_PER_ROUND = 8;

    private static final Logger LOG = LoggerFactory.getLogger(VerifyAsyncFunction.class);

    private static final SessionLimits SESSIONS =
            new SessionLimits(4096, 1L << 30, Duration.ofMinutes(1));

    private final ModelSource source;

    private transient LanguageModel model;
    private transient volatile Verifier verifier;
    private transient GenerationMetrics metrics;

    /**
     * @param source where the target model comes from
     * @param callTimeout the longest one verification call may run (see {@link RoundStage})
     */
    public VerifyAsyncFunction(ModelSource source, Duration callTimeout) {
        super(callTimeout);
        this.source = source;
    }

    @Override
    void openStage() throws Exception {
        model = SharedModels.acquire(source);
        verifier = new Verifier(model, SESSIONS);
        metrics = new GenerationMetrics(getRuntimeContext().getMetricGroup());
        LOG.info(
                "Verify subtask {} serving {} on TaskManager {}",
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                model.info().name(),
                taskManager());
    }

    @Override
    void closeStage() {
        if (verifier != null) {
            verifier.close();
        }
        if (model != null) {
            SharedModels.release(source);
        }
    }

    @Override
    AutoCloseable renewSessions() {
        Verifier stale = verifier;
        verifier = new Verifier(model, SESSIONS);
        return stale;
    }

    @Override
    String stageName() {
        return "verify";
    }

    /**
     * A plain round (length 0 and no sequence drafted) is {@value #PLAIN_STEPS_PER_ROUND} passes, a
     * speculative one one pass.
     */
    @Override
    int passes(RoundBatch batch) {
        boolean plain =
                batch.getSpeculationLength() == 0
                        && batch.getDrafts().stream()
                                .allMatch(draft -> draft.getTokens().isEmpty());
        return plain ? PLAIN_STEPS_PER_ROUND : 1;
    }

    @Override
    List<RoundBatch> process(List<RoundBatch> batches, double[] waitMs) {
        List<Slice> slices = new ArrayList<>(batches.size());
        for (RoundBatch batch : batches) {
            List<InferenceResult> refused = new ArrayList<>();
            slices.add(new Slice(refuseOverlong(batch, refused), refused));
        }
        long start = System.nanoTime();
        CallShape call;
        try {
            call = verifyTogether(slices);
        } catch (Exception e) {
            if (slices.size() == 1) {
                return List.of(failed(slices.get(0), e));
            }
            // one batch's failure should not fail the others: each again on its own, from the
            // state its round arrived in (the sessions roll back to the tokens a round carries)
            LOG.warn(
                    "Verifying {} batches together failed; verifying each alone", slices.size(), e);
            List<RoundBatch> alone = new ArrayList<>(slices.size());
            for (int b = 0; b < slices.size(); b++) {
                alone.add(
                        verifyAlone(
                                new Slice(slices.get(b).batch, slices.get(b).refused), waitMs[b]));
            }
            return alone;
        }
        return assembleAll(slices, waitMs, start, call);
    }

    /** One batch's round in passes of its own: the retry after a failed shared call. */
    private RoundBatch verifyAlone(Slice slice, double waitMs) {
        long start = System.nanoTime();
        CallShape call;
        try {
            call = verifyTogether(List.of(slice));
        } catch (Exception e) {
            return failed(slice, e);
        }
        return assembleAll(List.of(slice), new double[] {waitMs}, start, call).get(0);
    }

    /**
     * Every slice as it leaves the stage, after a call of shape {@code call} that started at {@code
     * start}.
     */
    private List<RoundBatch> assembleAll(
            List<Slice> slices, double[] waitMs, long start, CallShape call) {
        double verifyMs = (System.nanoTime() - start) / 1e6;
        metrics.round(verifyMs);
        List<RoundBatch> verified = new ArrayList<>(slices.size());
        for (int b = 0; b < slices.size(); b++) {
            Slice slice = slices.get(b);
            verified.add(withRefused(assemble(slice, verifyMs, waitMs[b], call), slice.refused));
        }
        return verified;
    }

    private RoundBatch failed(Slice slice, Throwable cause) {
        LOG.error(
                "Verifying batch {} round {} failed in model {}",
                slice.batch.getBatchId(),
                slice.batch.getRound(),
                model.info().name(),
                cause);
        return withRefused(failAll(slice.batch, cause.toString()), slice.refused);
    }

    /** One batch's part of a verification call: its sequences' progress through the call. */
    private final class Slice {
        final RoundBatch batch;
        final List<InferenceResult> refused;
        final List<SequenceProgress> progress = new ArrayList<>();
        final List<DraftProposal> drafts = new ArrayList<>();
        final List<AcceptanceStats> acceptance = new ArrayList<>();
        final int[] calls;
        final int steps;
        AcceptanceStats roundAcceptance = AcceptanceStats.none();

        Slice(RoundBatch batch, List<InferenceResult> refused) {
            this.batch = batch;
            this.refused = refused;
            int eos = model.info().eosTokenId();
            List<SequenceState> states = batch.getSequences();
            for (int i = 0; i < states.size(); i++) {
                progress.add(SequenceStates.progress(states.get(i), eos));
                drafts.add(
                        batch.getDrafts().isEmpty()
                                ? DraftProposal.greedy(new int[0])
                                : SequenceStates.proposal(batch.getDrafts().get(i)));
                acceptance.add(SequenceStates.acceptance(states.get(i)));
            }
            calls = new int[states.size()];
            steps = passes(batch);
        }
    }

    /**
     * Runs every slice's round in shared target passes: one pass per step over all sequences still
     * running (a speculative round is one step, a plain one up to {@value #PLAIN_STEPS_PER_ROUND}).
     * Returns the call's shape, for the loop head's cost model.
     */
    private CallShape verifyTogether(List<Slice> slices) throws Exception {
        int steps = slices.stream().mapToInt(slice -> slice.steps).max().orElse(0);
        CallShape shape = new CallShape(0, 0, 0, 0.0, 0, 0);
        for (int step = 0; step < steps; step++) {
            List<Slice> owners = new ArrayList<>();
            List<Integer> indices = new ArrayList<>();
            List<SequenceRound> rounds = new ArrayList<>();
            List<DraftProposal> proposals = new ArrayList<>();
            for (Slice slice : slices) {
                for (int i = 0; step < slice.steps && i < slice.progress.size(); i++) {
                    if (!slice.progress.get(i).finished()) {
                        owners.add(slice);
                        indices.add(i);
                        rounds.add(slice.progress.get(i).round(slice.drafts.get(i).length()));
                        proposals.add(slice.drafts.get(i));
                    }
                }
            }
            if (rounds.isEmpty()) {
                return shape;
            }
            if (step == 0) {
                int positions =
                        1
                                + rounds.stream()
                                        .mapToInt(SequenceRound::speculationLength)
                                        .max()
                                        .orElse(0);
                shape = SequenceStates.callShape(rounds, positions, 1);
            }
            shape.setPasses(step + 1);
            List<Verification> verifications = verifier.verify(rounds, proposals);
            for (int k = 0; k < rounds.size(); k++) {
                Slice slice = owners.get(k);
                int i = indices.get(k);
                Verification verification = verifications.get(k);
                slice.progress.set(
                        i, slice.progress.get(i).advance(slice.drafts.get(i), verification));
                slice.calls[i]++;
                if (verification.drafted() > 0) {
                    slice.acceptance.set(i, slice.acceptance.get(i).plus(verification));
                    slice.roundAcceptance = slice.roundAcceptance.plus(verification);
                }
            }
        }
        return shape;
    }

    private static RoundBatch withRefused(RoundBatch batch, List<InferenceResult> refused) {
        if (refused.isEmpty()) {
            return batch;
        }
        List<InferenceResult> results = new ArrayList<>(batch.getResults());
        results.addAll(refused);
        batch.setResults(results);
        return batch;
    }

    /**
     * {@code batch} without the sequences that could not finish within the target's context, whose
     * error results go to {@code refused}; the others are not held back by them.
     */
    private RoundBatch refuseOverlong(RoundBatch batch, List<InferenceResult> refused) {
        int context = model.info().contextLength();
        List<SequenceState> fitting = new ArrayList<>();
        List<DraftTokens> drafts = new ArrayList<>();
        for (int i = 0; i < batch.getSequences().size(); i++) {
            SequenceState sequence = batch.getSequences().get(i);
            int prompt = sequence.getAdmitted().getPromptTokenIds().size();
            int maxNew = sequence.getAdmitted().getRequest().getMaxNewTokens();
            if (prompt + maxNew <= context) {
                fitting.add(sequence);
                if (!batch.getDrafts().isEmpty()) {
                    drafts.add(batch.getDrafts().get(i));
                }
                continue;
            }
            String error =
                    "prompt of "
                            + prompt
                            + " tokens plus "
                            + maxNew
                            + " new tokens exceeds the context length of "
                            + context
                            + " of model "
                            + model.info().name();
            refused.add(
                    Results.failed(
                            sequence.getAdmitted(),
                            work(batch, sequence),
                            error,
                            System.currentTimeMillis()));
            metrics.failed(1);
        }
        if (refused.isEmpty()) {
            return batch;
        }
        return RoundBatch.newBuilder(batch).setSequences(fitting).setDrafts(drafts).build();
    }

    /** One batch after its part of the call: finished sequences as results, the rest going on. */
    private RoundBatch assemble(Slice slice, double verifyMs, double waitMs, CallShape call) {
        RoundBatch batch = slice.batch;
        List<SequenceState> states = batch.getSequences();
        List<SequenceProgress> progress = slice.progress;
        List<DraftProposal> drafts = slice.drafts;
        List<AcceptanceStats> acceptance = slice.acceptance;
        int[] calls = slice.calls;
        AcceptanceStats roundAcceptance = slice.roundAcceptance;
        RoundReport report =
                RoundReport.newBuilder(batch.getReport())
                        .setVerifyMs(verifyMs)
                        .setVerifyWaitMs(waitMs)
                        .setVerifyTaskManager(taskManager())
                        .setVerifyCall(call)
                        .setDraftedByPosition(SequenceStates.boxed(roundAcceptance.drafted()))
                        .setAcceptedByPosition(SequenceStates.boxed(roundAcceptance.accepted()))
                        .build();
        RoundBatch verified = RoundBatch.newBuilder(batch).setReport(report).build();
        List<SequenceState> running = new ArrayList<>();
        List<InferenceResult> results = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < states.size(); i++) {
            SequenceState state = states.get(i);
            List<Integer> lengths = new ArrayList<>(state.getSpeculationLengths());
            if (!batch.getDrafts().isEmpty()) {
                lengths.add(drafts.get(i).length());
            }
            SequenceState next =
                    SequenceState.newBuilder(state)
                            .setRounds(state.getRounds() + calls[i])
                            .setDraftedByPosition(SequenceStates.boxed(acceptance.get(i).drafted()))
                            .setAcceptedByPosition(
                                    SequenceStates.boxed(acceptance.get(i).accepted()))
                            .setSpeculationLengths(lengths)
                            .setDraftMs(state.getDraftMs() + report.getDraftMs())
                            .setVerifyMs(state.getVerifyMs() + verifyMs)
                            .build();
            SequenceProgress sequence = progress.get(i);
            if (!sequence.finished()) {
                next.setGenerated(SequenceStates.boxed(sequence.generated()));
                running.add(next);
                continue;
            }
            verifier.finish(sequence.request().id());
            InferenceResult result = completed(verified, next, sequence.generation(), now);
            metrics.completed(
                    result.getGeneratedTokens(),
                    acceptance.get(i),
                    result.getLatency().getTotalMs());
            results.add(result);
        }
        return RoundBatch.newBuilder(verified)
                .setSequences(running)
                .setDrafts(List.of())
                .setResults(results)
                .build();
    }

    private InferenceResult completed(
            RoundBatch batch, SequenceState sequence, Generation generation, long now) {
        int[] tokens = generation.tokens();
        boolean eos = generation.finishReason() == io.tandem.model.FinishReason.EOS;
        InferenceResult result =
                Results.completed(
                        sequence.getAdmitted(),
                        work(batch, sequence),
                        model.tokenizer().decode(tokens),
                        SequenceStates.boxed(tokens),
                        eos ? FinishReason.EOS : FinishReason.LENGTH,
                        sequence.getRounds(),
                        now);
        AcceptanceStats acceptance = SequenceStates.acceptance(sequence);
        result.setDraftedTokens((int) acceptance.totalDrafted());
        result.setAcceptedTokens((int) acceptance.totalAccepted());
        result.setSpeculationLengths(sequence.getSpeculationLengths());
        result.setResumes(sequence.getResumes());
        result.setUplinkShare(sequence.getUplinkShare());
        result.getLatency().setUploadMs(sequence.getUploadMs());
        return result;
    }

    @Override
    RoundBatch abandon(RoundBatch batch, String reason, double waitMs) {
        RoundReport report =
                RoundReport.newBuilder(batch.getReport())
                        .setVerifyWaitMs(waitMs)
                        .setVerifyTaskManager(taskManager())
                        .build();
        return failAll(RoundBatch.newBuilder(batch).setReport(report).build(), reason);
    }

    private RoundBatch failAll(RoundBatch batch, String error) {
        long now = System.currentTimeMillis();
        List<InferenceResult> results = new ArrayList<>();
        for (SequenceState sequence : batch.getSequences()) {
            results.add(Results.failed(sequence.getAdmitted(), work(batch, sequence), error, now));
        }
        metrics.failed(results.size());
        return RoundBatch.newBuilder(batch)
                .setSequences(List.of())
                .setDrafts(List.of())
                .setResults(results)
                .build();
    }

    private static BatchWork work(RoundBatch batch, SequenceState sequence) {
        RoundReport report = batch.getReport();
        Instant closed =
                sequence.getWindowClosedTime() != null
                        ? sequence.getWindowClosedTime()
                        : batch.getClosedTime();
        return new BatchWork(
                batch,
                closed.toEpochMilli(),
                sequence.getAdmissionMs(),
                sequence.getDraftMs(),
                sequence.getVerifyMs(),
                sequence.getOverheadMs(),
                new Placement(report.getDraftTaskManager(), report.getVerifyTaskManager()));
    }
}
