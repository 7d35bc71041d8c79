package io.tandem.speculative;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The acceptance rule case by case; its distributional exactness is {@link
 * SpeculativeSamplingTest}.
 */
class AcceptanceRuleTest {

    @Test
    void greedyAcceptsDraftsMatchingTheTargetArgmaxAndAddsABonusToken() {
        Verification verification =
                AcceptanceRule.verify(
                        DraftProposal.greedy(new int[] {4, 2, 7}), certain(4, 2, 7, 1), 0, 10);

        assertThat(verification).isEqualTo(new Verification(3, 3, 1));
        assertThat(verification.allAccepted()).isTrue();
    }

    @Test
    void greedyStopsAtTheFirstMismatchAndEmitsTheTargetArgmax() {
        assertThat(
                        AcceptanceRule.verify(
                                DraftProposal.greedy(new int[] {4, 2, 7}),
                                certain(4, 3, 7, 1),
                                0,
                                10))
                .isEqualTo(new Verification(3, 1, 3));
        assertThat(
                        AcceptanceRule.verify(
                                DraftProposal.greedy(new int[] {4, 2}), certain(5, 2, 1), 0, 10))
                .isEqualTo(new Verification(2, 0, 5));
    }

    @Test
    void anEmptyDraftSamplesOneTokenFromTheTarget() {
        TokenDistribution p = TokenDistribution.of(new int[] {0, 1}, new float[] {0.5f, 0.5f});

        Verification verification =
                AcceptanceRule.verify(DraftProposal.greedy(new int[0]), List.of(p), 3, 8);

        assertThat(verification.accepted()).isZero();
        assertThat(verification.nextToken()).isEqualTo(p.sample(Draw.SAMPLE.uniform(3, 8)));
    }

    @Test
    void acceptsWheneverTheTargetLikesTheTokenAtLeastAsMuchAsTheDraft() {
        TokenDistribution q = TokenDistribution.of(new int[] {0, 1}, new float[] {0.6f, 0.4f});
        TokenDistribution p = TokenDistribution.of(new int[] {0, 1}, new float[] {0.7f, 0.3f});
        DraftProposal draft = new DraftProposal(new int[] {0}, List.of(q));

        for (long seed = 0; seed < 200; seed++) {
            assertThat(AcceptanceRule.verify(draft, List.of(p, p), seed, 0).accepted())
                    .isEqualTo(1);
        }
    }

    @Test
    void neverAcceptsATokenTheTargetExcludesAndNeverRepeatsTheRejectedToken() {
        TokenDistribution q = TokenDistribution.of(new int[] {0, 1}, new float[] {0.5f, 0.5f});
        TokenDistribution p =
                TokenDistribution.of(new int[] {0, 1, 2}, new float[] {0.5f, 0.2f, 0.3f});
        DraftProposal excluded =
                new DraftProposal(
                        new int[] {1},
                        List.of(TokenDistribution.of(new int[] {1}, new float[] {1f})));

        for (long seed = 0; seed < 200; seed++) {
            Verification verification =
                    AcceptanceRule.verify(
                            new DraftProposal(new int[] {1}, List.of(q)), List.of(p, p), seed, 5);
            if (verification.accepted() == 0) {
                assertThat(verification.nextToken()).isEqualTo(2);
            }
            assertThat(
                            AcceptanceRule.verify(
                                            excluded,
                                            List.of(TokenDistribution.certain(0), p),
                                            seed,
                                            5)
                                    .accepted())
                    .isZero();
        }
    }

    @Test
    void theOutcomeIsAFunctionOfTheInputsAlone() {
        TokenDistribution q = TokenDistribution.of(new int[] {0, 1, 2}, new float[] {1, 1, 1});
        TokenDistribution p = TokenDistribution.of(new int[] {0, 1, 2}, new float[] {3, 1, 1});
        DraftProposal draft = new DraftProposal(new int[] {1, 2}, List.of(q, q));

        for (long seed = 0; seed < 50; seed++) {
            assertThat(AcceptanceRule.verify(draft, List.of(p, p, p), seed, 4))
                    .isEqualTo(AcceptanceRule.verify(draft, List.of(p, p, p), seed, 4));
        }
    }

    @Test
    void rejectsInconsistentInputs() {
        assertThatThrownBy(
                        () ->
                                AcceptanceRule.verify(
                                        DraftProposal.greedy(new int[] {1, 2}),
                                        certain(1, 2),
                                        0,
                                        0))
                .hasMessageContaining("2 drafted tokens need 3 target distributions, got 2");
        assertThatThrownBy(
                        () ->
                                new DraftProposal(
                                        new int[] {3}, List.of(TokenDistribution.certain(2))))
                .hasMessageContaining("drafted token 3 has probability 0");
        assertThatThrownBy(() -> new Verification(2, 3, 0)).hasMessageContaining("[0, 2]");
    }

    private static List<TokenDistribution> certain(int... tokens) {
        return Arrays.stream(tokens).mapToObj(TokenDistribution::certain).toList();
    }
}
