package io.tandem.model.emulated;

import io.tandem.model.LanguageModel;
import io.tandem.model.ModelException;
import io.tandem.model.ModelInfo;
import io.tandem.model.SessionLimits;
import io.tandem.model.SessionStore;
import io.tandem.model.TextTokenizer;
import io.tandem.model.internal.ModelDirectory;
import io.tandem.planner.acceptance.PositionalAcceptance;
import io.tandem.planner.cost.StepTime;
import io.tandem.profile.MeasuredPair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model stage emulated from a measured profile: every call takes exactly the time the profile
 * gives for its shape (batch, new positions, cached context; prefills of newcomers included),
 * parked rather than computed, so a 2-core machine can run many of them at GPU stage times. The
 * tokens come from a {@link TokenStream}: the target's are a fixed function of request and
 * position, the draft proposes them with the pair's per-position acceptance. Everything around the
 * model (Kafka, Flink, the planner, the round loop) stays real; only the arithmetic is replaced.
 *
 * <p>The vocabulary, tokenizer and end-of-sequence token are those of a real model directory (the
 * target's), so prompts are encoded and results decoded as usual; the context length is the
 * profile's. The target never emits end-of-sequence: every request runs to its token limit.
 *
 * <p>Thread-safe; each session store has its own clock, i.e. acts as a device of its own.
 */
public final class EmulatedModel implements LanguageModel {

    private static final Logger LOG = LoggerFactory.getLogger(EmulatedModel.class);

    /** Which side of the pair a model plays. */
    public enum Role {
        DRAFT,
        TARGET
    }

    private final ModelInfo info;
    private final TextTokenizer tokenizer;
    private final StepTime time;
    private final EmulatedSessions.NextToken next;

    private EmulatedModel(
            ModelInfo info,
            TextTokenizer tokenizer,
            StepTime time,
            EmulatedSessions.NextToken next) {
        this.info = info;
        this.tokenizer = tokenizer;
        this.time = time;
        this.next = next;
    }

    /**
     * Emulates one side of the pair in {@code profile}.
     *
     * @param tokenizerDir a real model directory whose tokenizer and vocabulary to use
     * @param acceptance the draft's conditional acceptance by draft position, or {@code null} for
     *     the profile's alpha at every position (ignored for the target)
     * @throws ModelException if the profile or the tokenizer cannot be read
     */
    public static EmulatedModel load(
            Path profile, Role role, Path tokenizerDir, PositionalAcceptance acceptance)
            throws ModelException {
        Objects.requireNonNull(role, "role");
        MeasuredPair pair;
        try {
            pair = MeasuredPair.read(profile);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelException("cannot read the stage profile " + profile + ": " + e, e);
        }
        ModelInfo real = ModelInfo.read(tokenizerDir);
        String name = (role == Role.DRAFT ? pair.draft() : pair.target()).model() + "-emulated";
        ModelInfo info =
                new ModelInfo(
                        name,
                        "emulated",
                        0,
                        0,
                        0,
                        0,
                        real.vocabSize(),
                        pair.contextLength(),
                        real.eosTokenId());
        TextTokenizer tokenizer =
                TextTokenizer.load(tokenizerDir.resolve(ModelDirectory.TOKENIZER_FILE));
        EmulatedSessions.NextToken next;
        if (role == Role.TARGET) {
            next = (sequence, position) -> TokenStream.target(sequence.requestId(), position + 1);
        } else {
            PositionalAcceptance rates =
                    acceptance != null
                            ? acceptance
                            : new PositionalAcceptance(new double[] {pair.alpha()});
            next =
                    (sequence, position) ->
                            TokenStream.draft(
                                    sequence.requestId(),
                                    position + 1,
                                    position + 2 - sequence.committed(),
                                    rates);
        }
        StepTime time = role == Role.DRAFT ? pair.draftTime() : pair.targetTime();
        LOG.info(
                "Emulating model {} from {}: a decode step at batch 1 takes {} ms, context {}",
                name,
                profile,
                String.format("%.3f", time.millis(1, 1, 512)),
                pair.contextLength());
        return new EmulatedModel(info, tokenizer, time, next);
    }

    /**
     * The tokens an emulated target generates for a request, in every mode: what greedy output is
     * checked against.
     */
    public static int[] targetTokens(String requestId, int promptLength, int count) {
        int[] tokens = new int[count];
        for (int k = 0; k < count; k++) {
            tokens[k] = TokenStream.target(requestId, promptLength + k);
        }
        return tokens;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public SessionStore openSessions(SessionLimits limits) {
        return new EmulatedSessions(info, time, next, limits, System::nanoTime, new StageClock());
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
