package io.tandem.cli.demo;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.tandem.cli.summary.Figures;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Value;
import io.tandem.planner.stats.Percentiles;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.FittedCosts;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import io.tandem.schemas.Placement;
import io.tandem.schemas.PlanDecision;
import io.tandem.udfs.Results;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the demo prints: every result, every dead letter, and a summary it can also write as JSON.
 */
public final class DemoReport {

    private static final int TEXT_WIDTH = 200;

    private final List<InferenceRequest> requests;
    private final List<InferenceResult> results;
    private final List<DeadLetter> deadLetters;

    public DemoReport(
            List<InferenceRequest> requests,
            List<InferenceResult> results,
            List<DeadLetter> deadLetters) {
        this.requests = requests;
        this.results = results;
        this.deadLetters = deadLetters;
    }

    /**
     * True when every request got exactly one successful result and the dead letters are as
     * expected.
     */
    public boolean isComplete(int expectedDeadLetters) {
        Map<String, Long> perId =
                results.stream()
                        .collect(
                                Collectors.groupingBy(
                                        InferenceResult::getRequestId, Collectors.counting()));
        boolean oneEach =
                requests.stream().allMatch(r -> perId.getOrDefault(r.getRequestId(), 0L) == 1L)
                        && results.size() == requests.size();
        boolean noErrors =
                results.stream().noneMatch(r -> r.getFinishReason() == FinishReason.ERROR);
        return oneEach && noErrors && deadLetters.size() == expectedDeadLetters;
    }

    public void print(PrintStream out) {
        Map<String, InferenceRequest> byId =
                requests.stream()
                        .collect(
                                Collectors.toMap(
                                        InferenceRequest::getRequestId, Function.identity()));
        Map<String, Integer> sendOrder = new java.util.HashMap<>();
        requests.forEach(r -> sendOrder.put(r.getRequestId(), sendOrder.size()));
        results.stream()
                .sorted(
                        Comparator.comparing(
                                r -> sendOrder.getOrDefault(r.getRequestId(), Integer.MAX_VALUE)))
                .forEach(
                        r -> {
                            InferenceRequest request = byId.get(r.getRequestId());
                            LatencyBreakdown l = r.getLatency();
                            out.printf(
                                    "%-7s %5.0f ms (queue %.0f, batch %.0f, admission %.0f, draft"
                                            + " %.0f, verify %.0f, loop %.0f, other %.0f)  %-6s %2d"
                                            + " tokens  batch of %d, %s%n",
                                    r.getRequestId(),
                                    l.getTotalMs(),
                                    l.getQueueingMs(),
                                    l.getBatchingMs(),
                                    l.getAdmissionMs(),
                                    l.getDraftMs(),
                                    l.getVerifyMs(),
                                    l.getRoundOverheadMs(),
                                    Math.max(0, l.getLoopMs() - l.getRoundOverheadMs()),
                                    r.getFinishReason(),
                                    r.getGeneratedTokens(),
                                    r.getBatchSize(),
                                    placement(r.getPlacement()));
                            if (r.getDraftedTokens() > 0) {
                                out.printf(
                                        "        %s: %d rounds, %d of %d drafted tokens accepted,"
                                                + " speculation lengths %s%n",
                                        r.getMode(),
                                        r.getRounds(),
                                        r.getAcceptedTokens(),
                                        r.getDraftedTokens(),
                                        compact(r.getSpeculationLengths()));
                            }
                            if (r.getPlan() != null) {
                                PlanDecision plan = r.getPlan();
                                out.printf(
                                        "        planned: window of %d → %d batch(es), l = %d for"
                                                + " this one, predicted mean %.0f ms (α %.2f)%n",
                                        plan.getWindowSize(),
                                        plan.getBatchesInWindow(),
                                        plan.getSpeculationLength(),
                                        plan.getPredictedMs(),
                                        plan.getAlpha());
                                FittedCosts fitted = plan.getCostModel();
                                if (fitted != null) {
                                    out.printf(
                                            "        fitted: draft %.1f× the profile, verify %.1f×,"
                                                    + " calls of %.1f× the batch, waits %.2f /"
                                                    + " %.2f of a call, loop %.1f ms a trip%n",
                                            fitted.getDraftScale(),
                                            fitted.getVerifyScale(),
                                            fitted.getVerifyCallSequences(),
                                            fitted.getDraftWaitRatio(),
                                            fitted.getVerifyWaitRatio(),
                                            plan.getRoundOverheadMs());
                                }
                            }
                            out.printf(
                                    "        %s[%s]%n%n",
                                    oneLine(request == null ? "?" : request.getPrompt()),
                                    oneLine(
                                            r.getFinishReason() == FinishReason.ERROR
                                                    ? "ERROR: " + r.getError()
                                                    : r.getText()));
                        });
        for (DeadLetter d : deadLetters) {
            out.printf(
                    "dead letter %s-%d@%d  %s%s%n        %s%n%n",
                    d.getTopic(),
                    d.getPartition(),
                    d.getOffset(),
                    d.getErrorCode(),
                    d.getField() == null ? "" : " (" + d.getField() + ")",
                    d.getReason());
        }

        summary().print(out);
    }

    /** The figures of the run: the terminal's summary and the demo's JSON. */
    public Summary summary() {
        Summary summary = new Summary();
        int tokens = results.stream().mapToInt(InferenceResult::getGeneratedTokens).sum();
        double modelMs = modelMillis();
        boolean complete = isComplete(deadLetters.size());
        Figures figures =
                summary.figures(null, "Summary")
                        .add("requests", "requests sent", requests.size())
                        .add(
                                "results",
                                "results",
                                new Value(
                                        new JsonPrimitive(results.size()),
                                        results.size()
                                                + (complete
                                                        ? " (one per request)"
                                                        : " (INCOMPLETE)")))
                        .json("complete", complete)
                        .add("dead_letters", "dead letters", deadLetters.size())
                        .add(
                                "batches",
                                "batches",
                                results.stream()
                                        .map(InferenceResult::getBatchId)
                                        .distinct()
                                        .count())
                        .add("generated_tokens", "generated tokens", tokens)
                        .add("finish_reasons", "finish reasons", finishReasons())
                        .add(
                                "modes",
                                "serving mode",
                                names(
                                        results.stream().map(InferenceResult::getMode),
                                        modes -> String.join(", ", modes)));
        long drafted = results.stream().mapToLong(InferenceResult::getDraftedTokens).sum();
        if (drafted > 0) {
            long accepted = results.stream().mapToLong(InferenceResult::getAcceptedTokens).sum();
            long rounds = results.stream().mapToLong(InferenceResult::getRounds).sum();
            figures.add(
                            "acceptance",
                            "draft tokens accepted",
                            Value.measured(
                                    (double) accepted / drafted,
                                    String.format(
                                            "%d of %d (%.1f%%)",
                                            accepted, drafted, 100.0 * accepted / drafted)))
                    .add(
                            "tokens_per_target_call",
                            "tokens per target call",
                            Value.number((double) tokens / rounds, "%.2f"))
                    .add("speculation_lengths", "speculation lengths used", lengthCounts());
        }
        double[] totals = results.stream().mapToDouble(r -> r.getLatency().getTotalMs()).toArray();
        double p50 = Percentiles.of(totals, 0.5);
        double max = Percentiles.of(totals, 1.0);
        JsonObject latency = new JsonObject();
        latency.add("p50", Value.number(p50).json());
        latency.add("max", Value.number(max).json());
        double tokensPerS = modelMs == 0 ? 0 : tokens * 1000 / modelMs;
        figures.add(
                        "latency_ms",
                        "latency p50 / max (end to end)",
                        new Value(latency, String.format("%.0f ms / %.0f ms", p50, max)))
                .add(
                        "model_ms",
                        "model time (sum of batches)",
                        Value.measured(
                                modelMs,
                                String.format("%.0f ms, %.1f tokens/s", modelMs, tokensPerS)))
                .json("model_tokens_per_s", tokensPerS)
                .add(
                        "loop_overhead_ms_p50",
                        "loop overhead per trip (median request)",
                        Value.number(Percentiles.median(overheadPerRound()), "%.2f ms"))
                .add(
                        "task_managers_drafting",
                        "TaskManagers drafting",
                        names(
                                results.stream()
                                        .map(r -> r.getPlacement().getDraftTaskManager())
                                        .filter(Objects::nonNull)
                                        .map(DemoReport::prefix),
                                DemoReport::taskManagers))
                .add(
                        "task_managers_verifying",
                        "TaskManagers verifying",
                        names(
                                results.stream()
                                        .map(r -> prefix(r.getPlacement().getVerifyTaskManager())),
                                DemoReport::taskManagers));
        return summary;
    }

    /** Distinct names in order: an array in the JSON; on screen as {@code text} lists them. */
    private static Value names(Stream<String> names, Function<Set<String>, String> text) {
        Set<String> distinct = names.collect(Collectors.toCollection(TreeSet::new));
        JsonArray json = new JsonArray();
        distinct.forEach(json::add);
        return new Value(json, text.apply(distinct));
    }

    /** TaskManagers as {@code [TM a, TM b]}, or {@code -} for none. */
    private static String taskManagers(Set<String> ids) {
        return ids.isEmpty()
                ? "-"
                : ids.stream().map(id -> "TM " + id).collect(Collectors.joining(", ", "[", "]"));
    }

    /** Each request's mean loop overhead per trip around the loop: its total over its trips. */
    private double[] overheadPerRound() {
        return results.stream()
                .filter(r -> Results.loopTrips(r) > 0)
                .mapToDouble(r -> r.getLatency().getRoundOverheadMs() / Results.loopTrips(r))
                .toArray();
    }

    /** Model time of each batch once: its longest-running request saw all of it. */
    private double modelMillis() {
        return results.stream()
                .collect(
                        Collectors.toMap(
                                InferenceResult::getBatchId,
                                r -> r.getLatency().getDraftMs() + r.getLatency().getVerifyMs(),
                                Math::max))
                .values()
                .stream()
                .mapToDouble(Double::doubleValue)
                .sum();
    }

    /** Results per finish reason, e.g. "EOS 3, LENGTH 4". */
    private Value finishReasons() {
        Map<String, Long> counts =
                results.stream()
                        .collect(
                                Collectors.groupingBy(
                                        r -> r.getFinishReason().name(),
                                        TreeMap::new,
                                        Collectors.counting()));
        return counts(counts, (reason, n) -> reason + " " + n);
    }

    /** How many rounds ran at each speculation length, e.g. "γ=4: 120, γ=2: 3". */
    private Value lengthCounts() {
        Map<Integer, Long> counts = new TreeMap<>(Comparator.reverseOrder());
        for (InferenceResult result : results) {
            for (int length : result.getSpeculationLengths()) {
                counts.merge(length, 1L, Long::sum);
            }
        }
        return counts(counts, (length, n) -> "γ=" + length + ": " + n);
    }

    /** Counts as a JSON object and as a list on screen, each entry as {@code text} says. */
    private static <K> Value counts(Map<K, Long> counts, BiFunction<K, Long, String> text) {
        JsonObject json = new JsonObject();
        counts.forEach((key, n) -> json.addProperty(String.valueOf(key), n));
        return new Value(
                json,
                counts.entrySet().stream()
                        .map(e -> text.apply(e.getKey(), e.getValue()))
                        .collect(Collectors.joining(", ")));
    }

    /** A run-length form of a list of lengths: [4, 4, 4, 2] becomes "4×3, 2". */
    private static String compact(java.util.List<Integer> lengths) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < lengths.size(); ) {
            int j = i;
            while (j < lengths.size() && lengths.get(j).equals(lengths.get(i))) {
                j++;
            }
            text.append(text.length() == 0 ? "" : ", ")
                    .append(lengths.get(i))
                    .append(j - i > 1 ? "×" + (j - i) : "");
            i = j;
        }
        return text.toString();
    }

    /** Where a request ran: "draft on TM a, verify on TM b", or the verify side alone. */
    private static String placement(Placement placement) {
        String verify = "verify on " + shortId(placement.getVerifyTaskManager());
        return placement.getDraftTaskManager() == null
                ? verify
                : "draft on " + shortId(placement.getDraftTaskManager()) + ", " + verify;
    }

    private static String shortId(String taskManager) {
        return "TM " + prefix(taskManager);
    }

    /** Enough of a TaskManager's resource id to tell the local ones apart. */
    private static String prefix(String taskManager) {
        return taskManager == null
                ? "?"
                : taskManager.substring(0, Math.min(8, taskManager.length()));
    }

    private static String oneLine(String text) {
        String flat = text.replace("\n", "⏎");
        return flat.length() <= TEXT_WIDTH ? flat : flat.substring(0, TEXT_WIDTH) + "…";
    }
}
