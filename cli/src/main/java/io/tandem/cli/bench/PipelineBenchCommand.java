package io.tandem.cli.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.tandem.cli.LocalCluster;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Figures;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.job.JobOptions;
import io.tandem.job.config.JobConfig;
import io.tandem.udfs.ServingMode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One request set, Poisson arrivals at a few rates, served in each mode twice: through the full
 * path (an embedded Kafka broker and the streaming job on a local Flink, a fresh job and fresh
 * topics per mode and rate) and by the same models in a plain loop in this JVM with the same
 * windows ({@link InProcessLoop}). Prints latency percentiles, throughput, acceptance, the
 * speculation lengths chosen and where the time went, and checks that no request was lost or served
 * twice and that greedy output is the same in every mode.
 *
 * <p>The in-process loop is a discrete-time replay: model calls really run, one at a time, and a
 * virtual clock advances by their measured durations ({@link WindowReplay}); it takes the model
 * time, not the arrival span, and its two workers never compete for the CPU.
 */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        description =
                "ad, sd-fixed and sd end to end (Kafka + Flink) and in process, on one request set"
                        + " with Poisson arrivals: latency, throughput, acceptance, lengths, loss.")
public final class PipelineBenchCommand implements Callable<Integer> {

    private static final String LOOP_NOTE =
            "each request's mean time per trip around the round loop outside the models (head to"
                    + " draft to verify to tail and back), median over requests";

    @Option(
            names = "--requests",
            paramLabel = "N",
            defaultValue = "40",
            description = "Requests per run (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--rates",
            paramLabel = "R",
            split = ",",
            defaultValue = "1,4",
            description = "Poisson arrival rates, requests/s (default: ${DEFAULT-VALUE}).")
    double[] rates;

    @Option(
            names = "--modes",
            paramLabel = "MODE",
            split = ",",
            defaultValue = "ad,sd-fixed,sd",
            description = "Serving modes to run (default: ${DEFAULT-VALUE}).")
    List<String> modes;

    @Mixin WorkloadOptions workloadOptions;

    @Mixin LocalCluster cluster;

    @Mixin ResultTimeoutOption results;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /** Job settings; the benchmark itself sets the mode, the topics and the broker of each run. */
    @Mixin JobOptions job;

    private final Map<String, Integer> errors = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        List<ServingMode> servingModes = parseModes();
        double[] sortedRates = Arrays.stream(rates).sorted().distinct().toArray();
        PipelineWorkload workload = workloadOptions.read(requests);
        JobConfig sample = config(ServingMode.SD, "localhost:9092", "sample");
        out.printf(
                "Tandem bench pipeline: %s, rates %s/s, modes %s; %s, sd-fixed γ %d%n",
                workloadOptions.describe(workload),
                Arrays.stream(sortedRates)
                        .mapToObj(PipelineRun::rateText)
                        .collect(Collectors.joining(",")),
                servingModes.stream().map(ServingMode::label).collect(Collectors.joining(",")),
                PipelineRunner.describe(sample, cluster.taskManagers()),
                sample.generation().speculationLength());

        List<PipelineRun> pipeline = new ArrayList<>();
        List<PipelineRun> inProcess = new ArrayList<>();
        Map<String, List<Integer>> reference;
        int work = (2 * servingModes.size() * sortedRates.length + 1) * requests;
        try (ProgressBar progress = new ProgressBar("bench pipeline", work)) {
            try (PipelineRunner runner =
                    new PipelineRunner(job.bootstrap(), cluster, results.timeout, progress)) {
                // an unrecorded run first: the JVM's first job compiles Flink's, Kafka's and the
                // loop's code while it serves, and would make whichever mode runs first look slow
                countErrors(
                        runPipeline(
                                runner,
                                servingModes.get(0),
                                sortedRates[sortedRates.length - 1],
                                workload));
                for (double rate : sortedRates) {
                    for (ServingMode mode : servingModes) {
                        pipeline.add(countErrors(runPipeline(runner, mode, rate, workload)));
                    }
                }
            }
            try (InProcessLoop loop = new InProcessLoop(sample)) {
                for (double rate : sortedRates) {
                    for (ServingMode mode : servingModes) {
                        JobConfig config = config(mode, "localhost:9092", "in-process");
                        List<RequestOutcome> outcomes =
                                loop.run(
                                        mode,
                                        config.generation().speculationLength(),
                                        workload,
                                        workload.arrivals(rate),
                                        config,
                                        progress::stepBy);
                        inProcess.add(
                                new PipelineRun(
                                        PipelineRun.IN_PROCESS,
                                        mode.label(),
                                        rate,
                                        requests,
                                        outcomes,
                                        0,
                                        0,
                                        0,
                                        0));
                    }
                }
                reference =
                        servingModes.contains(ServingMode.AD)
                                ? tokens(find(pipeline, ServingMode.AD, sortedRates[0]))
                                : loop.targetAlone(workload);
            }
        }

        Headline headline = Headline.of(pipeline, inProcess, reference, sortedRates[0]);
        Summary summary = summary(workload, sample, pipeline, inProcess, headline);
        summary.print(out);
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        boolean correct =
                headline.lost() == 0
                        && headline.duplicated() == 0
                        && errors.isEmpty()
                        && headline.greedyIdentical();
        return correct ? 0 : 1;
    }

    private PipelineRun runPipeline(
            PipelineRunner runner, ServingMode mode, double rate, PipelineWorkload workload)
            throws Exception {
        return runner.run(
                owned -> job.resolve(JobOptions.localDefaults(), owned),
                mode,
                rate,
                workload.arrivals(rate),
                workload);
    }

    private PipelineRun countErrors(PipelineRun run) {
        if (run.errors() > 0) {
            errors.merge(
                    run.mode() + " at " + PipelineRun.rateText(run.rate()),
                    run.errors(),
                    Integer::sum);
        }
        return run;
    }

    // ---------------------------------------------------------------- settings

    private List<ServingMode> parseModes() {
        List<ServingMode> parsed = new ArrayList<>();
        for (String label : modes) {
            ServingMode mode =
                    Arrays.stream(ServingMode.values())
                            .filter(m -> m.label().equals(label.trim()))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new IllegalArgumentException(
                                                    "--modes: '"
                                                            + label
                                                            + "' is not a mode; use ad, sd-fixed"
                                                            + " or sd"));
            if (!parsed.contains(mode)) {
                parsed.add(mode);
            }
        }
        return parsed;
    }

    /** The job's settings for one run: the user's, then this run's mode, broker and topics. */
    private JobConfig config(ServingMode mode, String bootstrap, String tag) {
        return job.resolve(JobOptions.localDefaults(), PipelineRunner.owned(mode, bootstrap, tag));
    }

    // ---------------------------------------------------------------- figures

    private static PipelineRun find(List<PipelineRun> runs, ServingMode mode, double rate) {
        return runs.stream()
                .filter(r -> r.mode().equals(mode.label()) && r.rate() == rate)
                .findFirst()
                .orElse(null);
    }

    private static Map<String, List<Integer>> tokens(PipelineRun run) {
        return run.outcomes().stream()
                .collect(Collectors.toMap(RequestOutcome::id, RequestOutcome::tokens));
    }

    /** Requests of {@code runs} whose tokens differ from {@code reference}'s. */
    private static int mismatches(List<PipelineRun> runs, Map<String, List<Integer>> reference) {
        int differ = 0;
        for (PipelineRun run : runs) {
            for (RequestOutcome o : run.outcomes()) {
                List<Integer> expected = reference.get(o.id());
                if (expected != null && !expected.equals(o.tokens())) {
                    differ++;
                }
            }
        }
        return differ;
    }

    /** The headline figures: the JSON summary and what the exit code says. */
    private record Headline(
            double lowestRate,
            double sdAdP50Ratio,
            double pipelineInProcessRatio,
            Map<String, Double> pipelineInProcessByMode,
            double loopOverheadP50,
            int lost,
            int duplicated,
            boolean greedyIdentical,
            int greedyMismatches,
            int inProcessMismatches,
            String reference) {

        static Headline of(
                List<PipelineRun> pipeline,
                List<PipelineRun> inProcess,
                Map<String, List<Integer>> reference,
                double lowestRate) {
            PipelineRun sd = find(pipeline, ServingMode.SD, lowestRate);
            PipelineRun ad = find(pipeline, ServingMode.AD, lowestRate);
            Map<String, Double> byMode = new LinkedHashMap<>();
            for (PipelineRun run : pipeline) {
                if (run.rate() == lowestRate) {
                    byMode.put(run.mode(), run.p50() / match(inProcess, run).p50());
                }
            }
            int differ = mismatches(pipeline, reference);
            return new Headline(
                    lowestRate,
                    sd != null && ad != null ? sd.p50() / ad.p50() : Double.NaN,
                    byMode.getOrDefault(ServingMode.SD.label(), Double.NaN),
                    byMode,
                    sd != null ? sd.loopOverheadP50() : Double.NaN,
                    pipeline.stream().mapToInt(PipelineRun::lost).sum(),
                    pipeline.stream().mapToInt(PipelineRun::duplicated).sum(),
                    differ == 0,
                    differ,
                    mismatches(inProcess, reference),
                    ad != null ? "ad, full path" : "target alone, in process");
        }
    }

    /** The run of {@code runs} in the same mode at the same rate as {@code run}. */
    private static PipelineRun match(List<PipelineRun> runs, PipelineRun run) {
        return runs.stream()
                .filter(r -> r.mode().equals(run.mode()) && r.rate() == run.rate())
                .findFirst()
                .orElseThrow();
    }

    private Summary summary(
            PipelineWorkload workload,
            JobConfig sample,
            List<PipelineRun> pipeline,
            List<PipelineRun> inProcess,
            Headline headline) {
        Summary summary = new Summary();
        JsonArray rateArray = new JsonArray();
        Arrays.stream(rates).sorted().distinct().forEach(rateArray::add);
        Figures setup = summary.figures("setup", null);
        workloadOptions.describe(setup, workload);
        setup.json("rates_per_s", rateArray);
        PipelineRunner.describe(setup, sample, cluster.taskManagers());
        setup.json("target", sample.generation().modelDir())
                .json("draft", sample.generation().draftDir())
                .json("planner_profile", sample.generation().plannerProfile())
                .json(
                        "pytorch_threads",
                        System.getProperty("ai.djl.pytorch.num_threads", "default"))
                .json(
                        "pipeline_latency",
                        "scheduled send to the result read from the results topic")
                .json(
                        "inprocess",
                        "discrete-time replay: same windows and lanes, model calls really run one"
                                + " at a time, the clock advances by their measured durations;"
                                + " latency is scheduled arrival to batch end");
        summary.line("");
        Table full =
                summary.table(
                        "runs",
                        "Full path: Kafka + Flink ("
                                + cluster.taskManagers()
                                + " TaskManagers); latency ms, scheduled send to result read",
                        columns(
                                Column.of("lost", "lost"),
                                Column.of("duplicated", "dup"),
                                Column.of("loop_overhead_ms_p50", "loop ms"),
                                Column.json("max_send_lag_ms")));
        for (PipelineRun run : pipeline) {
            full.row(
                    cells(
                            run,
                            run.lost(),
                            run.duplicated(),
                            run.loopOverheadP50(),
                            run.maxSendLagMs()));
        }
        summary.line(
                        "l:batches: batches per speculation length drafted (sd: the acceptance"
                                + " tracker may move off the planner's l, in the job and in"
                                + " process alike); loop ms: "
                                + LOOP_NOTE
                                + ".")
                .line("");
        Table local =
                summary.table(
                        "runs",
                        "In process: the same models and windows, discrete-time replay; latency ms,"
                                + " scheduled arrival to batch end",
                        columns(
                                Column.json("lost"),
                                Column.json("duplicated"),
                                Column.shown("full/in-process p50")));
        for (PipelineRun run : inProcess) {
            local.row(
                    cells(
                            run,
                            run.lost(),
                            run.duplicated(),
                            match(pipeline, run).p50() / run.p50()));
        }
        List<String> partHeaders = new ArrayList<>(List.of("mode", "rate/s", "path"));
        Arrays.stream(RequestOutcome.Part.values()).forEach(p -> partHeaders.add(p.header));
        partHeaders.add("total");
        Table parts =
                summary.table(
                        "Where the time goes: mean ms per request (queue: Kafka in; admission: at"
                            + " the loop head, for earlier batches to finish; waiting: for the"
                            + " planner, model workers and operator hand-offs, of it loop: trips"
                            + " around the round loop outside the models; delivery: Kafka out)",
                        partHeaders.toArray(String[]::new));
        for (int i = 0; i < pipeline.size(); i++) {
            for (PipelineRun run : List.of(pipeline.get(i), inProcess.get(i))) {
                List<Object> row = new ArrayList<>();
                row.add(run.mode());
                row.add(PipelineRun.rateText(run.rate()));
                row.add(run.path().equals(PipelineRun.PIPELINE) ? "full" : "in-process");
                Arrays.stream(RequestOutcome.Part.values()).forEach(p -> row.add(run.mean(p.ms)));
                row.add(run.mean(RequestOutcome::latencyMs));
                parts.row(row.toArray());
            }
        }
        String lowest = PipelineRun.rateText(headline.lowestRate());
        JsonObject byMode = new JsonObject();
        headline.pipelineInProcessByMode()
                .forEach(
                        (mode, ratio) -> {
                            if (Double.isFinite(ratio)) {
                                byMode.addProperty(mode, ratio);
                            }
                        });
        summary.figures("summary", "Summary (goals are reported, not asserted)")
                .asTable()
                .add(
                        "sd_ad_p50_ratio",
                        "sd_ad_p50_ratio (full path, " + lowest + "/s)",
                        Value.number(headline.sdAdP50Ratio(), "%.3f"),
                        "<= 0.6")
                .add(
                        "pipeline_inprocess_ratio",
                        "pipeline_inprocess_ratio (sd, p50, " + lowest + "/s)",
                        Value.number(headline.pipelineInProcessRatio(), "%.3f"),
                        "<= 1.15")
                .json("pipeline_inprocess_ratio_by_mode", byMode)
                .json("lowest_rate_per_s", headline.lowestRate())
                .add(
                        "loop_overhead_ms_p50",
                        "loop_overhead_ms_p50 (sd, " + lowest + "/s, per trip, median request)",
                        Value.number(headline.loopOverheadP50(), "%.3f"),
                        "<= 1")
                .json("loop", "in-memory feedback channel between co-located head and tail")
                .add("lost", "lost", headline.lost(), "0")
                .add("duplicated", "duplicated", headline.duplicated(), "0")
                .json("errors", errors.values().stream().mapToInt(Integer::intValue).sum())
                .add(
                        "greedy_identical",
                        "greedy_identical (vs " + headline.reference() + ")",
                        Value.flag(
                                headline.greedyIdentical(),
                                headline.greedyMismatches() + " differ"),
                        "true")
                .json("greedy_mismatches", headline.greedyMismatches())
                .json("greedy_reference", headline.reference())
                .json("inprocess_greedy_identical", headline.inProcessMismatches() == 0);
        if (!errors.isEmpty()) {
            summary.line("Results with finish reason ERROR: " + errors);
        }
        return summary;
    }

    /** {@link PipelineRun#COLUMNS}, then a path's own. */
    private static Column[] columns(Column... more) {
        List<Column> all = new ArrayList<>(PipelineRun.COLUMNS);
        all.addAll(List.of(more));
        return all.toArray(Column[]::new);
    }

    /** A run's cells under {@link #columns}, then {@code more}. */
    private static Object[] cells(PipelineRun run, Object... more) {
        List<Object> all = new ArrayList<>(run.cells());
        all.addAll(List.of(more));
        return all.toArray();
    }
}
