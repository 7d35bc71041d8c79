package io.tandem.cli.replay;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.tandem.cli.bench.BenchJson;
import io.tandem.cli.bench.TextTable;
import io.tandem.cli.replay.ReplayOutcome.Status;
import io.tandem.planner.stats.Percentiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * What one replay of a trace measured: the terminal table, and in a report directory the JSON
 * summary ({@value #SUMMARY}), one CSV row per request ({@value #REQUESTS}) and the plots. Latency
 * figures are over the requests answered without error; throughput counts them from the first
 * scheduled send to the last answer. Immutable.
 */
public final class ReplayReport {

    static final String SUMMARY = "summary.json";
    static final String REQUESTS = "requests.csv";

    /**
     * Where and how the replay ran.
     *
     * @param trace the trace file
     * @param format its format
     * @param target where the requests went: {@code embedded} or the bootstrap servers
     * @param mode the serving mode: as the job was started, or as the results of an already running
     *     job say
     * @param speedup how many times faster than recorded
     * @param limit the most requests asked for, or {@code Long.MAX_VALUE}
     */
    public record Setup(
            Path trace,
            TraceFormat format,
            String target,
            String mode,
            double speedup,
            long limit) {

        /** The same set-up in {@code mode}. */
        public Setup withMode(String mode) {
            return new Setup(trace, format, target, mode, speedup, limit);
        }
    }

    /**
     * How the replay ended.
     *
     * @param traceRequests the requests the trace holds, up to the limit
     * @param sending what the sender did
     * @param interrupted whether it was stopped (Ctrl-C, or a failure) before every answer was in
     * @param error what stopped it, when something failed; null otherwise
     * @param durationMs from the replay's start to the end of the wait for answers
     * @param duplicated answers for requests already answered
     * @param unreadable records on the answer topics that did not decode, skipped
     * @param capping what capping to the model's context did
     * @param problems trace lines skipped (the first ones, with their reason)
     * @param problemCount all trace lines skipped
     * @param heapPeakMb the most heap this process held after a collection while replaying (broker
     *     and job included when embedded)
     */
    public record Ending(
            long traceRequests,
            Replay.Sending sending,
            boolean interrupted,
            String error,
            double durationMs,
            int duplicated,
            int unreadable,
            PromptSynthesizer.Capping capping,
            List<TraceReader.Problem> problems,
            long problemCount,
            double heapPeakMb) {}

    private final Setup setup;
    private final Ending ending;
    private final List<ReplayOutcome> outcomes;
    private final List<ReplayOutcome> served;

    public ReplayReport(Setup setup, Ending ending, List<ReplayOutcome> outcomes) {
        this.setup = setup;
        this.ending = ending;
        this.outcomes = List.copyOf(outcomes);
        this.served = this.outcomes.stream().filter(o -> o.status() == Status.ANSWERED).toList();
    }

    public List<ReplayOutcome> outcomes() {
        return outcomes;
    }

    /**
     * Whether the whole replay ran and every request sent (at least one) came back exactly once,
     * without error; rejected requests are the trace's fault and allowed.
     */
    public boolean complete() {
        return !ending.interrupted()
                && ending.error() == null
                && !outcomes.isEmpty()
                && count(Status.LOST) == 0
                && count(Status.FAILED) == 0
                && ending.duplicated() == 0;
    }

    public long count(Status status) {
        return outcomes.stream().filter(o -> o.status() == status).count();
    }

    /** Nearest-rank percentile of the latency of requests answered without error; NaN if none. */
    public double latencyPercentile(double q) {
        return percentile(served, ReplayOutcome::latencyMs, q);
    }

    /** Requests answered without error per second, first scheduled send to last answer. */
    public double throughputRps() {
        double span = span();
        return span > 0 ? served.size() * 1000.0 / span : Double.NaN;
    }

    /** Generated tokens per second over the same span. */
    public double outputTokensPerS() {
        double span = span();
        return span > 0
                ? served.stream().mapToLong(ReplayOutcome::generatedTokens).sum() * 1000.0 / span
                : Double.NaN;
    }

    /** Draft tokens accepted over drafted; NaN when nothing was drafted (mode ad). */
    public double acceptanceRate() {
        long drafted = served.stream().mapToLong(ReplayOutcome::drafted).sum();
        long accepted = served.stream().mapToLong(ReplayOutcome::accepted).sum();
        return drafted == 0 ? Double.NaN : (double) accepted / drafted;
    }

    public String mode() {
        return setup.mode();
    }

    /** The JSON summary. */
    public JsonObject summary() {
        JsonObject json = new JsonObject();
        json.addProperty("trace", setup.trace().toString());
        json.addProperty("format", setup.format().name().toLowerCase(java.util.Locale.ROOT));
        json.addProperty("target", setup.target());
        json.addProperty("mode", mode());
        json.addProperty("speedup", setup.speedup());
        if (setup.limit() != Long.MAX_VALUE) {
            json.addProperty("limit", setup.limit());
        }
        json.addProperty("interrupted", ending.interrupted());
        if (ending.error() != null) {
            json.addProperty("error", ending.error());
        }
        json.addProperty("trace_requests", ending.traceRequests());
        json.addProperty("requests", outcomes.size());
        json.addProperty("answered", count(Status.ANSWERED));
        json.addProperty("failed", count(Status.FAILED));
        json.addProperty("rejected", count(Status.REJECTED));
        json.addProperty("lost", count(Status.LOST));
        json.addProperty("in_flight", count(Status.IN_FLIGHT));
        json.addProperty("duplicated", ending.duplicated());
        json.addProperty("unreadable_answers", ending.unreadable());
        BenchJson.addMeasured(json, "p50_ms", latencyPercentile(0.5));
        BenchJson.addMeasured(json, "p90_ms", latencyPercentile(0.9));
        BenchJson.addMeasured(json, "p99_ms", latencyPercentile(0.99));
        BenchJson.addMeasured(json, "max_ms", latencyPercentile(1.0));
        BenchJson.addMeasured(json, "mean_ms", mean(served, ReplayOutcome::latencyMs));
        BenchJson.addMeasured(json, "throughput_rps", throughputRps());
        BenchJson.addMeasured(json, "output_tokens_per_s", outputTokensPerS());
        BenchJson.addMeasured(json, "acceptance_rate", acceptanceRate());
        BenchJson.addMeasured(json, "tokens_per_round", tokensPerRound());
        BenchJson.addMeasured(json, "mean_speculation_length", meanSpeculationLength());
        json.add("ms_per_output_token", percentiles(ReplayOutcome::msPerOutputToken));
        json.add("generation_ms_per_token", percentiles(ReplayOutcome::generationMsPerToken));
        JsonObject parts = new JsonObject();
        parts(served).forEach((name, value) -> BenchJson.addMeasured(parts, name, value));
        json.add("mean_parts_ms", parts);
        JsonObject capping = new JsonObject();
        capping.addProperty("requests", ending.capping().requests());
        capping.addProperty("prompt_tokens_cut", ending.capping().promptTokensCut());
        capping.addProperty("output_tokens_cut", ending.capping().outputTokensCut());
        json.add("capped", capping);
        JsonObject problems = new JsonObject();
        problems.addProperty("count", ending.problemCount());
        JsonArray first = new JsonArray();
        for (TraceReader.Problem p : ending.problems()) {
            JsonObject problem = new JsonObject();
            problem.addProperty("line", p.line());
            problem.addProperty("reason", p.reason());
            first.add(problem);
        }
        problems.add("first", first);
        json.add("skipped_lines", problems);
        json.addProperty("duration_s", ending.durationMs() / 1000);
        json.addProperty("max_send_lag_ms", ending.sending().maxSendLagMs());
        json.addProperty("live_heap_peak_mb", Math.round(ending.heapPeakMb()));
        return json;
    }

    /** Writes the summary, the CSV and the plots into {@code dir}; returns the files written. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        Path summary = dir.resolve(SUMMARY);
        BenchJson.write(summary, summary());
        files.add(summary);
        Path csv = dir.resolve(REQUESTS);
        writeCsv(csv);
        files.add(csv);
        files.addAll(ReplayPlots.write(dir, title(), outcomes));
        return files;
    }

    /** The terminal table: counts and latency, then where the time went. */
    public void print(PrintStream out) {
        String lost = ending.interrupted() ? "in flight" : "lost";
        new TextTable(
                        "Replay of "
                                + setup.trace().getFileName()
                                + " ("
                                + setup.format().name().toLowerCase(java.util.Locale.ROOT)
                                + ", "
                                + speedup()
                                + ", mode "
                                + mode()
                                + (ending.interrupted()
                                        ? ", INTERRUPTED: partial, "
                                                + outcomes.size()
                                                + " of "
                                                + ending.traceRequests()
                                                + " sent"
                                        : "")
                                + ")",
                        "requests",
                        "answered",
                        lost,
                        "dup",
                        "rejected",
                        "failed",
                        "p50 ms",
                        "p90 ms",
                        "p99 ms",
                        "max ms",
                        "req/s",
                        "tok/s",
                        "accept",
                        "mean γ")
                .row(
                        outcomes.size(),
                        count(Status.ANSWERED),
                        count(ending.interrupted() ? Status.IN_FLIGHT : Status.LOST),
                        ending.duplicated(),
                        count(Status.REJECTED),
                        count(Status.FAILED),
                        latencyPercentile(0.5),
                        latencyPercentile(0.9),
                        latencyPercentile(0.99),
                        latencyPercentile(1.0),
                        throughputRps(),
                        outputTokensPerS(),
                        TextTable.percent(acceptanceRate()),
                        meanSpeculationLength())
                .print(out);
        Map<String, Double> parts = parts(served);
        List<String> header = new ArrayList<>(List.of(""));
        header.addAll(parts.keySet());
        List<Object> row = new ArrayList<>(List.of("mean ms"));
        row.addAll(parts.values());
        new TextTable("Where the time went, per answered request", header.toArray(String[]::new))
                .row(row.toArray())
                .print(out);
        PromptSynthesizer.Capping capping = ending.capping();
        if (capping.requests() > 0) {
            out.printf(
                    "Capped to the model's context: %d requests (%d prompt and %d output tokens"
                            + " cut).%n",
                    capping.requests(), capping.promptTokensCut(), capping.outputTokensCut());
        }
        if (ending.error() != null) {
            out.println("Stopped early: " + ending.error());
        }
        if (ending.unreadable() > 0) {
            out.printf(
                    "Skipped %d records on the answer topics that did not decode.%n",
                    ending.unreadable());
        }
        if (ending.problemCount() > 0) {
            out.printf("Skipped %d bad trace lines:%n", ending.problemCount());
            ending.problems().stream()
                    .limit(5)
                    .forEach(p -> out.printf("  line %d: %s%n", p.line(), p.reason()));
        }
        out.printf(
                "Sent %d requests in %.1f s; latest send %.1f ms behind schedule; live heap at"
                        + " most %d MB.%n",
                ending.sending().sent(),
                ending.durationMs() / 1000,
                ending.sending().maxSendLagMs(),
                Math.round(ending.heapPeakMb()));
    }

    private String title() {
        return setup.trace().getFileName() + " · " + mode() + " · " + speedup();
    }

    private String speedup() {
        double s = setup.speedup();
        return (s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s)) + "× speed";
    }

    private double span() {
        double first = outcomes.stream().mapToDouble(ReplayOutcome::dueMs).min().orElse(0);
        double last =
                served.stream().mapToDouble(ReplayOutcome::answeredMs).max().orElse(Double.NaN);
        return last - first;
    }

    /** Speculation length per round over every round drafted; NaN without speculation. */
    private double meanSpeculationLength() {
        double drafted = 0;
        long rounds = 0;
        for (ReplayOutcome o : served) {
            if (o.drafted() > 0) {
                drafted += o.meanSpeculationLength() * o.rounds();
                rounds += o.rounds();
            }
        }
        return rounds == 0 ? Double.NaN : drafted / rounds;
    }

    private double tokensPerRound() {
        long rounds = served.stream().mapToLong(ReplayOutcome::rounds).sum();
        long tokens = served.stream().mapToLong(ReplayOutcome::generatedTokens).sum();
        return rounds == 0 ? Double.NaN : (double) tokens / rounds;
    }

    private JsonObject percentiles(ToDoubleFunction<ReplayOutcome> value) {
        JsonObject json = new JsonObject();
        BenchJson.addMeasured(json, "p50", percentile(served, value, 0.5));
        BenchJson.addMeasured(json, "p90", percentile(served, value, 0.9));
        BenchJson.addMeasured(json, "p99", percentile(served, value, 0.99));
        return json;
    }

    private static Map<String, Double> parts(List<ReplayOutcome> outcomes) {
        Map<String, Double> parts = new java.util.LinkedHashMap<>();
        parts.put("kafka_in", mean(outcomes, ReplayOutcome::queueingMs));
        parts.put("batching", mean(outcomes, ReplayOutcome::batchingMs));
        parts.put("waiting", mean(outcomes, ReplayOutcome::waitingMs));
        parts.put("loop_overhead", mean(outcomes, ReplayOutcome::loopOverheadMs));
        parts.put("draft", mean(outcomes, ReplayOutcome::draftMs));
        parts.put("verify", mean(outcomes, ReplayOutcome::verifyMs));
        parts.put("delivery", mean(outcomes, ReplayOutcome::deliveryMs));
        return parts;
    }

    private void writeCsv(Path file) throws IOException {
        RecordComponent[] columns = ReplayOutcome.class.getRecordComponents();
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(
                    java.util.Arrays.stream(columns)
                            .map(RecordComponent::getName)
                            .collect(Collectors.joining(",")));
            out.newLine();
            for (ReplayOutcome outcome : outcomes) {
                List<String> cells = new ArrayList<>(columns.length);
                for (RecordComponent column : columns) {
                    cells.add(csvCell(read(column, outcome)));
                }
                out.write(String.join(",", cells));
                out.newLine();
            }
        }
    }

    private static Object read(RecordComponent column, ReplayOutcome outcome) {
        try {
            return column.getAccessor().invoke(outcome);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Numbers as plain decimals (empty when not measured), text quoted when it must be. */
    static String csvCell(Object value) {
        if (value instanceof Double d) {
            return Double.isFinite(d) ? String.format(java.util.Locale.ROOT, "%.3f", d) : "";
        }
        if (value instanceof Status s) {
            return s.label();
        }
        String text = String.valueOf(value);
        return text.contains(",")
                        || text.contains("\"")
                        || text.contains("\n")
                        || text.contains("\r")
                ? "\"" + text.replace("\"", "\"\"") + "\""
                : text;
    }

    private static double percentile(
            List<ReplayOutcome> outcomes, ToDoubleFunction<ReplayOutcome> value, double q) {
        return Percentiles.of(outcomes.stream().mapToDouble(value).toArray(), q);
    }

    private static double mean(List<ReplayOutcome> outcomes, ToDoubleFunction<ReplayOutcome> f) {
        return outcomes.stream()
                .mapToDouble(f)
                .filter(v -> !Double.isNaN(v))
                .average()
                .orElse(Double.NaN);
    }
}
