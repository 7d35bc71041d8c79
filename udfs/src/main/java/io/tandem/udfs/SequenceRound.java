package io.tandem.udfs;

import io.tandem.model.SamplingConfig;
import java.util.Arrays;
import java.util.Objects;

/**
 * One sequence's part in one speculation round, the input of both {@link Drafter} and {@link
 * Verifier}: every token so far (prompt and accepted output), how to sample, and how many tokens to
 * draft. Only ids travel, so the draft and verify sides may run in different JVMs. Immutable; the
 * token array is copied on construction and on access.
 *
 * @param requestId the request, which is also the key of its KV sessions
 * @param tokens prompt followed by the tokens generated so far
 * @param promptLength how many of {@code tokens} are the prompt, {@code >= 1}
 * @param sampling the request's sampling configuration
 * @param speculationLength tokens to draft (γ), {@code >= 0}
 */
public record SequenceRound(
        String requestId,
        int[] tokens,
        int promptLength,
        SamplingConfig sampling,
        int speculationLength) {

    public SequenceRound {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(sampling, "sampling");
        if (promptLength < 1 || promptLength > tokens.length) {
            throw new IllegalArgumentException(
                    "request "
                            + requestId
                            + ": promptLength must be in [1, "
                            + tokens.length
                            + "], got "
                            + promptLength);
        }
        if (speculationLength < 0) {
            throw new IllegalArgumentException(
                    "request "
                            + requestId
                            + ": speculationLength must be >= 0, got "
                            + speculationLength);
        }
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** Number of tokens so far; the first drafted token goes to this position. */
    public int length() {
        return tokens.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SequenceRound other
                && requestId.equals(other.requestId)
                && Arrays.equals(tokens, other.tokens)
                && promptLength == other.promptLength
                && sampling.equals(other.sampling)
                && speculationLength == other.speculationLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                requestId, Arrays.hashCode(tokens), promptLength, sampling, speculationLength);
    }

    @Override
    public String toString() {
        return "SequenceRound[requestId="
                + requestId
                + ", tokens="
                + tokens.length
                + ", promptLength="
                + promptLength
                + ", sampling="
                + sampling
                + ", speculationLength="
                + speculationLength
                + "]";
    }
}
