package io.tandem.planner.pipeline;

import java.util.Arrays;

/**
 * When each round of each batch of an evaluated schedule finished its verification, batches in the
 * order they were given. A batch completes with its last round; a request that needs fewer rounds
 * than its batch completes earlier, at {@link #verifyEnd(int, int)} of its own last round.
 * Immutable.
 */
public final class PipelineTimeline {

    private final double[][] verifyEnds;

    PipelineTimeline(double[][] verifyEnds) {
        if (verifyEnds.length == 0) {
            throw new IllegalArgumentException("a timeline needs at least one batch");
        }
        this.verifyEnds = new double[verifyEnds.length][];
        for (int m = 0; m < verifyEnds.length; m++) {
            this.verifyEnds[m] = verifyEnds[m].clone();
        }
    }

    public int batchCount() {
        return verifyEnds.length;
    }

    /** Seconds at which batch {@code batch}'s round {@code round} (both 0-based) was verified. */
    public double verifyEnd(int batch, int round) {
        return verifyEnds[batch][round];
    }

    /** Completion time of batch {@code batch}, 0-based: the end of its last verification. */
    public double completion(int batch) {
        double[] ends = verifyEnds[batch];
        return ends[ends.length - 1];
    }

    /** Completion time of every batch, in the order the batches were given. */
    public double[] completionSeconds() {
        double[] completions = new double[verifyEnds.length];
        for (int m = 0; m < completions.length; m++) {
            completions[m] = completion(m);
        }
        return completions;
    }

    /** The time by which every batch is done: the makespan objective. */
    public double makespan() {
        double max = 0;
        for (int m = 0; m < verifyEnds.length; m++) {
            max = Math.max(max, completion(m));
        }
        return max;
    }

    /**
     * The sum of the batches' completion times. Weight it by batch sizes yourself for a per-request
     * sum latency.
     */
    public double sumOfCompletions() {
        double sum = 0;
        for (int m = 0; m < verifyEnds.length; m++) {
            sum += completion(m);
        }
        return sum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PipelineTimeline other
                && Arrays.deepEquals(verifyEnds, other.verifyEnds);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(verifyEnds);
    }

    @Override
    public String toString() {
        return "PipelineTimeline[verifyEnds=" + Arrays.deepToString(verifyEnds) + "]";
    }
}
