package io.tandem.planner.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed vectors (docs/planner.md, "Worked examples"): W = 1 MHz, D = [1e4, 2e4, 1.5e4] bit,
 * SNR = [3, 15, 1].
 */
class BandwidthAllocatorTest {

    private static final double W = 1e6;
    private static final double[] BITS = {1e4, 2e4, 1.5e4};
    private static final double[] SNR = {3, 15, 1};
    private static final double[] DEMAND = {5e-3, 5e-3, 15e-3};
    private static final long SEED = 4242L;

    @Test
    void proportionalSharesMatchTheM1Vector() {
        BandwidthAllocation best = BandwidthAllocator.proportional(DEMAND);

        assertThat(best.shares()).containsExactly(new double[] {0.2, 0.2, 0.6}, within(1e-15));
        assertThat(best.makespan()).isCloseTo(25e-3, within(1e-15));
        assertThat(best.uploadSeconds())
                .containsExactly(new double[] {25e-3, 25e-3, 25e-3}, within(1e-15));
    }

    @Test
    void uniformSharesTakeFortyFiveMillisecondsOnTheM1Vector() {
        BandwidthAllocation uniform = BandwidthAllocator.uniform(DEMAND);

        assertThat(uniform.makespan()).isCloseTo(45e-3, within(1e-15));
        assertThat(1 - BandwidthAllocator.proportional(DEMAND).makespan() / uniform.makespan())
                .isCloseTo(0.444, within(1e-3));
    }

    @Test
    void proportionalGivesNothingToUsersWithNothingToSend() {
        BandwidthAllocation best = BandwidthAllocator.proportional(new double[] {0, 2, 0});

        assertThat(best.shares()).containsExactly(0, 1, 0);
        assertThat(best.uploadSeconds()).containsExactly(0, 2, 0);
    }

    @Test
    void shannonAllocationMatchesTheM2Vector() {
        BandwidthAllocation best = BandwidthAllocator.shannon(BITS, SNR, W);

        assertThat(best.makespan()).isCloseTo(16.869e-3, within(1e-6));
        assertThat(best.shares())
                .containsExactly(new double[] {0.1288, 0.1869, 0.6843}, within(5e-5));
        assertThat(sum(best.shares())).isLessThanOrEqualTo(1).isCloseTo(1, within(1e-12));
        assertThat(best.uploadSeconds())
                .containsExactly(
                        new double[] {best.makespan(), best.makespan(), best.makespan()},
                        within(1e-12));
    }

    @Test
    void lambertSharesAgreeWithBisectionOnTheRateEquation() {
        BandwidthAllocation best = BandwidthAllocator.shannon(BITS, SNR, W);
        double[] shares = best.shares();
        for (int k = 0; k < BITS.length; k++) {
            assertThat(shares[k])
                    .as("user %d", k)
                    .isCloseTo(shareByBisection(BITS[k], SNR[k], best.makespan()), within(1e-9));
        }
    }

    @Test
    void shannonAllocationBeatsUniformAndM1ProportionalSharesOnRandomUsers() {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int trial = 0; trial < 100; trial++) {
            int users = random.nextInt(1, 12);
            double[] bits = new double[users];
            double[] snr = new double[users];
            double[] demand = new double[users];
            for (int k = 0; k < users; k++) {
                bits[k] = 32 * random.nextInt(32, 513);
                snr[k] = Math.pow(10, random.nextDouble(-1, 4));
                demand[k] = bits[k] / (W * Math.log1p(snr[k]) / Math.log(2));
            }

            double best = BandwidthAllocator.shannon(bits, snr, W).makespan();

            assertThat(best)
                    .as("trial %d, seed %d", trial, SEED)
                    .isLessThanOrEqualTo(
                            BandwidthAllocator.uniformShannon(bits, snr, W).makespan()
                                    * (1 + 1e-12))
                    .isLessThanOrEqualTo(
                            BandwidthAllocator.proportional(demand).makespan() * (1 + 1e-12));
        }
    }

    @Test
    void aLoneUserGetsTheWholeBand() {
        BandwidthAllocation alone =
                BandwidthAllocator.shannon(new double[] {1e4}, new double[] {3}, W);

        assertThat(alone.shares()[0]).isCloseTo(1, within(1e-12));
        assertThat(alone.makespan()).isCloseTo(5e-3, within(1e-12));
    }

    @Test
    void usersBeyondAnyShareAtShortDeadlinesDoNotBreakTheSearch() {
        // user 1's u exceeds 1 for every T below 1.4 ms: its share is infinite there
        double[] bits = {1e3, 1e5};
        double[] snr = {1000, 50};

        BandwidthAllocation best = BandwidthAllocator.shannon(bits, snr, W);

        assertThat(sum(best.shares())).isCloseTo(1, within(1e-12));
        assertThat(best.uploadSeconds()[0]).isCloseTo(best.uploadSeconds()[1], within(1e-12));
    }

    @Test
    void uniformShannonGivesEveryoneAThirdOfTheBand() {
        BandwidthAllocation uniform = BandwidthAllocator.uniformShannon(BITS, SNR, W);

        assertThat(uniform.shares()).containsExactly(1.0 / 3, 1.0 / 3, 1.0 / 3);
        assertThat(uniform.uploadSeconds()[2])
                .isCloseTo(1.5e4 / (W / 3 * Math.log(4) / Math.log(2)), within(1e-15));
        assertThat(BandwidthAllocator.shannon(BITS, SNR, W).makespan())
                .isLessThan(uniform.makespan());
    }

    @Test
    void batchSequentialUploadFinishesEachBatchAtItsCumulativeDemand() {
        BatchUploadSchedule schedule =
                BandwidthAllocator.batchSequential(DEMAND, new int[][] {{2}, {0, 1}});

        assertThat(schedule.batchFinishSeconds())
                .containsExactly(new double[] {15e-3, 25e-3}, within(1e-15));
        assertThat(schedule.userFinishSeconds())
                .containsExactly(new double[] {25e-3, 25e-3, 15e-3}, within(1e-15));
        assertThat(schedule.shares()).containsExactly(0.5, 0.5, 1.0);
    }

    @Test
    void batchSequentialNeedsEveryUserExactlyOnce() {
        assertThatThrownBy(() -> BandwidthAllocator.batchSequential(DEMAND, new int[][] {{0, 1}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 are missing");
        assertThatThrownBy(
                        () ->
                                BandwidthAllocator.batchSequential(
                                        DEMAND, new int[][] {{0, 1}, {1, 2}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user 1");
        assertThatThrownBy(
                        () -> BandwidthAllocator.batchSequential(DEMAND, new int[][] {{0, 1, 3}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range");
    }

    @Test
    void rejectsMalformedInputs() {
        assertThatThrownBy(() -> BandwidthAllocator.proportional(new double[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no users");
        assertThatThrownBy(() -> BandwidthAllocator.uniform(new double[] {1, -1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user 1");
        assertThatThrownBy(() -> BandwidthAllocator.shannon(BITS, new double[] {1, 2}, W))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one SNR per user");
        assertThatThrownBy(() -> BandwidthAllocator.shannon(BITS, new double[] {1, 0, 2}, W))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BandwidthAllocation(new double[] {0.7, 0.7}, new double[2], 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 1");
    }

    @Test
    void allocationsAreValuesWithCopiedArrays() {
        double[] shares = {0.5, 0.5};
        BandwidthAllocation allocation = new BandwidthAllocation(shares, new double[] {1, 2}, 2);
        shares[0] = 0;
        allocation.shares()[1] = 0;

        assertThat(allocation)
                .isEqualTo(new BandwidthAllocation(new double[] {0.5, 0.5}, new double[] {1, 2}, 2))
                .hasSameHashCodeAs(
                        new BandwidthAllocation(new double[] {0.5, 0.5}, new double[] {1, 2}, 2));
        assertThat(allocation.toString()).contains("[0.5, 0.5]");
    }

    /** The least share b with b·W·log2(1 + γ/b)·t >= bits, by bisection on b alone. */
    private static double shareByBisection(double bits, double snr, double t) {
        double low = 0;
        double high = 1;
        for (int i = 0; i < 200; i++) {
            double mid = 0.5 * (low + high);
            if (mid * W * Math.log1p(snr / mid) / Math.log(2) * t >= bits) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return high;
    }

    private static double sum(double[] values) {
        double total = 0;
        for (double v : values) {
            total += v;
        }
        return total;
    }
}
