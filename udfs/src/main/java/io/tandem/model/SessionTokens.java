package io.tandem.model;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One sequence in a {@link SessionStore#forward} call: all its tokens (the session caches them all
 * afterwards) and which logits the caller wants. The first {@code committed} tokens are final (the
 * prompt and everything accepted); the rest are speculative, such as drafted tokens, and the
 * session silently rolls them back if a later call disagrees. Disagreeing with committed tokens
 * means the caller's state went back (a restore) and is logged as a rebuilt session. Immutable; the
 * array is copied on construction and on access.
 *
 * @param requestId the session's key
 * @param tokens all tokens of the sequence, at least one
 * @param promptLength tokens of the prompt; a request with more committed tokens than that is
 *     expected to have a session already
 * @param committed final tokens, {@code promptLength <= committed <= tokens.length}
 * @param logits how many of the last tokens the caller wants logits after, {@code 1 <= logits <=
 *     tokens.length}
 */
public record SessionTokens(
        String requestId, int[] tokens, int promptLength, int committed, int logits) {

    public SessionTokens {
        Objects.requireNonNull(requestId, "requestId");
        if (!(1 <= promptLength && promptLength <= committed && committed <= tokens.length)) {
            throw new IllegalArgumentException(
                    "request "
                            + requestId
                            + ": need 1 <= promptLength <= committed <= tokens, got "
                            + promptLength
                            + ", "
                            + committed
                            + ", "
                            + tokens.length);
        }
        if (logits < 1 || logits > tokens.length) {
            throw new IllegalArgumentException(
                    "request "
                            + requestId
                            + ": logits must be in [1, "
                            + tokens.length
                            + "], got "
                            + logits);
        }
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /**
     * Checks one {@link SessionStore#forward} call: no request twice, every sequence within the
     * context, every token inside the vocabulary.
     *
     * @throws IllegalArgumentException naming the request that breaks a rule
     */
    public static void checkCall(List<SessionTokens> sequences, int contextLength, int vocabSize) {
        Set<String> ids = new HashSet<>();
        for (SessionTokens sequence : sequences) {
            if (!ids.add(sequence.requestId())) {
                throw new IllegalArgumentException(
                        "request " + sequence.requestId() + " appears twice in one call");
            }
            if (sequence.length() > contextLength) {
                throw new IllegalArgumentException(
                        "request "
                                + sequence.requestId()
                                + ": "
                                + sequence.length()
                                + " tokens exceed the context length of "
                                + contextLength);
            }
            for (int token : sequence.tokens) {
                if (token < 0 || token >= vocabSize) {
                    throw new IllegalArgumentException(
                            "request "
                                    + sequence.requestId()
                                    + ": token id "
                                    + token
                                    + " is outside the vocabulary of "
                                    + vocabSize);
                }
            }
        }
    }

    /** Number of tokens, without copying them. */
    public int length() {
        return tokens.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionTokens other
                && requestId.equals(other.requestId)
                && Arrays.equals(tokens, other.tokens)
                && promptLength == other.promptLength
                && committed == other.committed
                && logits == other.logits;
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, Arrays.hashCode(tokens), promptLength, committed, logits);
    }

    @Override
    public String toString() {
        return "SessionTokens[requestId="
                + requestId
                + ", tokens="
                + tokens.length
                + ", promptLength="
                + promptLength
                + ", committed="
                + committed
                + ", logits="
                + logits
                + "]";
    }
}
