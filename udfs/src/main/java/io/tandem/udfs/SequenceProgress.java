package io.tandem.udfs;

import io.tandem.model.FinishReason;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.Verification;
import java.util.Arrays;
import java.util.Objects;

/**
 * One request's output so far under speculative decoding, and the one place that applies a verified
 * round to it: the accepted drafted tokens, then the correction or bonus token, stopping at the
 * target's end-of-sequence token (which is not emitted) or at {@code maxNewTokens}. Tokens a round
 * yields beyond the stop are dropped, so the output is exactly what plain decoding with the target
 * would produce. Shared by the streaming job's draft and verify stages and the in-process {@link
 * SpeculativeGenerator}.
 *
 * <p>Immutable: {@link #advance} returns the next state.
 */
public final class SequenceProgress {

    private final GenerationRequest request;
    private final int eosTokenId;
    private final int[] tokens; // prompt + generated
    private final FinishReason finishReason; // null while running

    private SequenceProgress(
            GenerationRequest request, int eosTokenId, int[] tokens, FinishReason finishReason) {
        this.request = request;
        this.eosTokenId = eosTokenId;
        this.tokens = tokens;
        this.finishReason = finishReason;
    }

    /**
     * A request with nothing generated yet.
     *
     * @param eosTokenId the target model's end-of-sequence token, or -1 if it has none
     */
    public static SequenceProgress start(GenerationRequest request, int eosTokenId) {
        return new SequenceProgress(
                Objects.requireNonNull(request, "request"),
                request.ignoreEos() ? -1 : eosTokenId,
                request.promptTokens(),
                null);
    }

    /**
     * A request that has generated {@code generated} and not stopped: the state a round loop
     * carries between rounds.
     *
     * @param eosTokenId the target model's end-of-sequence token, or -1 if it has none
     */
    public static SequenceProgress resume(
            GenerationRequest request, int eosTokenId, int[] generated) {
        if (generated.length >= request.maxNewTokens()) {
            throw new IllegalArgumentException(
                    "request "
                            + request.id()
                            + " has generated "
                            + generated.length
                            + " of "
                            + request.maxNewTokens()
                            + " tokens: it has finished");
        }
        int[] prompt = request.promptTokens();
        int[] tokens = Arrays.copyOf(prompt, prompt.length + generated.length);
        System.arraycopy(generated, 0, tokens, prompt.length, generated.length);
        return new SequenceProgress(request, request.ignoreEos() ? -1 : eosTokenId, tokens, null);
    }

    /** The tokens generated so far. */
    public int[] generated() {
        return Arrays.copyOfRange(tokens, request.promptLength(), tokens.length);
    }

    /** The request this is the progress of. */
    public GenerationRequest request() {
        return request;
    }

    /** Number of tokens generated so far. */
    public int generatedCount() {
        return tokens.length - request.promptLength();
    }

    /** Whether generation stopped. */
    public boolean finished() {
        return finishReason != null;
    }

    /**
     * The next round's input: all tokens so far and γ, capped so that the round cannot yield more
     * tokens than are still allowed ({@code γ + 1 <= maxNewTokens - generated}).
     */
    public SequenceRound round(int speculationLength) {
        if (finished()) {
            throw new IllegalStateException("request " + request.id() + " already finished");
        }
        int remaining = request.maxNewTokens() - generatedCount();
        return new SequenceRound(
                request.id(),
                tokens,
                request.promptLength(),
                request.sampling(),
                Math.min(speculationLength, remaining - 1));
    }

    /**
     * The progress after a verified round: appends {@code draft}'s first {@link
     * Verification#accepted()} tokens and then {@link Verification#nextToken()}, up to the stop.
     */
    public SequenceProgress advance(DraftProposal draft, Verification verification) {
        if (finished()) {
            throw new IllegalStateException("request " + request.id() + " already finished");
        }
        int[] next = Arrays.copyOf(tokens, tokens.length + verification.accepted() + 1);
        int length = tokens.length;
        for (int i = 0; i <= verification.accepted(); i++) {
            int token = i < verification.accepted() ? draft.token(i) : verification.nextToken();
            if (token == eosTokenId) {
                return new SequenceProgress(
                        request, eosTokenId, Arrays.copyOf(next, length), FinishReason.EOS);
            }
            next[length++] = token;
            if (length - request.promptLength() == request.maxNewTokens()) {
                return new SequenceProgress(
                        request, eosTokenId, Arrays.copyOf(next, length), FinishReason.LENGTH);
            }
        }
        return new SequenceProgress(request, eosTokenId, next, null);
    }

    /** The output so far: the generated tokens and, once finished, why. */
    public Generation generation() {
        if (!finished()) {
            throw new IllegalStateException("request " + request.id() + " has not finished");
        }
        return new Generation(
                request.id(),
                Arrays.copyOfRange(tokens, request.promptLength(), tokens.length),
                finishReason);
    }
}
