package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PaddedBatchTest {

    private static final float M = TransformerNetwork.MASKED;

    private final int[][] prompts = {{7, 8, 9}, {5}};
    private final PaddedBatch batch = PaddedBatch.of(new int[] {3, 1});

    @Test
    void leftPadsPromptsToTheLongest() {
        assertThat(batch.columns()).isEqualTo(3);
        assertThat(batch.prefillTokens(prompts)).containsExactly(7, 8, 9, 0, 0, 5);
        assertThat(batch.prefillPositions()).containsExactly(0, 1, 2, 0, 0, 0);
    }

    @Test
    void prefillBiasIsCausalAndHidesPadding() {
        float[][] expected = {
            // row 0: queries 0..2 over keys 0..2
            {0, M, M}, {0, 0, M}, {0, 0, 0},
            // row 1: the two padding queries see nothing, the real token sees itself
            {M, M, M}, {M, M, M}, {M, M, 0}
        };

        assertThat(batch.prefillBias()).containsExactly(flatten(expected));
    }

    @Test
    void decodeStepsContinuePositionsAndKeepHidingPadding() {
        batch.appendColumn();

        assertThat(batch.lastPositions()).containsExactly(3, 1);
        assertThat(batch.lastBias()).containsExactly(0, 0, 0, 0, M, M, 0, 0);
    }

    @Test
    void keepsTheLayoutOfRemainingRows() {
        batch.appendColumn();
        batch.keepRows(new int[] {1});

        assertThat(batch.rows()).isEqualTo(1);
        assertThat(batch.lastPositions()).containsExactly(1);
        assertThat(batch.lastBias()).containsExactly(M, M, 0, 0);
    }

    private static float[] flatten(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
        }
        return flat;
    }
}
