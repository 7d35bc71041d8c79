package io.tandem.cli.replay;

import com.google.gson.JsonObject;
import io.tandem.cli.replay.ReplayOutcome.Status;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Figures;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
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
import java.util.function.ToDoubleFunction;

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
    private final Summary summary;

    public ReplayReport(Setup setup, Ending ending, List<ReplayOutcome> outcomes) {
        this.setup = setup;
        this.ending = ending;
        this.outcomes = List.copyOf(outcomes);
        this.served = this.outcomes.stream().filter(o -> o.status() == Status.ANSWERED).toList();
        this.summary = summarize();
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
                ? served.stream().mapToLong(o -> o.answer().generatedTokens()).sum() * 1000.0 / span
                : Double.NaN;
    }

    /** Draft tokens accepted over drafted; NaN when nothing was drafted (mode ad). */
    public double acceptanceRate() {
        long drafted = served.stream().mapToLong(o -> o.answer().drafted()).sum();
        long accepted = served.stream().mapToLong(o -> o.answer().accepted()).sum();
        return drafted == 0 ? Double.NaN : (double) accepted / drafted;
    }

    public String mode() {
        return setup.mode();
    }

    /** The JSON summary. */
    public JsonObject summary() {
        return summary.toJson();
    }

    /** Writes the summary, the CSV and the plots into {@code dir}; returns the files written. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        Path summaryFile = dir.resolve(SUMMARY);
        summary.write(summaryFile);
        files.add(summaryFile);
        Path csv = dir.resolve(REQUESTS);
        writeCsv(csv);
        files.add(csv);
        files.addAll(ReplayPlots.write(dir, title(), outcomes));
        return files;
    }

    /** The terminal table: counts and latency, then where the time went. */
    public void print(PrintStream out) {
        summary.print(out);
    }

    /** The summary, as both the terminal and summary.json show it. */
    private Summary summarize() {
        Summary summary = new Summary();
        String format = setup.format().name().toLowerCase(java.util.Locale.ROOT);
        Figures run =
                summary.figures(null, null)
                        .json("trace", setup.trace().toString())
                        .json("format", format)
                        .json("target", setup.target())
                        .json("mode", mode())
                        .json("speedup", setup.speedup());
        if (setup.limit() != Long.MAX_VALUE) {
            run.json("limit", setup.limit());
        }
        run.json("interrupted", ending.interrupted());
        if (ending.error() != null) {
            run.json("error", ending.error());
        }
        run.json("trace_requests", ending.traceRequests());
        boolean interrupted = ending.interrupted();
        summary.figures(
                        null,
                        "Replay of "
                                + setup.trace().getFileName()
                                + " ("
                                + format
                                + ", "
                                + speedup()
                                + ", mode "
                                + mode()
                                + (interrupted
                                        ? ", INTERRUPTED: partial, "
                                                + outcomes.size()
                                                + " of "
                                                + ending.traceRequests()
                                                + " sent"
                                        : "")
                                + ")")
                .asRow(null)
                .add("requests", "requests", outcomes.size())
                .add("answered", "answered", count(Status.ANSWERED))
                // an interrupted replay has requests in flight, not lost
                .add(
                        interrupted ? "in_flight" : "lost",
                        interrupted ? "in flight" : "lost",
                        count(interrupted ? Status.IN_FLIGHT : Status.LOST))
                .json(
                        interrupted ? "lost" : "in_flight",
                        count(interrupted ? Status.LOST : Status.IN_FLIGHT))
                .add("duplicated", "dup", ending.duplicated())
                .add("rejected", "rejected", count(Status.REJECTED))
                .add("failed", "failed", count(Status.FAILED))
                .json("unreadable_answers", ending.unreadable())
                .add("p50_ms", "p50 ms", latencyPercentile(0.5))
                .add("p90_ms", "p90 ms", latencyPercentile(0.9))
                .add("p99_ms", "p99 ms", latencyPercentile(0.99))
                .add("max_ms", "max ms", latencyPercentile(1.0))
                .json("mean_ms", mean(served, ReplayOutcome::latencyMs))
                .add("throughput_rps", "req/s", throughputRps())
                .add("output_tokens_per_s", "tok/s", outputTokensPerS())
                .add("acceptance_rate", "accept", Value.percent(acceptanceRate()))
                .json("tokens_per_round", tokensPerRound())
                .add("mean_speculation_length", "mean γ", meanSpeculationLength());
        percentiles(summary, "ms_per_output_token", ReplayOutcome::msPerOutputToken);
        percentiles(summary, "generation_ms_per_token", ReplayOutcome::generationMsPerToken);
        Figures parts =
                summary.figures("mean_parts_ms", "Where the time went, per answered request")
                        .asRow("mean ms");
        for (ReplayOutcome.Part part : ReplayOutcome.Part.values()) {
            parts.add(part.key(), part.key(), mean(served, part::of));
        }
        PromptSynthesizer.Capping capping = ending.capping();
        summary.figures("capped", null)
                .json("requests", capping.requests())
                .json("prompt_tokens_cut", capping.promptTokensCut())
                .json("output_tokens_cut", capping.outputTokensCut());
        summary.figures("skipped_lines", null).json("count", ending.problemCount());
        Table first =
                summary.table(
                        "skipped_lines.first", null, Column.json("line"), Column.json("reason"));
        ending.problems().forEach(p -> first.row(p.line(), p.reason()));
        summary.figures(null, null)
                .json("duration_s", ending.durationMs() / 1000)
                .json("max_send_lag_ms", ending.sending().maxSendLagMs())
                .json("live_heap_peak_mb", Math.round(ending.heapPeakMb()));
        if (capping.requests() > 0) {
            summary.line(
                    String.format(
                            "Capped to the model's context: %d requests (%d prompt and %d output"
                                    + " tokens cut).",
                            capping.requests(),
                            capping.promptTokensCut(),
                            capping.outputTokensCut()));
        }
        if (ending.error() != null) {
            summary.line("Stopped early: " + ending.error());
        }
        if (ending.unreadable() > 0) {
            summary.line(
                    String.format(
                            "Skipped %d records on the answer topics that did not decode.",
                            ending.unreadable()));
        }
        if (ending.problemCount() > 0) {
            summary.line(String.format("Skipped %d bad trace lines:", ending.problemCount()));
            ending.problems().stream()
                    .limit(5)
                    .forEach(
                            p ->
                                    summary.line(
                                            String.format("  line %d: %s", p.line(), p.reason())));
        }
        summary.line(
                String.format(
                        "Sent %d requests in %.1f s; latest send %.1f ms behind schedule; live heap"
                                + " at most %d MB.",
                        ending.sending().sent(),
                        ending.durationMs() / 1000,
                        ending.sending().maxSendLagMs(),
                        Math.round(ending.heapPeakMb())));
        return summary;
    }

    private String title() {
        return setup.trace().getFileName() + " · " + mode() + " · " + speedup();
    }

    private String speedup() {
        double s = setup.speedup();
        return (s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s)) + "× speed";
    }

    private double span() {
        double first = outcomes.stream().mapToDouble(o -> o.sent().dueMs()).min().orElse(0);
        double last =
                served.stream().mapToDouble(ReplayOutcome::answeredMs).max().orElse(Double.NaN);
        return last - first;
    }

    /** Speculation length per round over every round drafted; NaN without speculation. */
    private double meanSpeculationLength() {
        double drafted = 0;
        long rounds = 0;
        for (ReplayOutcome o : served) {
            if (o.answer().drafted() > 0) {
                drafted += o.answer().meanSpeculationLength() * o.answer().rounds();
                rounds += o.answer().rounds();
            }
        }
        return rounds == 0 ? Double.NaN : drafted / rounds;
    }

    private double tokensPerRound() {
        long rounds = served.stream().mapToLong(o -> o.answer().rounds()).sum();
        long tokens = served.stream().mapToLong(o -> o.answer().generatedTokens()).sum();
        return rounds == 0 ? Double.NaN : (double) tokens / rounds;
    }

    /** p50, p90 and p99 of a figure over the requests answered without error, in the JSON. */
    private void percentiles(Summary summary, String key, ToDoubleFunction<ReplayOutcome> value) {
        summary.figures(key, null)
                .json("p50", percentile(served, value, 0.5))
                .json("p90", percentile(served, value, 0.9))
                .json("p99", percentile(served, value, 0.99));
    }

    private void writeCsv(Path file) throws IOException {
        List<String> header = new ArrayList<>();
        columns(ReplayOutcome.class, header);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(String.join(",", header));
            out.newLine();
            for (ReplayOutcome outcome : outcomes) {
                List<String> cells = new ArrayList<>(header.size());
                cells(outcome, cells);
                out.write(String.join(",", cells));
                out.newLine();
            }
        }
    }

    /** A record's components as columns, a nested record's in its place. */
    private static void columns(Class<?> type, List<String> names) {
        for (RecordComponent component : type.getRecordComponents()) {
            if (component.getType().isRecord()) {
                columns(component.getType(), names);
            } else {
                names.add(component.getName());
            }
        }
    }

    /** A record's values in the order of {@link #columns}. */
    private static void cells(Record record, List<String> cells) {
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(record);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (value instanceof Record nested) {
                cells(nested, cells);
            } else {
                cells.add(csvCell(value));
            }
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
