package io.tandem.cli.bench;

import io.tandem.planner.stats.Percentiles;
import java.util.Arrays;
import java.util.Map;

/**
 * One phase of {@code ./tandem bench scale}: a cluster size, a mode, an offered rate, and what came
 * back. Immutable.
 *
 * @param verifyTaskManagers verify TaskManagers (as many draft ones beside them)
 * @param mode the serving mode
 * @param half whether this is the phase at half the sustainable rate, after the rising ones
 * @param rate offered requests per second
 * @param requests requests sent
 * @param latenciesMs scheduled send to result read, per answered request
 * @param throughput answered requests per second, first send to last result
 * @param lost requests without a result
 * @param duplicated results beyond the first for a request
 * @param wrongOutputs answered requests whose tokens differ from the emulated target's
 * @param overheadPerTripMs per answered request, its loop overhead per trip round the loop
 * @param cpuUtilization the machine's busy share of its cores during the phase
 * @param predictedMs per answered request planned by the planner (mode sd), its window's predicted
 *     mean latency from the window's close
 * @param fromCloseMs for the same requests, the measured latency from the window's close
 * @param meanPartsMs where the answered requests' time went on average: queueing, batching,
 *     admission, draft, verify, loop (outside the models), delivery
 * @param trips trips round the loop the answered requests made together
 * @param spanMs first scheduled send to last result
 */
record ScalePhase(
        int verifyTaskManagers,
        String mode,
        boolean half,
        double rate,
        int requests,
        double[] latenciesMs,
        double throughput,
        int lost,
        int duplicated,
        int wrongOutputs,
        double[] overheadPerTripMs,
        double cpuUtilization,
        double[] predictedMs,
        double[] fromCloseMs,
        Map<String, Double> meanPartsMs,
        long trips,
        double spanMs) {

    /**
     * CPU time of the whole machine per trip round the loop, ms: what a trip costs in processes,
     * serialisation and networking when the stages themselves compute nothing.
     */
    double cpuMsPerTrip(int cores) {
        return trips == 0 ? Double.NaN : cpuUtilization * cores * spanMs / trips;
    }

    double p50() {
        return Percentiles.of(latenciesMs, 0.5);
    }

    double p99() {
        return Percentiles.of(latenciesMs, 0.99);
    }

    /**
     * The planner's mean predicted latency from window close over the measured one; NaN if none.
     */
    double predictedOverMeasured() {
        if (predictedMs.length == 0) {
            return Double.NaN;
        }
        double predicted = Arrays.stream(predictedMs).average().orElseThrow();
        return predicted / Arrays.stream(fromCloseMs).average().orElseThrow();
    }

    double overheadP50() {
        return Percentiles.median(overheadPerTripMs);
    }

    /** Every request answered once, with p99 within the SLO. */
    boolean sustains(double sloP99Ms) {
        return lost == 0 && latenciesMs.length > 0 && p99() <= sloP99Ms;
    }
}
