package io.tandem.cli.bench;

import com.google.gson.JsonObject;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Value;
import io.tandem.planner.stats.Percentiles;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The figures of one run of {@code ./tandem bench pipeline} or {@code bench load}: one path, one
 * mode, one arrival rate. Built from the outcomes of the requests that got a result; lost,
 * duplicated and failed (finish reason ERROR) come from the path. Immutable.
 */
record PipelineRun(
        String path,
        String mode,
        double rate,
        int requests,
        List<RequestOutcome> outcomes,
        int lost,
        int duplicated,
        int errors,
        double maxSendLagMs) {

    static final String PIPELINE = "pipeline";
    static final String IN_PROCESS = "inprocess";

    PipelineRun {
        outcomes = List.copyOf(outcomes);
    }

    double percentile(double q) {
        return Percentiles.of(
                outcomes.stream().mapToDouble(RequestOutcome::latencyMs).toArray(), q);
    }

    double p50() {
        return percentile(0.5);
    }

    double p99() {
        return percentile(0.99);
    }

    /** Results per second from the first scheduled send to the last result. */
    double throughput() {
        return perSecond(outcomes.size());
    }

    /** Generated tokens per second over the same span as {@link #throughput()}. */
    double tokenThroughput() {
        return perSecond(outcomes.stream().mapToLong(o -> o.tokens().size()).sum());
    }

    /** {@code count} per second from the first scheduled send to the last result. */
    private double perSecond(long count) {
        double span = outcomes.stream().mapToDouble(RequestOutcome::doneMs).max().orElse(0);
        return span <= 0 ? Double.NaN : count * 1000 / span;
    }

    /**
     * The median over requests of each one's time per output token ({@link RequestOutcome#tpotMs}).
     */
    double tpotP50() {
        return Percentiles.median(outcomes.stream().mapToDouble(RequestOutcome::tpotMs).toArray());
    }

    /**
     * Results per second whose time per output token is at most {@code tpotSloMs}, over the same
     * span as {@link #throughput()}.
     */
    double goodput(double tpotSloMs) {
        return perSecond(withinSlo(tpotSloMs));
    }

    /** The share of the requests sent whose result came within {@code tpotSloMs} per token. */
    double goodShare(double tpotSloMs) {
        return (double) withinSlo(tpotSloMs) / requests;
    }

    private long withinSlo(double tpotSloMs) {
        return outcomes.stream().filter(o -> o.tpotMs() <= tpotSloMs).count();
    }

    long drafted() {
        return outcomes.stream().mapToLong(RequestOutcome::drafted).sum();
    }

    /** Accepted over drafted tokens; NaN when nothing was drafted (mode ad). */
    double acceptance() {
        long drafted = drafted();
        return drafted == 0
                ? Double.NaN
                : (double) outcomes.stream().mapToLong(RequestOutcome::accepted).sum() / drafted;
    }

    /** Generated tokens per target model call. */
    double tokensPerRound() {
        long rounds = outcomes.stream().mapToLong(RequestOutcome::rounds).sum();
        long tokens = outcomes.stream().mapToLong(o -> o.tokens().size()).sum();
        return rounds == 0 ? Double.NaN : (double) tokens / rounds;
    }

    int windows() {
        return (int) outcomes.stream().map(RequestOutcome::windowId).distinct().count();
    }

    int batches() {
        return (int) outcomes.stream().map(RequestOutcome::batchId).distinct().count();
    }

    /** Batches per speculation length, each batch counted once. */
    Map<Integer, Long> batchLengths() {
        return outcomes.stream()
                .collect(
                        Collectors.toMap(
                                RequestOutcome::batchId,
                                RequestOutcome::speculationLength,
                                Math::max))
                .values()
                .stream()
                .collect(Collectors.groupingBy(l -> l, TreeMap::new, Collectors.counting()));
    }

    /** Rounds per speculation length, over every request (empty when rounds were not recorded). */
    Map<Integer, Long> roundLengths() {
        return outcomes.stream()
                .flatMap(o -> o.roundLengths().stream())
                .collect(Collectors.groupingBy(l -> l, TreeMap::new, Collectors.counting()));
    }

    double mean(ToDoubleFunction<RequestOutcome> part) {
        return outcomes.stream().mapToDouble(part).average().orElse(Double.NaN);
    }

    /**
     * The median over requests of each request's mean loop overhead per trip around the round loop
     * (its overhead over its trips); NaN in process. The job's results carry each request's total,
     * not every trip's; the loop head's {@code loopOverheadMicros} histogram has those.
     */
    double loopOverheadP50() {
        return Percentiles.median(
                outcomes.stream().mapToDouble(RequestOutcome::overheadPerRoundMs).toArray());
    }

    /** "l:batches" pairs, e.g. "3:12 4:8", or "-" without speculation. */
    String lengthText() {
        Map<Integer, Long> lengths = batchLengths();
        if (lengths.keySet().equals(Set.of(0))) {
            return "-";
        }
        return lengths.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    /** The columns every run has, in the JSON and in both run tables; each path adds its own. */
    static final List<Column> COLUMNS =
            List.of(
                    Column.json("path"),
                    Column.of("mode", "mode"),
                    Column.of("rate_per_s", "rate/s"),
                    Column.json("requests"),
                    Column.json("results"),
                    Column.of("p50_ms", "p50"),
                    Column.of("p90_ms", "p90"),
                    Column.of("p99_ms", "p99"),
                    Column.of("max_ms", "max"),
                    Column.of("throughput_per_s", "results/s"),
                    Column.of("acceptance", "accepted"),
                    Column.of("tokens_per_round", "tokens/round"),
                    Column.of("batches_by_speculation_length", "l:batches"),
                    Column.of("windows", "windows"),
                    Column.of("batches", "batches"),
                    Column.json("rounds_by_speculation_length"),
                    Column.json("mean_ms"));

    /** This run's cells under {@link #COLUMNS}. */
    List<Object> cells() {
        JsonObject parts = new JsonObject();
        for (RequestOutcome.Part part : RequestOutcome.Part.values()) {
            Value mean = Value.number(mean(part.ms));
            if (mean.json() != null) {
                parts.add(part.key, mean.json());
            }
        }
        // the parts but the loop overhead (which lies within waiting) add up to it
        parts.addProperty("total", mean(RequestOutcome::latencyMs));
        return List.of(
                path,
                mode,
                Value.measured(rate, rateText(rate)),
                requests,
                outcomes.size() + duplicated,
                p50(),
                percentile(0.9),
                percentile(0.99),
                percentile(1.0),
                throughput(),
                Value.percent(acceptance()),
                tokensPerRound(),
                new Value(counts(batchLengths()), lengthText()),
                windows(),
                batches(),
                counts(roundLengths()),
                parts);
    }

    /** A rate as written on the command line: 4, not 4.0. */
    static String rateText(double rate) {
        return rate == Math.rint(rate) ? String.valueOf((long) rate) : String.valueOf(rate);
    }

    private static JsonObject counts(Map<Integer, Long> counts) {
        JsonObject json = new JsonObject();
        counts.forEach((l, n) -> json.addProperty(String.valueOf(l), n));
        return json;
    }
}
