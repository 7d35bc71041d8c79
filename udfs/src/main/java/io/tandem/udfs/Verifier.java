package io.tandem.udfs;

import io.tandem.model.BatchLogits;
import io.tandem.model.LanguageModel;
import io.tandem.model.ModelException;
import io.tandem.model.ModelInfo;
import io.tandem.model.Sampler;
import io.tandem.model.SessionLimits;
import io.tandem.model.SessionTokens;
import io.tandem.speculative.AcceptanceRule;
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.TokenDistribution;
import io.tandem.speculative.Verification;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The verify side of speculative decoding: runs the target model once over the γ + 1 positions of
 * every sequence's last token and drafted tokens (one forward pass for the batch, on the cached
 * prefix) and judges the drafts with the {@link AcceptanceRule}, which makes the output follow the
 * target distribution exactly, and the target's greedy output token for token when greedy.
 *
 * <p>Keeps a KV session per request; rejected drafted positions are rolled back when the next round
 * arrives without them, and a missing session is rebuilt from the tokens in the round. Call {@link
 * #finish} when a request ends; idle sessions are evicted by the {@link SessionLimits}.
 *
 * <p>Thread-safe (calls are serialised on the sessions). Does not own the model: close the
 * verifier, then release the model.
 */
public final class Verifier extends SessionHolder {

    private final ModelInfo model;

    public Verifier(LanguageModel targetModel, SessionLimits limits) {
        super(targetModel.openSessions(limits));
        this.model = targetModel.info();
    }

    /** The target model, whose end-of-sequence token and context length bound generation. */
    public ModelInfo model() {
        return model;
    }

    /**
     * Verifies one draft per sequence; one verification per sequence, in order.
     *
     * @throws IllegalArgumentException if the batch and the drafts do not match
     * @throws ModelException if the engine fails
     */
    public List<Verification> verify(List<SequenceRound> batch, List<DraftProposal> drafts)
            throws ModelException {
        if (batch.size() != drafts.size()) {
            throw new IllegalArgumentException(
                    batch.size() + " sequences need as many drafts, got " + drafts.size());
        }
        List<SessionTokens> call = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            SequenceRound round = batch.get(i);
            DraftProposal draft = drafts.get(i);
            int[] tokens = round.tokens();
            int[] extended = Arrays.copyOf(tokens, tokens.length + draft.length());
            System.arraycopy(draft.tokens(), 0, extended, tokens.length, draft.length());
            call.add(
                    new SessionTokens(
                            round.requestId(),
                            extended,
                            round.promptLength(),
                            tokens.length,
                            draft.length() + 1));
        }
        BatchLogits logits = sessions.forward(call);
        List<Verification> verifications = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            SequenceRound round = batch.get(i);
            DraftProposal draft = drafts.get(i);
            Sampler sampler = new Sampler(round.sampling());
            List<TokenDistribution> p = new ArrayList<>(draft.length() + 1);
            for (int j = 0; j <= draft.length(); j++) {
                int after = round.length() - 1 + j; // p_{j+1} follows the last token and x_1..x_j
                p.add(
                        sampler.distribution(
                                logits.values(), logits.offset(i, after), logits.vocabSize()));
            }
            verifications.add(
                    AcceptanceRule.verify(draft, p, round.sampling().seed(), round.length()));
        }
        return verifications;
    }
}
