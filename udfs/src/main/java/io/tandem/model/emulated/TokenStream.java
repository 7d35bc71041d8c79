package io.tandem.model.emulated;

import io.tandem.planner.acceptance.PositionalAcceptance;

/**
 * The tokens of an emulated pair. The target's next token after position {@code p} of a request is
 * a fixed function of the request id and {@code p}, so every serving mode must produce the same
 * output, and greedy identity across modes stays checkable. The draft proposes the target's token
 * with the conditional acceptance of its position in the round and a different token otherwise,
 * drawn from a hash of (request, position, draft position): a real acceptance process with the
 * profile's rates, repeatable run after run.
 *
 * <p>Tokens are byte ids of lowercase letters and spaces, so an emulated result still reads as text
 * (of no meaning) through the byte-level tokenizer. Immutable.
 */
final class TokenStream {

    /** About one space per six letters, as in English text. */
    private static final byte[] ALPHABET =
            "etaoinshrdlucmfwypvbgkjqxz etaoinshrdlu etaoin ".getBytes();

    private TokenStream() {}

    /** The target's token at absolute position {@code position} of request {@code requestId}. */
    static int target(String requestId, int position) {
        return ALPHABET[index(mix(requestId, position, 0), ALPHABET.length)];
    }

    /**
     * The draft's token at absolute {@code position}, the {@code draftPosition}-th (1-based) it
     * drafts in this round.
     */
    static int draft(
            String requestId, int position, int draftPosition, PositionalAcceptance acceptance) {
        int target = target(requestId, position);
        long hash = mix(requestId, position, draftPosition);
        double uniform = (hash >>> 11) * 0x1.0p-53;
        if (uniform < acceptance.alpha(draftPosition)) {
            return target;
        }
        // any other letter: a miss is a miss, whatever it proposes instead
        for (int shift = 1; ; shift++) {
            int other = ALPHABET[index(hash + shift, ALPHABET.length)];
            if (other != target) {
                return other;
            }
        }
    }

    private static int index(long hash, int size) {
        return (int) Math.floorMod(hash, (long) size);
    }

    /** SplitMix64 over the request's hash, the position and a salt. */
    private static long mix(String requestId, int position, int salt) {
        long z = requestId.hashCode() * 0x9E3779B97F4A7C15L + position * 0xBF58476D1CE4E5B9L + salt;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
