package io.tandem.planner.cost;

/**
 * The wired SBS–MBS link and what crosses it: each draft token goes with the draft model's whole
 * distribution (rejection sampling needs it), the prompt goes once as token ids, and each sequence
 * gets a small result back per round.
 *
 * @param bitsPerSecond link rate, {@code > 0}
 * @param bitsPerTokenId size of a token id
 * @param bitsPerProbability size of one probability of a draft distribution
 * @param vocabulary probabilities per draft distribution, {@code >= 1}
 * @param returnBitsPerSequence what comes back per sequence and round (accepted count and the
 *     corrected or bonus token)
 */
public record Fronthaul(
        double bitsPerSecond,
        double bitsPerTokenId,
        double bitsPerProbability,
        int vocabulary,
        double returnBitsPerSequence) {

    /**
     * The reference link (docs/planner.md): 10 Gb/s, 32-bit ids, fp16 probabilities over a
     * 32000-token vocabulary (512,032 bits per draft token), 64 bits back.
     */
    public static final Fronthaul REFERENCE = new Fronthaul(10e9, 32, 16, 32000, 64);

    public Fronthaul {
        if (!(bitsPerSecond > 0)
                || !(bitsPerTokenId >= 0)
                || !(bitsPerProbability >= 0)
                || vocabulary < 1
                || !(returnBitsPerSequence >= 0)) {
            throw new IllegalArgumentException(
                    "fronthaul needs a positive rate and vocabulary and non-negative sizes, got"
                            + " rate "
                            + bitsPerSecond
                            + ", id "
                            + bitsPerTokenId
                            + ", probability "
                            + bitsPerProbability
                            + ", vocabulary "
                            + vocabulary
                            + ", return "
                            + returnBitsPerSequence);
        }
    }

    /** Bits one draft token costs: its id and its distribution. */
    public double bitsPerDraftToken() {
        return bitsPerTokenId + vocabulary * bitsPerProbability;
    }

    /** Seconds to send {@code l} draft tokens for each of {@code sequences}. */
    public double draftSeconds(int sequences, int l) {
        return sequences * l * bitsPerDraftToken() / bitsPerSecond;
    }

    /** Seconds to send one round's results back for each of {@code sequences}. */
    public double returnSeconds(int sequences) {
        return sequences * returnBitsPerSequence / bitsPerSecond;
    }

    /** Seconds to forward prompts of {@code tokens} (padded) ids for each of {@code sequences}. */
    public double promptSeconds(int sequences, int tokens) {
        return sequences * (double) tokens * bitsPerTokenId / bitsPerSecond;
    }
}
