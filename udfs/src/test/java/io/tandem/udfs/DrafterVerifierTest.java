package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.tandem.model.CausalLm;
import io.tandem.model.SamplingConfig;
import io.tandem.model.internal.RandomGpt2;
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.TokenDistribution;
import io.tandem.speculative.Verification;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two functions the job calls, on tiny random models: what travels between them. */
class DrafterVerifierTest {

    @TempDir static Path root;

    private static CausalLm draftModel;
    private static CausalLm targetModel;

    @BeforeAll
    static void load() throws Exception {
        draftModel =
                CausalLm.load(
                        RandomGpt2.writeModel(
                                root.resolve("draft"), RandomGpt2.BYTE_LEVEL_CONFIG, 7));
        targetModel =
                CausalLm.load(
                        RandomGpt2.writeModel(
                                root.resolve("target"), RandomGpt2.BYTE_LEVEL_CONFIG, 5));
    }

    @AfterAll
    static void close() {
        draftModel.close();
        targetModel.close();
    }

    @Test
    void aDraftSessionThatFellBehindByAPlainRoundDraftsAsAFreshOneWould() throws Exception {
        int[] prompt = {1, 2, 3, 4, 5};
        // after a speculative round, a plain round adds 8 tokens the draft never saw, the first
        // of them unlike the drafts it had cached
        int[] later = {1, 2, 3, 4, 5, 40, 41, 42, 43, 44, 45, 46, 47};
        try (Drafter behind = new Drafter(draftModel, SpeculativeGeneratorTest.LIMITS);
                Drafter fresh = new Drafter(draftModel, SpeculativeGeneratorTest.LIMITS)) {
            behind.draft(List.of(new SequenceRound("r", prompt, 5, SamplingConfig.greedy(), 4)));

            int[] caughtUp =
                    behind.draft(
                                    List.of(
                                            new SequenceRound(
                                                    "r", later, 5, SamplingConfig.greedy(), 4)))
                            .get(0)
                            .tokens();
            int[] fromScratch =
                    fresh.draft(
                                    List.of(
                                            new SequenceRound(
                                                    "r", later, 5, SamplingConfig.greedy(), 4)))
                            .get(0)
                            .tokens();

            assertThat(caughtUp).containsExactly(fromScratch);
        }
    }

    @Test
    void greedyProposalsCarryTokensOnlyAndSampledOnesEveryDraftDistribution() throws Exception {
        SequenceRound greedy =
                new SequenceRound("g", new int[] {1, 2, 3}, 3, SamplingConfig.greedy(), 3);
        SequenceRound sampled =
                new SequenceRound("s", new int[] {4, 5}, 1, new SamplingConfig(1.2, 0.9, 8), 2);
        SequenceRound none = new SequenceRound("n", new int[] {6}, 1, SamplingConfig.greedy(), 0);
        try (Drafter drafter = new Drafter(draftModel, SpeculativeGeneratorTest.LIMITS)) {
            List<DraftProposal> drafts = drafter.draft(List.of(greedy, sampled, none));

            assertThat(drafts.get(0).length()).isEqualTo(3);
            assertThat(drafts.get(0).distributions()).isEmpty();
            assertThat(drafts.get(1).length()).isEqualTo(2);
            assertThat(drafts.get(1).distributions()).hasSize(2);
            for (int i = 0; i < 2; i++) {
                TokenDistribution q = drafts.get(1).distribution(i);
                assertThat(q.probability(drafts.get(1).token(i))).isPositive();
                assertThat(q.size()).isLessThan(257); // top-p 0.9 cuts the tail
            }
            assertThat(drafts.get(2).length()).isZero();
            // the same round drafts the same tokens alone, from the same distributions up to
            // float rounding (the batch shapes the engine's summation order)
            DraftProposal alone = drafter.draft(List.of(sampled)).get(0);
            assertThat(alone.tokens()).isEqualTo(drafts.get(1).tokens());
            for (int i = 0; i < 2; i++) {
                TokenDistribution q = drafts.get(1).distribution(i);
                assertThat(alone.distribution(i).tokens()).isEqualTo(q.tokens());
                for (int token : q.tokens()) {
                    assertThat(alone.distribution(i).probability(token))
                            .isCloseTo(q.probability(token), offset(1e-6));
                }
            }
        }
    }

    @Test
    void verifiesEverySequenceWithOneTargetPass() throws Exception {
        SequenceRound round =
                new SequenceRound("g", new int[] {1, 2, 3}, 3, SamplingConfig.greedy(), 3);
        try (Verifier verifier = new Verifier(targetModel, SpeculativeGeneratorTest.LIMITS)) {
            Verification verification =
                    verifier.verify(
                                    List.of(round),
                                    List.of(DraftProposal.greedy(new int[] {7, 8, 9})))
                            .get(0);

            assertThat(verification.drafted()).isEqualTo(3);
            assertThat(verifier.sessionStats().sessions()).isEqualTo(1);
            assertThat(verifier.finish("g")).isTrue();
            assertThatThrownBy(() -> verifier.verify(List.of(round), List.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1 sequences need as many drafts, got 0");
        }
    }
}
