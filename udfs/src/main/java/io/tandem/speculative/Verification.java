package io.tandem.speculative;

/**
 * What verifying one sequence's draft decided: the drafted tokens {@code x_1..x_accepted} are kept,
 * followed by {@code nextToken}, which is the target's correction at the first rejected position
 * or, if every drafted token was accepted, a bonus token sampled from the target. A round therefore
 * always yields {@code accepted + 1} tokens. Immutable.
 *
 * @param drafted how many tokens were drafted (γ of the round)
 * @param accepted how many of them were accepted, a prefix: {@code 0 <= accepted <= drafted}
 * @param nextToken the correction or bonus token
 */
public record Verification(int drafted, int accepted, int nextToken) {

    public Verification {
        if (accepted < 0 || accepted > drafted) {
            throw new IllegalArgumentException(
                    "accepted must be in [0, " + drafted + "], got " + accepted);
        }
        if (nextToken < 0) {
            throw new IllegalArgumentException("nextToken must be a token id, got " + nextToken);
        }
    }

    /** Whether every drafted token was accepted, so {@link #nextToken} is a bonus token. */
    public boolean allAccepted() {
        return accepted == drafted;
    }
}
