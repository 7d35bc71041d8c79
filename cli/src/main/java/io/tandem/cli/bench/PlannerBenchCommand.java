package io.tandem.cli.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.tandem.planner.acceptance.IidAcceptance;
import io.tandem.planner.batching.BatchPlan;
import io.tandem.planner.batching.ExactPlanner;
import io.tandem.planner.batching.FastPlanner;
import io.tandem.planner.batching.Planner;
import io.tandem.planner.batching.PlanningProblem;
import io.tandem.planner.sim.Scenario;
import io.tandem.planner.sim.Workload;
import io.tandem.planner.stats.Percentiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How long planning a window takes, and how far the fast planner's plan is from the exact DP's:
 * windows of the paper's scenario (LLaMA-68M → 7B, prompts of 32–512 tokens), one per seed, at
 * device efficiencies that make the verify stage memory-bound (few batches) or compute-bound
 * (many). Times are medians over repetitions after a warm-up, on one thread.
 */
@Command(
        name = "planner",
        mixinStandardHelpOptions = true,
        description = "Planning time for K = 10, 100, 1000 requests and the gap to the exact DP.")
public final class PlannerBenchCommand implements Callable<Integer> {

    @Option(
            names = "--sizes",
            paramLabel = "K",
            split = ",",
            defaultValue = "10,50,100,1000",
            description = "Window sizes (default: ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(
            names = "--efficiencies",
            paramLabel = "ETA",
            split = ",",
            defaultValue = "0.5,0.05",
            description =
                    "Device efficiencies to plan for: 0.5 is mostly memory-bound (few batches),"
                            + " 0.05 compute-bound (many) (default: ${DEFAULT-VALUE}).")
    double[] efficiencies;

    @Option(
            names = "--seeds",
            paramLabel = "S",
            defaultValue = "5",
            description = "Windows per size (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--exact-up-to",
            paramLabel = "K",
            defaultValue = "100",
            description = "Largest window the exact DP is run on (default: ${DEFAULT-VALUE}).")
    int exactUpTo;

    @Option(
            names = "--repetitions",
            paramLabel = "N",
            defaultValue = "9",
            description =
                    "Timed runs per window; medians are reported (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Row[] rows = new Row[sizes.length * efficiencies.length];
        try (ProgressBar progress = new ProgressBar("bench planner", rows.length * seeds)) {
            for (int e = 0; e < efficiencies.length; e++) {
                for (int i = 0; i < sizes.length; i++) {
                    rows[e * sizes.length + i] = measure(sizes[i], efficiencies[e], progress);
                }
            }
        }
        TextTable table =
                new TextTable(
                        "Planning time (ms, median) and the fast planner's gap to the exact DP",
                        "η",
                        "K",
                        "exact ms",
                        "fast ms",
                        "fast + per-batch l ms",
                        "gap % (max)",
                        "gap % (mean)",
                        "per-batch l gain %",
                        "batches");
        for (Row row : rows) {
            table.row(
                    row.efficiency,
                    row.size,
                    Double.isNaN(row.exactMs) ? "-" : row.exactMs,
                    row.fastMs,
                    row.tunedMs,
                    Double.isNaN(row.gapMax) ? "-" : String.format("%.3f", row.gapMax),
                    Double.isNaN(row.gapMean) ? "-" : String.format("%.3f", row.gapMean),
                    String.format("%.2f", row.perBatchGain),
                    row.batches);
        }
        table.print(out);
        out.println(
                "gap: (fast − exact) / exact of the planned latency Fill + N·Cyc; per-batch l gain:"
                        + " how much choosing each batch's l lowered the event-driven makespan.");
        Summary summary = summary(rows);
        out.printf(
                "%nSummary (slowest regime): plan_ms_k100 %.2f (goal <= 20), plan_ms_k1000 %.1f"
                        + " (goal <= 200), gap_to_exact_pct_max %.3f (goal <= 1)%n",
                summary.k100, summary.k1000, summary.gapMax);
        if (json != null) {
            BenchJson.write(json, report(rows, summary));
            out.println("Wrote " + json);
        }
        return 0;
    }

    private Row measure(int size, double efficiency, ProgressBar progress) {
        Scenario scenario = Scenario.paper().withUsers(size).withEfficiency(efficiency);
        boolean exact = size <= exactUpTo;
        double[] exactMs = new double[seeds];
        double[] fastMs = new double[seeds];
        double[] tunedMs = new double[seeds];
        double[] gaps = new double[seeds];
        double[] gains = new double[seeds];
        int batches = 0;
        for (int s = 0; s < seeds; s++) {
            PlanningProblem problem = problem(scenario, Workload.draw(scenario, s + 1));
            BatchPlan fast = new FastPlanner(false).plan(problem);
            fastMs[s] = medianMillis(new FastPlanner(false), problem);
            BatchPlan tuned = new FastPlanner(true).plan(problem);
            tunedMs[s] = medianMillis(new FastPlanner(true), problem);
            gains[s] =
                    100
                            * tuned.perBatchGainSeconds()
                            / (tuned.simulatedSeconds() + tuned.perBatchGainSeconds());
            batches = Math.max(batches, fast.batchCount());
            if (exact) {
                BatchPlan best = new ExactPlanner(false).plan(problem);
                exactMs[s] = medianMillis(new ExactPlanner(false), problem);
                gaps[s] =
                        100
                                * (fast.predictedSeconds() - best.predictedSeconds())
                                / best.predictedSeconds();
            }
            progress.step();
        }
        return new Row(
                efficiency,
                size,
                exact ? Percentiles.median(exactMs) : Double.NaN,
                Percentiles.median(fastMs),
                Percentiles.median(tunedMs),
                exact ? Arrays.stream(gaps).max().orElseThrow() : Double.NaN,
                exact ? Arrays.stream(gaps).average().orElseThrow() : Double.NaN,
                Arrays.stream(gains).average().orElseThrow(),
                batches);
    }

    private static PlanningProblem problem(Scenario scenario, Workload workload) {
        return PlanningProblem.builder()
                .setInputTokens(workload.inputTokens())
                .setOutputTokens(scenario.outputTokens())
                .setAcceptance(new IidAcceptance(scenario.alpha()))
                .setCosts(scenario.costs())
                .optSpeculationRange(1, scenario.maxSpeculation())
                .build();
    }

    private double medianMillis(Planner planner, PlanningProblem problem) {
        for (int i = 0; i < 3; i++) {
            planner.plan(problem);
        }
        double[] times = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            long start = System.nanoTime();
            planner.plan(problem);
            times[r] = (System.nanoTime() - start) / 1e6;
        }
        return Percentiles.median(times);
    }

    private record Row(
            double efficiency,
            int size,
            double exactMs,
            double fastMs,
            double tunedMs,
            double gapMax,
            double gapMean,
            double perBatchGain,
            int batches) {}

    private record Summary(double k100, double k1000, double gapMax) {}

    private static Summary summary(Row[] rows) {
        double k100 = Double.NaN;
        double k1000 = Double.NaN;
        double gap = 0;
        for (Row row : rows) {
            // the slowest regime counts
            if (row.size == 100) {
                k100 = Double.isNaN(k100) ? row.fastMs : Math.max(k100, row.fastMs);
            }
            if (row.size == 1000) {
                k1000 = Double.isNaN(k1000) ? row.fastMs : Math.max(k1000, row.fastMs);
            }
            if (!Double.isNaN(row.gapMax)) {
                gap = Math.max(gap, row.gapMax);
            }
        }
        return new Summary(k100, k1000, gap);
    }

    private static JsonObject report(Row[] rows, Summary summary) {
        JsonObject json = new JsonObject();
        JsonArray sizes = new JsonArray();
        for (Row row : rows) {
            JsonObject r = new JsonObject();
            r.addProperty("efficiency", row.efficiency);
            r.addProperty("k", row.size);
            if (!Double.isNaN(row.exactMs)) {
                r.addProperty("exact_ms", row.exactMs);
                r.addProperty("gap_pct_max", row.gapMax);
                r.addProperty("gap_pct_mean", row.gapMean);
            }
            r.addProperty("fast_ms", row.fastMs);
            r.addProperty("fast_per_batch_l_ms", row.tunedMs);
            r.addProperty("per_batch_l_gain_pct", row.perBatchGain);
            r.addProperty("batches_max", row.batches);
            sizes.add(r);
        }
        json.add("sizes", sizes);
        JsonObject s = new JsonObject();
        // a size not measured is left out rather than written as NaN
        if (!Double.isNaN(summary.k100)) {
            s.addProperty("plan_ms_k100", summary.k100);
        }
        if (!Double.isNaN(summary.k1000)) {
            s.addProperty("plan_ms_k1000", summary.k1000);
        }
        s.addProperty("gap_to_exact_pct_max", summary.gapMax);
        json.add("summary", s);
        return json;
    }
}
