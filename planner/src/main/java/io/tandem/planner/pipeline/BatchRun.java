package io.tandem.planner.pipeline;

import java.util.Arrays;

/**
 * One batch as the pipeline sees it: when it may start drafting and how long each of its rounds
 * takes at the draft node (stage A) and at the verify side (stage B: fronthaul, verify pass,
 * return). Batches may run different numbers of rounds. Immutable: the arrays are copied in and
 * out.
 *
 * @param readyAt seconds at which the batch's first draft may start (its upload is done), {@code >=
 *     0}
 * @param draftSeconds stage-A seconds of each round, at least one round, all {@code >= 0}
 * @param verifySeconds stage-B seconds of each round, as many as {@code draftSeconds}, all {@code
 *     >= 0}
 */
public record BatchRun(double readyAt, double[] draftSeconds, double[] verifySeconds) {

    public BatchRun {
        if (!(readyAt >= 0) || Double.isInfinite(readyAt)) {
            throw new IllegalArgumentException("readyAt must be finite and >= 0, got " + readyAt);
        }
        if (draftSeconds.length == 0 || draftSeconds.length != verifySeconds.length) {
            throw new IllegalArgumentException(
                    "a batch needs at least one round and one verify time per draft time, got "
                            + draftSeconds.length
                            + " draft and "
                            + verifySeconds.length
                            + " verify times");
        }
        draftSeconds = checkedCopy(draftSeconds, "draft");
        verifySeconds = checkedCopy(verifySeconds, "verify");
    }

    /**
     * A batch whose rounds all cost the same except the first, which also prefills the prompts: the
     * shape the planner's steady-state stage costs describe.
     */
    public static BatchRun steady(
            double readyAt,
            int rounds,
            double draftRound,
            double verifyRound,
            double draftPrefill,
            double verifyPrefill) {
        if (rounds < 1) {
            throw new IllegalArgumentException("a batch runs at least one round, got " + rounds);
        }
        double[] draft = new double[rounds];
        double[] verify = new double[rounds];
        Arrays.fill(draft, draftRound);
        Arrays.fill(verify, verifyRound);
        draft[0] += draftPrefill;
        verify[0] += verifyPrefill;
        return new BatchRun(readyAt, draft, verify);
    }

    public int rounds() {
        return draftSeconds.length;
    }

    @Override
    public double[] draftSeconds() {
        return draftSeconds.clone();
    }

    @Override
    public double[] verifySeconds() {
        return verifySeconds.clone();
    }

    /** Stage-A seconds of round {@code n}, 0-based; reads without copying. */
    double draft(int n) {
        return draftSeconds[n];
    }

    /** Stage-B seconds of round {@code n}, 0-based; reads without copying. */
    double verify(int n) {
        return verifySeconds[n];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchRun other
                && Double.compare(readyAt, other.readyAt) == 0
                && Arrays.equals(draftSeconds, other.draftSeconds)
                && Arrays.equals(verifySeconds, other.verifySeconds);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Double.hashCode(readyAt) + Arrays.hashCode(draftSeconds))
                + Arrays.hashCode(verifySeconds);
    }

    @Override
    public String toString() {
        return "BatchRun[readyAt="
                + readyAt
                + ", draftSeconds="
                + Arrays.toString(draftSeconds)
                + ", verifySeconds="
                + Arrays.toString(verifySeconds)
                + "]";
    }

    private static double[] checkedCopy(double[] seconds, String stage) {
        for (int n = 0; n < seconds.length; n++) {
            if (!(seconds[n] >= 0) || Double.isInfinite(seconds[n])) {
                throw new IllegalArgumentException(
                        stage
                                + " seconds must be finite and >= 0, got "
                                + seconds[n]
                                + " in round "
                                + n);
            }
        }
        return seconds.clone();
    }
}
