package io.tandem.planner.batching;

/**
 * KV-cache memory of the two nodes. A node keeps the KV cache of every batch that is in flight at
 * once, {@code |B_m| · κ · (I_m + O + l)} bytes for a batch of {@code |B_m|} sequences padded to
 * {@code I_m} prompt tokens, generating {@code O} tokens with {@code l} drafts in flight.
 *
 * @param draftNodeBytes bytes the draft node has for KV caches (after weights and activations),
 *     {@code >= 0}
 * @param verifyNodeBytes bytes the verify node has for KV caches, {@code >= 0}
 * @param draftBytesPerToken κ of the draft model: KV bytes per cached token, {@code > 0}
 * @param verifyBytesPerToken κ of the verify model, {@code > 0}
 */
public record MemoryLimit(
        double draftNodeBytes,
        double verifyNodeBytes,
        double draftBytesPerToken,
        double verifyBytesPerToken) {

    public MemoryLimit {
        if (!(draftNodeBytes >= 0) || !(verifyNodeBytes >= 0)) {
            throw new IllegalArgumentException(
                    "node bytes must be >= 0, got draft "
                            + draftNodeBytes
                            + " and verify "
                            + verifyNodeBytes);
        }
        if (!(draftBytesPerToken > 0)
                || !(verifyBytesPerToken > 0)
                || Double.isInfinite(draftBytesPerToken)
                || Double.isInfinite(verifyBytesPerToken)) {
            throw new IllegalArgumentException(
                    "bytes per token must be finite and > 0, got draft "
                            + draftBytesPerToken
                            + " and verify "
                            + verifyBytesPerToken);
        }
    }

    /** True if both nodes can hold {@code cachedTokens} tokens of KV cache. */
    public boolean admits(long cachedTokens) {
        return cachedTokens * draftBytesPerToken <= draftNodeBytes
                && cachedTokens * verifyBytesPerToken <= verifyNodeBytes;
    }

    /** The most cached tokens both nodes can hold. */
    public long tokenCapacity() {
        double tokens =
                Math.min(
                        draftNodeBytes / draftBytesPerToken, verifyNodeBytes / verifyBytesPerToken);
        long capacity = tokens >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.floor(tokens);
        // floor of a quotient can land one token above what admits() accepts after rounding
        while (capacity > 0 && !admits(capacity)) {
            capacity--;
        }
        return capacity;
    }

    /** How many bytes {@code cachedTokens} tokens miss the tighter node by, with its name. */
    String shortfall(long cachedTokens) {
        double draftShort = cachedTokens * draftBytesPerToken - draftNodeBytes;
        double verifyShort = cachedTokens * verifyBytesPerToken - verifyNodeBytes;
        return draftShort >= verifyShort
                ? String.format(
                        "the draft node needs %.0f bytes, %.0f more than its %.0f",
                        cachedTokens * draftBytesPerToken, draftShort, draftNodeBytes)
                : String.format(
                        "the verify node needs %.0f bytes, %.0f more than its %.0f",
                        cachedTokens * verifyBytesPerToken, verifyShort, verifyNodeBytes);
    }
}
