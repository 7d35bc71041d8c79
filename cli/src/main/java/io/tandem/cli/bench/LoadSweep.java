package io.tandem.cli.bench;

import io.tandem.udfs.ServingMode;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * One model pair's sweep in {@code ./tandem bench load}: ad's capacity on the pair, the arrival
 * rates it gives, a run per mode at each rate, and the TPOT SLO that goodput counts against.
 * Immutable.
 *
 * @param pair the pair's name, {@code cpu} or {@code gpu}
 * @param capacity the requests per second ad sustains on the pair, measured or given
 * @param saturation the saturation run that measured the capacity; null when it was given
 * @param factors the arrival rates as multiples of the capacity, ascending
 * @param runs a run per mode of {@link #MODES} at each rate
 * @param tpotSloMs the TPOT a request may take and still count towards goodput, ms
 */
record LoadSweep(
        String pair,
        double capacity,
        PipelineRun saturation,
        double[] factors,
        List<PipelineRun> runs,
        double tpotSloMs) {

    /** The modes each rate runs in; ad first, as the default SLO and every ratio need it. */
    static final List<ServingMode> MODES =
            List.of(ServingMode.AD, ServingMode.SD_FIXED, ServingMode.SD);

    LoadSweep {
        factors = factors.clone();
        runs = List.copyOf(runs);
    }

    @Override
    public double[] factors() {
        return factors.clone();
    }

    /** The arrival rates, requests/s: each of {@code factors} times {@code capacity}. */
    static double[] rates(double capacity, double[] factors) {
        if (!(capacity > 0) || Double.isInfinite(capacity)) {
            throw new IllegalArgumentException("capacity must be > 0 requests/s, got " + capacity);
        }
        return Arrays.stream(factors).map(f -> f * capacity).toArray();
    }

    /**
     * The SLO when none is given: {@code factor} times ad's median TPOT at the lowest rate, the
     * time per token the pair takes when requests barely queue.
     */
    static double defaultTpotSlo(double factor, PipelineRun adAtLowestRate) {
        return factor * adAtLowestRate.tpotP50();
    }

    double[] rates() {
        return rates(capacity, factors);
    }

    /** The run in {@code mode} at the {@code step}-th rate. */
    PipelineRun run(ServingMode mode, int step) {
        double rate = rates()[step];
        return runs.stream()
                .filter(r -> r.mode().equals(mode.label()) && r.rate() == rate)
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        pair + " has no " + mode.label() + " run at " + rate));
    }

    /** {@code figure} of {@code mode}'s run over ad's at the {@code step}-th rate. */
    double vsAd(ServingMode mode, int step, ToDoubleFunction<PipelineRun> figure) {
        return figure.applyAsDouble(run(mode, step))
                / figure.applyAsDouble(run(ServingMode.AD, step));
    }

    /** The largest {@link #vsAd} over the rates: {@code mode}'s worst; NaN if one is missing. */
    double maxVsAd(ServingMode mode, ToDoubleFunction<PipelineRun> figure) {
        return IntStream.range(0, factors.length)
                .mapToDouble(step -> vsAd(mode, step, figure))
                .reduce(Double.NEGATIVE_INFINITY, Math::max);
    }

    /** {@link #vsAd} at {@code factor} times the capacity; NaN when the sweep has no such rate. */
    double vsAdAt(double factor, ServingMode mode, ToDoubleFunction<PipelineRun> figure) {
        return IntStream.range(0, factors.length)
                .filter(step -> factors[step] == factor)
                .mapToDouble(step -> vsAd(mode, step, figure))
                .findFirst()
                .orElse(Double.NaN);
    }

    /** Results per second within the SLO, of a run of this sweep. */
    double goodput(PipelineRun run) {
        return run.goodput(tpotSloMs);
    }

    /** The saturation run (if any), then the runs in the order they ran. */
    Stream<PipelineRun> allRuns() {
        return Stream.concat(Stream.ofNullable(saturation), runs.stream());
    }

    /**
     * Results of any run whose tokens differ from ad's for the same request at the lowest rate; a
     * request ad lost there has nothing to differ from.
     */
    int greedyMismatches() {
        Map<String, List<Integer>> reference =
                run(ServingMode.AD, 0).outcomes().stream()
                        .collect(Collectors.toMap(RequestOutcome::id, RequestOutcome::tokens));
        return (int)
                allRuns()
                        .flatMap(r -> r.outcomes().stream())
                        .filter(
                                o ->
                                        reference.containsKey(o.id())
                                                && !reference.get(o.id()).equals(o.tokens()))
                        .count();
    }
}
