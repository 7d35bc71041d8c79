package io.tandem.planner.network;

/**
 * Shares the uplink band among users so that their inputs arrive soonest (docs/planner.md,
 * "Bandwidth allocation"), under two rate models:
 *
 * <ul>
 *   <li>M1, rate linear in the share: {@code r_k = b_k·W·e_k}, so user k's upload takes {@code a_k
 *       / b_k} with {@code a_k = D_k / (W·e_k)} its demand at the full band;
 *   <li>M2, noise only in the allocated band: {@code r_k = b_k·W·log2(1 + γ_k / b_k)}.
 * </ul>
 *
 * Both minimise the upload makespan subject to Σ b_k ≤ 1; uniform shares are the benchmark.
 * Stateless.
 */
public final class BandwidthAllocator {

    private static final double LN2 = Math.log(2);

    private BandwidthAllocator() {}

    /**
     * M1 optimum: {@code b_k = a_k / Σa}, everyone finishes at {@code T = Σa}. Any earlier finisher
     * could hand bandwidth to the last one, so at the optimum all finish together, and Σ b_k = 1
     * fixes T.
     *
     * @param demandSeconds a_k per user, {@code >= 0}
     */
    public static BandwidthAllocation proportional(double[] demandSeconds) {
        requireNonNegative(demandSeconds, "demand seconds");
        double total = 0;
        for (double a : demandSeconds) {
            total += a;
        }
        int users = demandSeconds.length;
        double[] shares = new double[users];
        double[] seconds = new double[users];
        for (int k = 0; k < users; k++) {
            if (demandSeconds[k] > 0) {
                shares[k] = demandSeconds[k] / total;
                seconds[k] = total;
            }
        }
        return new BandwidthAllocation(shares, seconds, total);
    }

    /**
     * M1 benchmark: {@code b_k = 1/K}, so user k takes {@code K·a_k}.
     *
     * @param demandSeconds a_k per user, {@code >= 0}
     */
    public static BandwidthAllocation uniform(double[] demandSeconds) {
        requireNonNegative(demandSeconds, "demand seconds");
        int users = demandSeconds.length;
        double[] shares = new double[users];
        double[] seconds = new double[users];
        double makespan = 0;
        for (int k = 0; k < users; k++) {
            shares[k] = 1.0 / users;
            seconds[k] = users * demandSeconds[k];
            makespan = Math.max(makespan, seconds[k]);
        }
        return new BandwidthAllocation(shares, seconds, makespan);
    }

    /**
     * M2 optimum. For a deadline T, user k needs the share {@code b_k(T) = γ_k / (z_k − 1)} with
     * {@code z_k = −W_{−1}(−u_k·e^(−u_k)) / u_k} and {@code u_k = D_k·ln2 / (W·T·γ_k)}; when {@code
     * u_k >= 1} no share suffices (the rate tends to {@code W·γ_k / ln2} as b grows), and {@code
     * b_k} counts as infinite. Every {@code b_k(T)} falls with T, so the T with Σ b_k = 1 is found
     * by bisection, between the largest {@code D_k·ln2 / (W·γ_k)} (some {@code b_k} infinite) and
     * the M1 optimum with {@code e_k = log2(1 + γ_k)} (feasible, because a share below 1 sees less
     * noise than the full band).
     *
     * @param bits D_k per user, {@code >= 0}
     * @param snrFullBand γ_k per user, {@code > 0} ({@link Uplink#snrFullBand})
     * @param bandwidthHz W, {@code > 0}
     */
    public static BandwidthAllocation shannon(
            double[] bits, double[] snrFullBand, double bandwidthHz) {
        requireShannonInputs(bits, snrFullBand, bandwidthHz);
        int users = bits.length;
        double infeasible = 0;
        double feasible = 0;
        for (int k = 0; k < users; k++) {
            infeasible = Math.max(infeasible, bits[k] * LN2 / (bandwidthHz * snrFullBand[k]));
            feasible += bits[k] / (bandwidthHz * log2(1 + snrFullBand[k]));
        }
        if (feasible == 0) {
            return new BandwidthAllocation(new double[users], new double[users], 0);
        }
        for (int i = 0; i < 200 && feasible - infeasible > 1e-15 * feasible; i++) {
            double mid = 0.5 * (infeasible + feasible);
            if (totalShare(bits, snrFullBand, bandwidthHz, mid) > 1) {
                infeasible = mid;
            } else {
                feasible = mid;
            }
        }
        // the feasible end of the bracket, so the shares never sum above 1
        double[] shares = new double[users];
        double[] seconds = new double[users];
        double makespan = 0;
        for (int k = 0; k < users; k++) {
            shares[k] = share(bits[k], snrFullBand[k], bandwidthHz, feasible);
            seconds[k] = shannonSeconds(bits[k], snrFullBand[k], bandwidthHz, shares[k]);
            makespan = Math.max(makespan, seconds[k]);
        }
        return new BandwidthAllocation(shares, seconds, makespan);
    }

    /**
     * M2 benchmark: {@code b_k = 1/K}, so user k sends at {@code (W/K)·log2(1 + K·γ_k)}.
     *
     * @param bits D_k per user, {@code >= 0}
     * @param snrFullBand γ_k per user, {@code > 0}
     * @param bandwidthHz W, {@code > 0}
     */
    public static BandwidthAllocation uniformShannon(
            double[] bits, double[] snrFullBand, double bandwidthHz) {
        requireShannonInputs(bits, snrFullBand, bandwidthHz);
        int users = bits.length;
        double[] shares = new double[users];
        double[] seconds = new double[users];
        double makespan = 0;
        for (int k = 0; k < users; k++) {
            shares[k] = 1.0 / users;
            seconds[k] = shannonSeconds(bits[k], snrFullBand[k], bandwidthHz, shares[k]);
            makespan = Math.max(makespan, seconds[k]);
        }
        return new BandwidthAllocation(shares, seconds, makespan);
    }

    /**
     * M1 with batches that start drafting as soon as all their inputs are in: the whole band goes
     * to batch 1, then batch 2, and so on, split inside a batch as {@link #proportional} does.
     * Finishing batches 1…m needs their total demand of band-time whatever the schedule, so {@code
     * U_m = Σ_{m' <= m} Σ_{k in batch m'} a_k} is the earliest possible for every m at once.
     *
     * @param demandSeconds a_k per user, {@code >= 0}
     * @param batches the users of each batch, in upload order; every user in exactly one batch
     */
    public static BatchUploadSchedule batchSequential(double[] demandSeconds, int[][] batches) {
        requireNonNegative(demandSeconds, "demand seconds");
        requirePartition(batches, demandSeconds.length);
        double[] batchFinish = new double[batches.length];
        double[] userFinish = new double[demandSeconds.length];
        double[] shares = new double[demandSeconds.length];
        double clock = 0;
        for (int m = 0; m < batches.length; m++) {
            double batchDemand = 0;
            for (int k : batches[m]) {
                batchDemand += demandSeconds[k];
            }
            clock += batchDemand;
            batchFinish[m] = clock;
            for (int k : batches[m]) {
                shares[k] = batchDemand > 0 ? demandSeconds[k] / batchDemand : 0;
                userFinish[k] = clock;
            }
        }
        return new BatchUploadSchedule(batchFinish, userFinish, shares);
    }

    private static double totalShare(double[] bits, double[] snr, double bandwidthHz, double t) {
        double total = 0;
        for (int k = 0; k < bits.length; k++) {
            total += share(bits[k], snr[k], bandwidthHz, t);
        }
        return total;
    }

    /** The least share with which {@code bits} go through in {@code t} seconds, under M2. */
    private static double share(double bits, double snr, double bandwidthHz, double t) {
        if (bits == 0) {
            return 0;
        }
        double u = bits * LN2 / (bandwidthHz * t * snr);
        if (u >= 1) {
            return Double.POSITIVE_INFINITY;
        }
        double z = -LambertW.minusOne(-u * Math.exp(-u)) / u;
        return snr / (z - 1);
    }

    private static double shannonSeconds(
            double bits, double snr, double bandwidthHz, double share) {
        if (bits == 0) {
            return 0;
        }
        return bits / (share * bandwidthHz * log2(1 + snr / share));
    }

    private static double log2(double x) {
        return Math.log(x) / LN2;
    }

    private static void requireShannonInputs(double[] bits, double[] snr, double bandwidthHz) {
        requireNonNegative(bits, "bits");
        if (bits.length != snr.length) {
            throw new IllegalArgumentException(
                    "one SNR per user, got " + bits.length + " users and " + snr.length + " SNRs");
        }
        for (int k = 0; k < snr.length; k++) {
            if (!(snr[k] > 0) || snr[k] == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException(
                        "user " + k + " needs a finite SNR > 0, got " + snr[k]);
            }
        }
        if (!(bandwidthHz > 0)) {
            throw new IllegalArgumentException("bandwidth must be > 0 Hz, got " + bandwidthHz);
        }
    }

    private static void requireNonNegative(double[] values, String what) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no users: " + what + " is empty");
        }
        for (int k = 0; k < values.length; k++) {
            if (!(values[k] >= 0) || values[k] == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException(
                        "user " + k + " needs finite " + what + " >= 0, got " + values[k]);
            }
        }
    }

    private static void requirePartition(int[][] batches, int users) {
        boolean[] seen = new boolean[users];
        int count = 0;
        for (int m = 0; m < batches.length; m++) {
            for (int k : batches[m]) {
                if (k < 0 || k >= users || seen[k]) {
                    throw new IllegalArgumentException(
                            "batch "
                                    + m
                                    + " names user "
                                    + k
                                    + ", which is out of range [0, "
                                    + users
                                    + ") or already in an earlier batch");
                }
                seen[k] = true;
                count++;
            }
        }
        if (count != users) {
            throw new IllegalArgumentException(
                    "batches must hold every user once; " + (users - count) + " are missing");
        }
    }
}
