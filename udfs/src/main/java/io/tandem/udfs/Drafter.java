package io.tandem.udfs;

import io.tandem.model.BatchLogits;
import io.tandem.model.LanguageModel;
import io.tandem.model.ModelException;
import io.tandem.model.ModelInfo;
import io.tandem.model.Sampler;
import io.tandem.model.SessionLimits;
import io.tandem.model.SessionTokens;
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.Draw;
import io.tandem.speculative.TokenDistribution;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The draft side of speculative decoding: proposes γ tokens per sequence with a small model,
 * autoregressively and for the whole batch at once (γ forward passes over the batch's shared KV
 * cache). Each drafted token is drawn from the draft distribution {@code q} with the request's
 * {@link Draw#SAMPLE} draw at its position; a sampled proposal carries every {@code q}, a greedy
 * one only its tokens.
 *
 * <p>Keeps a KV session per request: a round costs the new tokens since the last round plus γ - 1
 * single-token steps; a missing session is rebuilt from the tokens in the round. Call {@link
 * #finish} when a request ends; idle sessions are evicted by the {@link SessionLimits}.
 *
 * <p>Thread-safe (calls are serialised on the sessions). Does not own the model: close the drafter,
 * then release the model.
 */
public final class Drafter extends SessionHolder {

    private final ModelInfo model;

    public Drafter(LanguageModel draftModel, SessionLimits limits) {
        super(draftModel.openSessions(limits));
        this.model = draftModel.info();
    }

    /** The draft model. */
    public ModelInfo model() {
        return model;
    }

    /**
     * Drafts {@link SequenceRound#speculationLength()} tokens for every sequence; one proposal per
     * sequence, in order.
     *
     * @throws ModelException if the engine fails
     */
    public List<DraftProposal> draft(List<SequenceRound> batch) throws ModelException {
        int steps = batch.stream().mapToInt(SequenceRound::speculationLength).max().orElse(0);
        int[][] sequences = batch.stream().map(SequenceRound::tokens).toArray(int[][]::new);
        int[][] drafted = new int[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            drafted[i] = new int[batch.get(i).speculationLength()];
        }
        List<List<TokenDistribution>> distributions = new ArrayList<>();
        batch.forEach(round -> distributions.add(new ArrayList<>()));
        // Every sequence takes part in every step, so the batch keeps one composition (and one
        // shared cache) throughout; one whose γ is done re-feeds its last token, a masked no-op
        // that never reaches past its own drafts.
        for (int step = 0; step < steps; step++) {
            List<SessionTokens> call = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                SequenceRound round = batch.get(i);
                call.add(
                        new SessionTokens(
                                round.requestId(),
                                sequences[i],
                                round.promptLength(),
                                round.length(),
                                1));
            }
            BatchLogits logits = sessions.forward(call);
            for (int i = 0; i < batch.size(); i++) {
                SequenceRound round = batch.get(i);
                if (step >= round.speculationLength()) {
                    continue;
                }
                int position = sequences[i].length;
                TokenDistribution q =
                        new Sampler(round.sampling())
                                .distribution(
                                        logits.values(),
                                        logits.offset(i, position - 1),
                                        logits.vocabSize());
                int token = q.sample(Draw.SAMPLE.uniform(round.sampling().seed(), position));
                drafted[i][step] = token;
                distributions.get(i).add(q);
                if (step + 1 < round.speculationLength()) {
                    sequences[i] = Arrays.copyOf(sequences[i], position + 1);
                    sequences[i][position] = token;
                }
            }
        }
        List<DraftProposal> proposals = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            proposals.add(
                    batch.get(i).sampling().isGreedy()
                            ? DraftProposal.greedy(drafted[i])
                            : new DraftProposal(drafted[i], distributions.get(i)));
        }
        return proposals;
    }
}
