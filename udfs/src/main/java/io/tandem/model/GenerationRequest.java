package io.tandem.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One sequence to continue: its prompt as token ids, how many tokens to add at most and how to
 * choose them. The prompt array is copied on construction and on access, so a request is immutable.
 *
 * @param id caller's identifier, copied to the {@link Generation}
 * @param promptTokens at least one token id
 * @param maxNewTokens {@code >= 1}
 * @param sampling how tokens are chosen
 * @param ignoreEos keep going past the end-of-sequence token until {@code maxNewTokens}, like
 *     vLLM's {@code ignore_eos}: for benchmarks that need an exact number of decode steps
 */
public record GenerationRequest(
        String id,
        int[] promptTokens,
        int maxNewTokens,
        SamplingConfig sampling,
        boolean ignoreEos) {

    /** A request that stops at the end-of-sequence token. */
    public GenerationRequest(
            String id, int[] promptTokens, int maxNewTokens, SamplingConfig sampling) {
        this(id, promptTokens, maxNewTokens, sampling, false);
    }

    public GenerationRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(sampling, "sampling");
        if (promptTokens.length == 0) {
            throw new IllegalArgumentException("request " + id + ": prompt must not be empty");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException(
                    "request " + id + ": maxNewTokens must be >= 1, got " + maxNewTokens);
        }
        promptTokens = promptTokens.clone();
    }

    @Override
    public int[] promptTokens() {
        return promptTokens.clone();
    }

    /** Prompt length without copying the prompt. */
    public int promptLength() {
        return promptTokens.length;
    }

    /** Whether the prompt and every token it may generate fit in a context of this length. */
    public boolean fits(int contextLength) {
        return promptLength() + maxNewTokens() <= contextLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationRequest other
                && id.equals(other.id)
                && Arrays.equals(promptTokens, other.promptTokens)
                && maxNewTokens == other.maxNewTokens
                && sampling.equals(other.sampling)
                && ignoreEos == other.ignoreEos;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(promptTokens), maxNewTokens, sampling, ignoreEos);
    }

    @Override
    public String toString() {
        return "GenerationRequest[id="
                + id
                + ", promptTokens="
                + promptTokens.length
                + " tokens, maxNewTokens="
                + maxNewTokens
                + ", sampling="
                + sampling
                + (ignoreEos ? ", ignoreEos" : "")
                + "]";
    }
}
