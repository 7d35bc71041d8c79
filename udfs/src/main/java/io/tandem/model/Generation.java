package io.tandem.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * The continuation produced for one {@link GenerationRequest}: the new tokens (never the prompt,
 * never the end-of-sequence token) and why generation stopped. Immutable; the token array is copied
 * on construction and on access.
 *
 * @param id the request's id
 * @param tokens generated token ids, at most the request's {@code maxNewTokens}
 * @param finishReason {@link FinishReason#EOS} or {@link FinishReason#LENGTH}
 */
public record Generation(String id, int[] tokens, FinishReason finishReason) {

    public Generation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(finishReason, "finishReason");
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Generation other
                && id.equals(other.id)
                && Arrays.equals(tokens, other.tokens)
                && finishReason == other.finishReason;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(tokens), finishReason);
    }

    @Override
    public String toString() {
        return "Generation[id="
                + id
                + ", tokens="
                + Arrays.toString(tokens)
                + ", finishReason="
                + finishReason
                + "]";
    }
}
