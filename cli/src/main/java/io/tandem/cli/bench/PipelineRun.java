package io.tandem.cli.bench;

import com.google.gson.JsonObject;
import io.tandem.planner.stats.Percentiles;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The figures of one run of {@code ./tandem bench pipeline}: one path, one mode, one arrival rate.
 * Built from the outcomes of the requests that got a result; lost and duplicated come from the
 * path. Immutable.
 */
record PipelineRun(
        String path,
        String mode,
        double rate,
        int requests,
        List<RequestOutcome> outcomes,
        int lost,
        int duplicated,
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

    /** Results per second from the first scheduled send to the last result. */
    double throughput() {
        double span = outcomes.stream().mapToDouble(RequestOutcome::doneMs).max().orElse(0);
        return span <= 0 ? Double.NaN : outcomes.size() * 1000 / span;
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

    /** Median loop overhead per trip around the round loop, over requests; NaN in process. */
    double loopOverheadP50() {
        return Percentiles.median(
                outcomes.stream().mapToDouble(RequestOutcome::overheadPerRoundMs).toArray());
    }

    /** "l:batches" pairs, e.g. "3:12 4:8", or "-" without speculation. */
    String lengthText() {
        Map<Integer, Long> lengths = batchLengths();
        if (lengths.keySet().equals(java.util.Set.of(0))) {
            return "-";
        }
        return lengths.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    JsonObject toJson() {
        JsonObject json = new JsonObject();
        json.addProperty("path", path);
        json.addProperty("mode", mode);
        json.addProperty("rate_per_s", rate);
        json.addProperty("requests", requests);
        json.addProperty("results", outcomes.size() + duplicated);
        json.addProperty("lost", lost);
        json.addProperty("duplicated", duplicated);
        BenchJson.addMeasured(json, "p50_ms", p50());
        BenchJson.addMeasured(json, "p90_ms", percentile(0.9));
        BenchJson.addMeasured(json, "p99_ms", percentile(0.99));
        BenchJson.addMeasured(json, "max_ms", percentile(1.0));
        BenchJson.addMeasured(json, "throughput_per_s", throughput());
        BenchJson.addMeasured(json, "acceptance", acceptance());
        BenchJson.addMeasured(json, "tokens_per_round", tokensPerRound());
        json.addProperty("windows", windows());
        json.addProperty("batches", batches());
        json.add("batches_by_speculation_length", counts(batchLengths()));
        json.add("rounds_by_speculation_length", counts(roundLengths()));
        JsonObject parts = new JsonObject();
        BenchJson.addMeasured(parts, "queueing", mean(RequestOutcome::queueMs));
        BenchJson.addMeasured(parts, "batching", mean(RequestOutcome::batchingMs));
        BenchJson.addMeasured(parts, "waiting", mean(RequestOutcome::waitMs));
        BenchJson.addMeasured(parts, "loop_overhead", mean(RequestOutcome::roundOverheadMs));
        BenchJson.addMeasured(parts, "model", mean(RequestOutcome::modelMs));
        BenchJson.addMeasured(parts, "delivery", mean(RequestOutcome::deliveryMs));
        json.add("mean_ms", parts);
        if (path.equals(PIPELINE)) {
            json.addProperty("max_send_lag_ms", maxSendLagMs);
            BenchJson.addMeasured(json, "loop_overhead_ms_p50", loopOverheadP50());
        }
        return json;
    }

    private static JsonObject counts(Map<Integer, Long> counts) {
        JsonObject json = new JsonObject();
        counts.forEach((l, n) -> json.addProperty(String.valueOf(l), n));
        return json;
    }
}
