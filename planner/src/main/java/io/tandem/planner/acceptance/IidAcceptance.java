package io.tandem.planner.acceptance;

/**
 * Every draft token is accepted with the same probability α, independently, until the first
 * rejection: {@code L(l) = (1 - α^(l+1)) / (1 - α)} (Leviathan et al.), with the limit {@code l +
 * 1} at α = 1.
 *
 * @param alpha the acceptance rate, in [0, 1]
 */
public record IidAcceptance(double alpha) implements Acceptance {

    public IidAcceptance {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
    }

    @Override
    public double tokensPerRound(int l) {
        if (l < 0) {
            throw new IllegalArgumentException("speculation length must be >= 0, got " + l);
        }
        if (Math.abs(1 - alpha) < 1e-12) {
            return l + 1;
        }
        return (1 - Math.pow(alpha, l + 1)) / (1 - alpha);
    }
}
