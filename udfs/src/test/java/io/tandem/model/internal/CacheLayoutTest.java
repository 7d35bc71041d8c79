package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CacheLayoutTest {

    private static final float M = TransformerNetwork.MASKED;

    @Test
    void rightAlignsNewTokensSoEveryRowEndsInTheLastColumn() {
        CacheLayout layout = CacheLayout.empty(2);

        CacheLayout.Append append = layout.append(new int[][] {{7, 8, 9}, {5}});

        assertThat(append.seq()).isEqualTo(3);
        assertThat(append.keyColumns()).isEqualTo(3);
        assertThat(append.tokens()).containsExactly(7, 8, 9, 0, 0, 5);
        assertThat(append.positions()).containsExactly(0, 1, 2, 0, 0, 0);
        assertThat(append.bias())
                .containsExactly(
                        flatten(
                                new float[][] {
                                    {0, M, M}, {0, 0, M}, {0, 0, 0}, // row 0: causal
                                    {M, M, M}, {M, M, M}, {M, M, 0} // row 1: padding hidden
                                }));
        assertThat(layout.length(0)).isEqualTo(3);
        assertThat(layout.length(1)).isEqualTo(1);
    }

    @Test
    void rolledBackPositionsBecomeHolesThatLaterQueriesCannotSee() {
        CacheLayout layout = CacheLayout.empty(2);
        layout.append(new int[][] {{1, 2, 3}, {4, 5, 6}});
        layout.truncate(0, 1); // row 0 keeps position 0 only

        CacheLayout.Append append = layout.append(new int[][] {{7, 8}, {9}});

        assertThat(append.positions()).containsExactly(1, 2, 0, 3);
        assertThat(append.bias())
                .containsExactly(
                        flatten(
                                new float[][] {
                                    {0, M, M, 0, M}, {0, M, M, 0, 0}, // row 0
                                    {M, M, M, M, M}, {0, 0, 0, M, 0} // row 1, one new token
                                }));
        assertThat(layout.commonPrefix(0, new int[] {1, 7, 8, 4})).isEqualTo(3);
        assertThat(layout.commonPrefix(1, new int[] {4, 5})).isEqualTo(2);
        assertThat(layout.maxLength()).isEqualTo(4);
    }

    @Test
    void compactionGathersValidColumnsRightAligned() {
        CacheLayout layout = CacheLayout.empty(2);
        layout.append(new int[][] {{1, 2, 3}, {4, 5, 6}});
        layout.truncate(0, 1);
        layout.append(new int[][] {{7}, {8}});

        long[] index = layout.compactionIndex();

        // row 0 holds positions 0 and 1 in columns 0 and 3; row 1 all four columns
        assertThat(index).containsExactly(0, 0, 0, 3, 0, 1, 2, 3);
        assertThat(layout.columns()).isEqualTo(4);
        CacheLayout.Append next = layout.append(new int[][] {{9}, {9}});
        assertThat(next.positions()).containsExactly(2, 4);
        assertThat(next.bias()).containsExactly(M, M, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void selectsAndConcatenatesRowsWithLeftPadding() {
        CacheLayout wide = CacheLayout.empty(2);
        wide.append(new int[][] {{1, 2, 3}, {4}});
        CacheLayout narrow = CacheLayout.empty(1);
        narrow.append(new int[][] {{5}});

        CacheLayout merged = CacheLayout.concatRows(List.of(wide.copyRows(new int[] {1}), narrow));

        assertThat(merged.rows()).isEqualTo(2);
        assertThat(merged.columns()).isEqualTo(3);
        assertThat(merged.commonPrefix(0, new int[] {4})).isEqualTo(1);
        CacheLayout.Append append = merged.append(new int[][] {{6}, {7}});
        assertThat(append.positions()).containsExactly(1, 1);
        assertThat(append.bias()).containsExactly(M, M, 0, 0, M, M, 0, 0);
        assertThat(wide.rows()).isEqualTo(2);
    }

    @Test
    void rejectsImpossibleAppendsAndRollbacks() {
        CacheLayout layout = CacheLayout.empty(1);
        layout.append(new int[][] {{1, 2}});

        assertThatThrownBy(() -> layout.truncate(0, 3)).hasMessageContaining("cannot keep 3");
        assertThatThrownBy(() -> layout.append(new int[][] {{}}))
                .hasMessageContaining("at least one new token");
        assertThatThrownBy(() -> layout.append(new int[][] {{1}, {2}}))
                .hasMessageContaining("need new tokens for 1 rows, got 2");
    }

    private static float[] flatten(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
        }
        return flat;
    }
}
