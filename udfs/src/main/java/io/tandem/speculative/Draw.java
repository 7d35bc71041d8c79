package io.tandem.speculative;

import java.util.SplittableRandom;

/**
 * The uniform random numbers of decoding, one per (request seed, absolute token position, purpose),
 * so a token never depends on batch composition, placement, the number of rounds it took, or a
 * session rebuilt after a failure.
 *
 * <p>Why one number per purpose and position is enough, and independent of everything before:
 * whatever round a position is decided in, the decision uses only the draws of that position
 * ({@link #SAMPLE} for the drafted or bonus token, {@link #ACCEPT} for the test, {@link #RESIDUAL}
 * for the correction), and everything that decided the earlier tokens used only draws of earlier
 * positions. A round that is cut short by a rejection at position {@code j} consumed draws of later
 * positions, but nothing it kept depends on them, so they are still fresh when those positions are
 * decided again. {@link #SAMPLE} serves both drafting and the bonus token because within the round
 * that decides a position only one of the two happens there. Plain (non-speculative) sampling uses
 * {@link #SAMPLE} too, so a draft identical to its target reproduces the target's own samples.
 *
 * <p>Stateless and thread-safe.
 */
public enum Draw {
    /** Choosing a token from a model's distribution: a drafted, bonus or plainly sampled token. */
    SAMPLE(0x3C6E_F372_FE94_F82BL),
    /** The accept-or-reject test of a drafted token. */
    ACCEPT(0xA54F_F53A_5F1D_36F1L),
    /** The correction drawn from the residual distribution after a rejection. */
    RESIDUAL(0x510E_527F_ADE6_82D1L);

    private final long salt;

    Draw(long salt) {
        this.salt = salt;
    }

    /**
     * A number uniform in [0, 1) for this purpose at {@code position} (0-based index of the token
     * in the whole sequence, prompt included) of the request seeded with {@code seed}.
     */
    public double uniform(long seed, int position) {
        long key = mix(mix(seed) ^ (position * 0x9E37_79B9_7F4A_7C15L) ^ salt);
        return new SplittableRandom(key).nextDouble();
    }

    /** A bijective 64-bit finaliser (Stafford's variant 13), so nearby inputs look unrelated. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
