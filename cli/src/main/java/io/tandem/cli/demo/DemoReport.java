package io.tandem.cli.demo;

import io.tandem.planner.stats.Percentiles;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import io.tandem.schemas.Placement;
import io.tandem.schemas.PlanDecision;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What the demo prints: every result, every dead letter, and a summary. */
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
                                    "%-7s %5.0f ms (queue %.0f, batch %.0f, draft %.0f, verify"
                                        + " %.0f, loop %.0f, other %.0f)  %-6s %2d tokens  batch of"
                                        + " %d, %s%n",
                                    r.getRequestId(),
                                    l.getTotalMs(),
                                    l.getQueueingMs(),
                                    l.getBatchingMs(),
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

        double[] totals =
                results.stream().mapToDouble(r -> r.getLatency().getTotalMs()).sorted().toArray();
        int tokens = results.stream().mapToInt(InferenceResult::getGeneratedTokens).sum();
        double modelMs = modelMillis();
        TreeSet<String> drafting =
                results.stream()
                        .map(r -> r.getPlacement().getDraftTaskManager())
                        .filter(Objects::nonNull)
                        .map(DemoReport::shortId)
                        .collect(Collectors.toCollection(TreeSet::new));
        TreeSet<String> verifying =
                results.stream()
                        .map(r -> shortId(r.getPlacement().getVerifyTaskManager()))
                        .collect(Collectors.toCollection(TreeSet::new));
        out.println("Summary");
        row(out, "requests sent", String.valueOf(requests.size()));
        row(
                out,
                "results",
                results.size()
                        + (isComplete(deadLetters.size())
                                ? " (one per request)"
                                : " (INCOMPLETE)"));
        row(out, "dead letters", String.valueOf(deadLetters.size()));
        row(
                out,
                "batches",
                String.valueOf(
                        results.stream().map(InferenceResult::getBatchId).distinct().count()));
        row(out, "generated tokens", String.valueOf(tokens));
        row(out, "finish reasons", finishReasons());
        row(out, "serving mode", modes());
        long drafted = results.stream().mapToLong(InferenceResult::getDraftedTokens).sum();
        if (drafted > 0) {
            long accepted = results.stream().mapToLong(InferenceResult::getAcceptedTokens).sum();
            long rounds = results.stream().mapToLong(InferenceResult::getRounds).sum();
            row(
                    out,
                    "draft tokens accepted",
                    String.format(
                            "%d of %d (%.1f%%)", accepted, drafted, 100.0 * accepted / drafted));
            row(out, "tokens per target call", String.format("%.2f", (double) tokens / rounds));
            row(out, "speculation lengths used", lengthCounts());
        }
        row(
                out,
                "latency p50 / max (end to end)",
                String.format(
                        "%.0f ms / %.0f ms",
                        Percentiles.nearestRank(totals, 0.5),
                        Percentiles.nearestRank(totals, 1.0)));
        row(
                out,
                "model time (sum of batches)",
                String.format(
                        "%.0f ms, %.1f tokens/s",
                        modelMs, modelMs == 0 ? 0 : tokens * 1000 / modelMs));
        row(
                out,
                "loop overhead per round (p50)",
                String.format("%.2f ms", Percentiles.nearestRank(overheadPerRound(), 0.5)));
        row(out, "TaskManagers drafting", drafting.isEmpty() ? "-" : drafting.toString());
        row(out, "TaskManagers verifying", verifying.toString());
    }

    /** Each request's loop overhead per round. */
    private double[] overheadPerRound() {
        return results.stream()
                .filter(r -> r.getRounds() > 0)
                .mapToDouble(r -> r.getLatency().getRoundOverheadMs() / r.getRounds())
                .sorted()
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

    private String finishReasons() {
        return results.stream()
                .collect(
                        Collectors.groupingBy(
                                r -> r.getFinishReason().name(),
                                java.util.TreeMap::new,
                                Collectors.counting()))
                .entrySet()
                .stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private String modes() {
        return results.stream()
                .map(InferenceResult::getMode)
                .distinct()
                .sorted()
                .collect(Collectors.joining(", "));
    }

    /** How many rounds ran at each speculation length, e.g. "γ=4: 120, γ=2: 3". */
    private String lengthCounts() {
        Map<Integer, Long> counts = new java.util.TreeMap<>(Comparator.reverseOrder());
        for (InferenceResult result : results) {
            for (int length : result.getSpeculationLengths()) {
                counts.merge(length, 1L, Long::sum);
            }
        }
        return counts.entrySet().stream()
                .map(e -> "γ=" + e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining(", "));
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
        return taskManager == null
                ? "?"
                : "TM " + taskManager.substring(0, Math.min(8, taskManager.length()));
    }

    private static void row(PrintStream out, String name, String value) {
        out.printf("  %-32s %s%n", name, value);
    }

    private static String oneLine(String text) {
        String flat = text.replace("\n", "⏎");
        return flat.length() <= TEXT_WIDTH ? flat : flat.substring(0, TEXT_WIDTH) + "…";
    }
}
