package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.FinishReason;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.Verification;
import org.junit.jupiter.api.Test;

class SequenceProgressTest {

    private static final int EOS = 99;
    private static final GenerationRequest REQUEST =
            new GenerationRequest("r", new int[] {1, 2}, 6, new SamplingConfig(0.9, 1, 4));

    @Test
    void appendsTheAcceptedDraftsAndTheNextToken() {
        SequenceProgress progress =
                SequenceProgress.start(REQUEST, EOS)
                        .advance(draft(10, 11, 12), new Verification(3, 2, 20));

        assertThat(progress.generatedCount()).isEqualTo(3);
        assertThat(progress.finished()).isFalse();
        SequenceRound round = progress.round(2);
        assertThat(round.tokens()).containsExactly(1, 2, 10, 11, 20);
        assertThat(round.promptLength()).isEqualTo(2);
        assertThat(round.sampling()).isEqualTo(REQUEST.sampling());
        assertThat(round.speculationLength()).isEqualTo(2);
    }

    @Test
    void capsTheSpeculationLengthSoARoundNeverOvershootsTheLimit() {
        SequenceProgress progress =
                SequenceProgress.start(REQUEST, EOS)
                        .advance(draft(10, 11, 12), new Verification(3, 3, 13));

        assertThat(progress.round(5).speculationLength()).isEqualTo(1); // 2 tokens left
        SequenceProgress last = progress.advance(draft(14), new Verification(1, 0, 15));
        assertThat(last.round(5).speculationLength()).isZero();
    }

    @Test
    void stopsAtTheLengthLimit() {
        SequenceProgress progress =
                SequenceProgress.start(REQUEST, EOS)
                        .advance(draft(10, 11, 12, 13), new Verification(4, 4, 14))
                        .advance(draft(15, 16), new Verification(2, 2, 17));

        assertThat(progress.generation())
                .isEqualTo(
                        new Generation(
                                "r", new int[] {10, 11, 12, 13, 14, 15}, FinishReason.LENGTH));
        assertThatThrownBy(() -> progress.round(1)).hasMessageContaining("already finished");
    }

    @Test
    void stopsAtTheEndOfSequenceTokenWithoutEmittingIt() {
        SequenceProgress drafted =
                SequenceProgress.start(REQUEST, EOS)
                        .advance(draft(10, EOS, 12), new Verification(3, 3, 13));
        SequenceProgress corrected =
                SequenceProgress.start(REQUEST, EOS)
                        .advance(draft(10, 11), new Verification(2, 1, EOS));

        assertThat(drafted.generation())
                .isEqualTo(new Generation("r", new int[] {10}, FinishReason.EOS));
        assertThat(corrected.generation())
                .isEqualTo(new Generation("r", new int[] {10}, FinishReason.EOS));
    }

    @Test
    void hasNoGenerationBeforeItFinishes() {
        assertThatThrownBy(() -> SequenceProgress.start(REQUEST, EOS).generation())
                .hasMessageContaining("request r has not finished");
    }

    private static DraftProposal draft(int... tokens) {
        return DraftProposal.greedy(tokens);
    }
}
