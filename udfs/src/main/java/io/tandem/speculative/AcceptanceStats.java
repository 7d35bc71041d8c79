package io.tandem.speculative;

import java.util.Arrays;

/**
 * Drafted and accepted token counts per draft position, summed over verified rounds: entry {@code
 * i} counts the rounds that drafted an {@code (i+1)}-th token and the rounds that accepted it.
 * Since acceptance is a prefix, {@code accepted[i] / accepted[i-1]} estimates the acceptance rate α
 * at position {@code i} given the earlier ones were accepted. Immutable; combine with {@link
 * #plus}.
 *
 * @param drafted per position, rounds that drafted it
 * @param accepted per position, rounds that accepted it
 */
public record AcceptanceStats(long[] drafted, long[] accepted) {

    private static final AcceptanceStats NONE = new AcceptanceStats(new long[0], new long[0]);

    public AcceptanceStats {
        if (drafted.length != accepted.length) {
            throw new IllegalArgumentException(
                    "drafted and accepted need one count per position, got "
                            + drafted.length
                            + " and "
                            + accepted.length);
        }
        drafted = drafted.clone();
        accepted = accepted.clone();
    }

    /** No rounds. */
    public static AcceptanceStats none() {
        return NONE;
    }

    /** The counts of one verified round. */
    public static AcceptanceStats of(Verification verification) {
        long[] drafted = new long[verification.drafted()];
        long[] accepted = new long[verification.drafted()];
        Arrays.fill(drafted, 1);
        Arrays.fill(accepted, 0, verification.accepted(), 1);
        return new AcceptanceStats(drafted, accepted);
    }

    /** These counts plus {@code other}'s. */
    public AcceptanceStats plus(AcceptanceStats other) {
        int positions = Math.max(drafted.length, other.drafted.length);
        long[] sumDrafted = Arrays.copyOf(drafted, positions);
        long[] sumAccepted = Arrays.copyOf(accepted, positions);
        for (int i = 0; i < other.drafted.length; i++) {
            sumDrafted[i] += other.drafted[i];
            sumAccepted[i] += other.accepted[i];
        }
        return new AcceptanceStats(sumDrafted, sumAccepted);
    }

    /** These counts plus one round's. */
    public AcceptanceStats plus(Verification verification) {
        return plus(of(verification));
    }

    @Override
    public long[] drafted() {
        return drafted.clone();
    }

    @Override
    public long[] accepted() {
        return accepted.clone();
    }

    /** Drafted tokens over all positions. */
    public long totalDrafted() {
        return Arrays.stream(drafted).sum();
    }

    /** Accepted tokens over all positions. */
    public long totalAccepted() {
        return Arrays.stream(accepted).sum();
    }

    /** Accepted over drafted tokens, or NaN if nothing was drafted. */
    public double acceptanceRate() {
        long total = totalDrafted();
        return total == 0 ? Double.NaN : (double) totalAccepted() / total;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AcceptanceStats other
                && Arrays.equals(drafted, other.drafted)
                && Arrays.equals(accepted, other.accepted);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(drafted) + Arrays.hashCode(accepted);
    }

    @Override
    public String toString() {
        return "AcceptanceStats[drafted="
                + Arrays.toString(drafted)
                + ", accepted="
                + Arrays.toString(accepted)
                + "]";
    }
}
