package io.tandem.speculative;

import java.util.List;

/**
 * The speculative sampling rule (Leviathan et al. 2023; Chen et al. 2023), which makes the tokens
 * of a draft-then-verify round follow the target distribution exactly: drafted token {@code x_i}
 * (drawn from {@code q_i}) is accepted with probability {@code min(1, p_i(x_i) / q_i(x_i))}; at the
 * first rejection the next token is drawn from {@code norm(max(0, p_i - q_i))}; if all γ tokens are
 * accepted a bonus token is drawn from {@code p_{γ+1}}. With certain (greedy) distributions this is
 * exact argmax matching: accept while the draft's token is the target's argmax, then emit the
 * target's argmax.
 *
 * <p>Every draw comes from {@link Draw} keyed by the request's seed and the absolute position of
 * the token being decided, so the result does not depend on anything but the inputs. Stateless and
 * thread-safe.
 */
public final class AcceptanceRule {

    private AcceptanceRule() {}

    /**
     * Verifies one sequence's draft.
     *
     * @param draft the drafted tokens and their distributions
     * @param target the target's distributions {@code p_1..p_{γ+1}}: {@code p_i} is the target's
     *     distribution for the position of {@code x_i}, {@code p_{γ+1}} the one after {@code x_γ}
     * @param seed the request's sampling seed
     * @param firstPosition absolute position (0-based, prompt included) of {@code x_1}, that is the
     *     sequence's length before the round
     */
    public static Verification verify(
            DraftProposal draft, List<TokenDistribution> target, long seed, int firstPosition) {
        int drafted = draft.length();
        if (target.size() != drafted + 1) {
            throw new IllegalArgumentException(
                    drafted
                            + " drafted tokens need "
                            + (drafted + 1)
                            + " target distributions, got "
                            + target.size());
        }
        for (int i = 0; i < drafted; i++) {
            int position = firstPosition + i;
            int token = draft.token(i);
            TokenDistribution p = target.get(i);
            TokenDistribution q = draft.distribution(i);
            double pToken = p.probability(token);
            double qToken = q.probability(token);
            // accept with probability min(1, p/q); p >= q always accepts, without a draw
            if (pToken < qToken && Draw.ACCEPT.uniform(seed, position) * qToken >= pToken) {
                int correction = p.sampleResidual(q, Draw.RESIDUAL.uniform(seed, position));
                return new Verification(drafted, i, correction);
            }
        }
        int bonusPosition = firstPosition + drafted;
        int bonus = target.get(drafted).sample(Draw.SAMPLE.uniform(seed, bonusPosition));
        return new Verification(drafted, drafted, bonus);
    }
}
