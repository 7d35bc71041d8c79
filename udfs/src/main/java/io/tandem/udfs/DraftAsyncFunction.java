package io.tandem.udfs;

import io.tandem.model.GenerationRequest;
import io.tandem.model.LanguageModel;
import io.tandem.model.ModelException;
import io.tandem.model.SessionLimits;
import io.tandem.schemas.internal.CallShape;
import io.tandem.schemas.internal.DraftTokens;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.schemas.internal.SequenceState;
import io.tandem.speculative.DraftProposal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The draft stage of the round loop: drafts the round's speculation length for every sequence of a
 * batch with the draft model, which belongs on the small TaskManagers.
 *
 * <p>Drafting only saves time, it never decides output: if the draft model fails, its worker is
 * backlogged past the timeout or a call overruns the call timeout, the batch goes on without drafts
 * and the verify stage decodes one token with the target, so no request fails for the draft's sake.
 *
 * <p>Keeps a KV session per request (soft state, rebuilt by prefill from the tokens a round carries
 * when missing, e.g. after failover); sessions of requests that finished are freed when the next
 * round of their batch says so, or after a minute idle.
 */
public class DraftAsyncFunction extends RoundStage {

    private static final Logger LOG = LoggerFactory.getLogger(DraftAsyncFunction.class);

    private static final SessionLimits SESSIONS =
            new SessionLimits(4096, 256L << 20, Duration.ofMinutes(1));

    private final ModelSource source;

    private transient LanguageModel model;
    private transient volatile Drafter drafter;
    // sessions of batches that passed through, finished by the worker on its next call
    private transient Queue<String> releasedInPassing;

    /**
     * @param source where the draft model comes from
     * @param callTimeout the longest one drafting call may run (see {@link RoundStage})
     */
    public DraftAsyncFunction(ModelSource source, Duration callTimeout) {
        super(callTimeout);
        this.source = source;
    }

    @Override
    void openStage() throws Exception {
        model = SharedModels.acquire(source);
        drafter = new Drafter(model, SESSIONS);
        releasedInPassing = new ConcurrentLinkedQueue<>();
        LOG.info(
                "Draft subtask {} serving {} on TaskManager {}",
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                model.info().name(),
                taskManager());
    }

    @Override
    void closeStage() {
        if (drafter != null) {
            drafter.close();
        }
        if (model != null) {
            SharedModels.release(source);
        }
    }

    @Override
    AutoCloseable renewSessions() {
        Drafter stale = drafter;
        drafter = new Drafter(model, SESSIONS);
        return stale;
    }

    @Override
    String stageName() {
        return "draft";
    }

    /**
     * A round in which no sequence drafts (a plain round) skips the worker: its finished requests'
     * sessions are left for the worker's next call to free, and it goes on with no drafts.
     */
    @Override
    RoundBatch passThrough(RoundBatch batch) {
        for (SequenceState sequence : batch.getSequences()) {
            if (SequenceStates.speculationLength(sequence, batch.getSpeculationLength()) > 0) {
                return null;
            }
        }
        releasedInPassing.addAll(batch.getReleased());
        List<DraftTokens> none = new ArrayList<>(batch.getSequences().size());
        for (int i = 0; i < batch.getSequences().size(); i++) {
            none.add(new DraftTokens(List.of(), List.of()));
        }
        return RoundBatch.newBuilder(batch).setDrafts(none).build();
    }

    @Override
    List<RoundBatch> process(List<RoundBatch> batches, double[] waitMs) {
        // one call, one set of sessions, even if the watchdog renews them meanwhile
        Drafter drafter = this.drafter;
        for (String id; (id = releasedInPassing.poll()) != null; ) {
            drafter.finish(id);
        }
        int context = drafter.model().contextLength();
        List<SequenceRound> rounds = new ArrayList<>();
        List<SequenceRound> drafting = new ArrayList<>();
        for (RoundBatch batch : batches) {
            batch.getReleased().forEach(drafter::finish);
            for (SequenceState sequence : batch.getSequences()) {
                SequenceProgress progress = SequenceStates.progress(sequence, -1);
                GenerationRequest request = progress.request();
                // the target refuses such a request; drafting for it would fail the whole call
                SequenceRound round =
                        progress.round(
                                request.fits(context)
                                        ? SequenceStates.speculationLength(
                                                sequence, batch.getSpeculationLength())
                                        : 0);
                rounds.add(round);
                if (round.speculationLength() > 0) {
                    drafting.add(round);
                }
            }
        }
        long start = System.nanoTime();
        List<DraftProposal> proposals;
        try {
            // a round of length 0 only verifies: it need not take part in the draft passes
            List<DraftProposal> drafted = drafter.draft(drafting);
            proposals = new ArrayList<>(rounds.size());
            int next = 0;
            for (SequenceRound round : rounds) {
                proposals.add(
                        round.speculationLength() > 0
                                ? drafted.get(next++)
                                : DraftProposal.greedy(new int[0]));
            }
        } catch (ModelException | RuntimeException e) {
            LOG.warn(
                    "Drafting {} batches failed; verifying them without drafts", batches.size(), e);
            proposals = null;
        }
        double draftMs = (System.nanoTime() - start) / 1e6;
        CallShape call =
                drafting.isEmpty()
                        ? null
                        : SequenceStates.callShape(
                                drafting,
                                1,
                                drafting.stream()
                                        .mapToInt(SequenceRound::speculationLength)
                                        .max()
                                        .orElse(0));
        List<RoundBatch> drafted = new ArrayList<>(batches.size());
        int next = 0;
        for (int b = 0; b < batches.size(); b++) {
            RoundBatch batch = batches.get(b);
            List<DraftTokens> drafts = new ArrayList<>(batch.getSequences().size());
            for (int i = 0; i < batch.getSequences().size(); i++, next++) {
                if (proposals != null) {
                    drafts.add(SequenceStates.draftTokens(proposals.get(next)));
                }
            }
            // every batch in the call waited for all of it
            RoundReport report =
                    RoundReport.newBuilder(batch.getReport())
                            .setDraftMs(draftMs)
                            .setDraftWaitMs(waitMs[b])
                            .setDraftTaskManager(taskManager())
                            .setDraftCall(call)
                            .build();
            drafted.add(RoundBatch.newBuilder(batch).setDrafts(drafts).setReport(report).build());
        }
        return drafted;
    }

    @Override
    RoundBatch abandon(RoundBatch batch, String reason, double waitMs) {
        LOG.warn(
                "Verifying batch {} round {} without drafts: {}",
                batch.getBatchId(),
                batch.getRound(),
                reason);
        RoundReport report =
                RoundReport.newBuilder(batch.getReport())
                        .setDraftWaitMs(waitMs)
                        .setDraftTaskManager(taskManager())
                        .build();
        return RoundBatch.newBuilder(batch).setDrafts(List.of()).setReport(report).build();
    }
}
