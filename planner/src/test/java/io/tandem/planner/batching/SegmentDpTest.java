package io.tandem.planner.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SegmentDpTest {

    @Test
    void matchesBruteForceOverEveryPartitionForBothObjectives() {
        SplittableRandom random = new SplittableRandom(3);
        for (int instance = 0; instance < 300; instance++) {
            int k = 1 + random.nextInt(10);
            double[][] cost = new double[k + 1][k + 1];
            for (int j = 0; j < k; j++) {
                for (int end = j + 1; end <= k; end++) {
                    // integer levels make exact ties, so the tie rule is exercised too
                    cost[j][end] = instance % 2 == 0 ? random.nextDouble() : random.nextInt(4);
                }
            }
            for (boolean sum : new boolean[] {false, true}) {
                int[] cuts = SegmentDp.cuts(k, (from, to) -> cost[from][to], sum);

                double best = Double.POSITIVE_INFINITY;
                int fewest = Integer.MAX_VALUE;
                for (int mask = 0; mask < 1 << (k - 1); mask++) {
                    int[] candidate = cutsOf(mask, k);
                    double value = value(candidate, cost, k, sum);
                    int order = Ties.compare(value, best);
                    if (order < 0 || order == 0 && candidate.length - 1 < fewest) {
                        best = value;
                        fewest = candidate.length - 1;
                    }
                }
                assertThat(value(cuts, cost, k, sum)).isCloseTo(best, within(1e-9));
                assertThat(cuts.length - 1).as("batches on ties").isEqualTo(fewest);
            }
        }
    }

    @Test
    void sumOfCompletionsSplitsWhereTheMakespanWouldNot() {
        // one batch of 4 costs 4; two of 2 cost 2.5 each: the makespan prefers one batch (4 < 5),
        // the summed completion two (2 · 2.5 + 2 · 5 = 15 < 4 · 4 = 16)
        SegmentDp.SegmentCost cost = (from, to) -> to - from == 4 ? 4 : to - from == 2 ? 2.5 : 100;

        assertThat(SegmentDp.cuts(4, cost, false)).containsExactly(0, 4);
        assertThat(SegmentDp.cuts(4, cost, true)).containsExactly(0, 2, 4);
    }

    @Test
    void refusesWhenEveryPartitionIsForbidden() {
        assertThatThrownBy(() -> SegmentDp.cuts(3, (from, to) -> Double.POSITIVE_INFINITY, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no partition of 3 requests");
    }

    private static int[] cutsOf(int mask, int k) {
        int[] cuts = new int[Integer.bitCount(mask) + 2];
        int next = 1;
        for (int p = 1; p < k; p++) {
            if ((mask & 1 << (p - 1)) != 0) {
                cuts[next++] = p;
            }
        }
        cuts[next] = k;
        return cuts;
    }

    private static double value(int[] cuts, double[][] cost, int k, boolean sum) {
        double value = 0;
        for (int m = 1; m < cuts.length; m++) {
            double seconds = cost[cuts[m - 1]][cuts[m]];
            value += sum ? (k - cuts[m - 1]) * seconds : seconds;
        }
        return value;
    }
}
