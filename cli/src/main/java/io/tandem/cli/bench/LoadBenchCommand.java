package io.tandem.cli.bench;

import com.google.gson.JsonArray;
import io.tandem.cli.LocalCluster;
import io.tandem.cli.plot.LinePlot;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Figures;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.job.JobOptions;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemHome;
import io.tandem.job.config.TandemOptions;
import io.tandem.profile.MeasuredPair;
import io.tandem.udfs.ModelEngine;
import io.tandem.udfs.ServingMode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Latency, throughput and goodput against load: Poisson arrivals at multiples of the rate mode ad
 * sustains, in modes ad, sd-fixed and sd, on two model pairs: the bundled pair on this CPU, and
 * model stages emulated from a GPU profile (68M draft before a 7B target on an H200 by default),
 * planned with that same profile. Each run is the full path of {@code bench pipeline} (an embedded
 * Kafka broker, a fresh job on a local Flink, warm-up waves; {@link PipelineRunner}), and every
 * mode of a pair serves the same request set at every rate.
 *
 * <p>Ad's capacity on a pair is measured first, by a burst of requests sent at once (capacity =
 * requests over the time from the send to the last result), unless given. Goodput counts results
 * whose time per output token (latency over output tokens) is within an SLO: by default a factor
 * times ad's median TPOT at the lowest rate, so ad runs first there. Checks that no request was
 * lost or served twice and that greedy output in every mode and run equals ad's.
 */
@Command(
        name = "load",
        mixinStandardHelpOptions = true,
        description =
                "ad, sd-fixed and sd at 0.25x to 2x ad's capacity, on the CPU pair and on stages"
                        + " emulated from a GPU profile: p50, p99, TPOT, throughput, goodput.")
public final class LoadBenchCommand implements Callable<Integer> {

    static final String CPU = "cpu";
    static final String GPU = "gpu";

    @Option(
            names = "--pairs",
            paramLabel = "PAIR",
            split = ",",
            defaultValue = "cpu,gpu",
            description =
                    "Model pairs: cpu (the bundled pair), gpu (stages emulated from"
                            + " --gpu-profile) (default: ${DEFAULT-VALUE}).")
    List<String> pairs;

    @Option(
            names = "--factors",
            paramLabel = "F",
            split = ",",
            defaultValue = "0.25,0.5,1,1.5,2",
            description =
                    "Arrival rates as multiples of ad's capacity on the pair (default:"
                            + " ${DEFAULT-VALUE}).")
    double[] factors;

    @Option(
            names = "--requests",
            paramLabel = "N",
            defaultValue = "100",
            description = "Requests per run, at every rate (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--capacity-requests",
            paramLabel = "N",
            defaultValue = "48",
            description =
                    "Requests of the burst that measures ad's capacity, sent at once (default:"
                            + " ${DEFAULT-VALUE}).")
    int capacityRequests;

    @Option(
            names = "--cpu-capacity",
            paramLabel = "R",
            description = "Ad's capacity on the CPU pair, requests/s; measured when not given.")
    Double cpuCapacity;

    @Option(
            names = "--gpu-capacity",
            paramLabel = "R",
            description = "Ad's capacity on the GPU pair, requests/s; measured when not given.")
    Double gpuCapacity;

    @Option(
            names = "--tpot-slo-factor",
            paramLabel = "X",
            defaultValue = "2",
            description =
                    "Default TPOT SLO of a pair: this times ad's median TPOT at the pair's lowest"
                            + " rate (default: ${DEFAULT-VALUE}).")
    double tpotSloFactor;

    @Option(
            names = "--cpu-tpot-slo-ms",
            paramLabel = "MS",
            description = "TPOT SLO of the CPU pair, ms per output token, instead of the default.")
    Double cpuTpotSloMs;

    @Option(
            names = "--gpu-tpot-slo-ms",
            paramLabel = "MS",
            description = "TPOT SLO of the GPU pair, ms per output token, instead of the default.")
    Double gpuTpotSloMs;

    @Option(
            names = "--gpu-profile",
            paramLabel = "FILE",
            defaultValue = "profiles/h200-68m-7b.json",
            description =
                    "Stage profile the GPU pair's stages are emulated from and planned with"
                            + " (default: ${DEFAULT-VALUE}).")
    Path gpuProfile;

    @Mixin WorkloadOptions workloadOptions;

    @Mixin LocalCluster cluster;

    @Mixin ResultTimeoutOption results;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(
            names = "--plots",
            paramLabel = "DIR",
            description = "Write a PNG per pair to DIR: p50 and p99 against the arrival rate.")
    Path plots;

    /**
     * Job settings of the CPU pair, and of the GPU pair but its engine and profiles; the benchmark
     * itself sets the mode, the topics and the broker of each run.
     */
    @Mixin JobOptions job;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        List<String> chosen = parsePairs();
        double[] sortedFactors = parseFactors();
        for (Double positive : new Double[] {tpotSloFactor, cpuTpotSloMs, gpuTpotSloMs}) {
            if (positive != null && !(positive > 0)) {
                throw new IllegalArgumentException(
                        "a TPOT SLO and its factor must be > 0, got " + positive);
            }
        }
        PipelineWorkload workload = workloadOptions.read(requests);
        PipelineWorkload burst = workloadOptions.read(capacityRequests);
        JobConfig sample = config(chosen.get(0), Map.of());
        out.printf(
                "Tandem bench load: pairs %s; modes %s at %s x ad's capacity, %s per run;"
                        + " capacity: %s; %s%n",
                String.join(",", chosen),
                LoadSweep.MODES.stream().map(ServingMode::label).collect(Collectors.joining(",")),
                Arrays.stream(sortedFactors)
                        .mapToObj(PipelineRun::rateText)
                        .collect(Collectors.joining(",")),
                workloadOptions.describe(workload),
                chosen.stream().map(this::capacityRule).collect(Collectors.joining("; ")),
                PipelineRunner.describe(sample, cluster.taskManagers()));
        if (chosen.contains(GPU)) {
            MeasuredPair gpu = MeasuredPair.read(gpuProfilePath());
            out.printf(
                    "gpu pair: %s -> %s emulated from %s, planned with the same profile%n",
                    gpu.draft().model(), gpu.target().model(), gpuProfile);
        }
        out.println(sloRule(chosen));

        List<LoadSweep> sweeps = new ArrayList<>();
        int measured = (int) chosen.stream().filter(p -> givenCapacity(p) == null).count();
        long work =
                (long) (2 + measured) * burst.size()
                        + (long) chosen.size()
                                * LoadSweep.MODES.size()
                                * sortedFactors.length
                                * workload.size();
        try (ProgressBar progress = new ProgressBar("bench load", work);
                PipelineRunner runner =
                        new PipelineRunner(job.bootstrap(), cluster, results.timeout, progress)) {
            // unrecorded bursts first, in ad and in sd: the JVM's first job compiles Flink's,
            // Kafka's and the loop's code while it serves, and the first to draft compiles the
            // draft path; either would make the lowest rate's first run of that kind look slow
            saturate(runner, chosen.get(0), burst, ServingMode.AD);
            saturate(runner, chosen.get(0), burst, ServingMode.SD);
            for (String pair : chosen) {
                sweeps.add(sweep(runner, pair, sortedFactors, workload, burst));
            }
        }

        Summary summary = summary(chosen, sortedFactors, workload, sample, sweeps);
        summary.print(out);
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        if (plots != null) {
            for (LoadSweep sweep : sweeps) {
                Path file = plots.resolve("load-" + sweep.pair() + ".png");
                writePlot(sweep, file);
                out.println("Wrote " + file);
            }
        }
        boolean correct =
                lost(sweeps) == 0
                        && duplicated(sweeps) == 0
                        && errors(sweeps) == 0
                        && greedyMismatches(sweeps) == 0;
        return correct ? 0 : 1;
    }

    // ---------------------------------------------------------------- running

    private LoadSweep sweep(
            PipelineRunner runner,
            String pair,
            double[] sortedFactors,
            PipelineWorkload workload,
            PipelineWorkload burst)
            throws Exception {
        PipelineRun saturation = null;
        Double capacity = givenCapacity(pair);
        if (capacity == null) {
            saturation = saturate(runner, pair, burst, ServingMode.AD);
            capacity = saturation.throughput();
            if (!(capacity > 0)) {
                throw new IllegalStateException(
                        "The saturation run on the " + pair + " pair got no result back.");
            }
        }
        List<PipelineRun> runs = new ArrayList<>();
        for (double rate : LoadSweep.rates(capacity, sortedFactors)) {
            for (ServingMode mode : LoadSweep.MODES) {
                runs.add(
                        runner.run(
                                owned -> config(pair, owned),
                                mode,
                                rate,
                                workload.arrivals(rate),
                                workload));
            }
        }
        Double slo = givenTpotSlo(pair);
        // the first run is ad's at the lowest rate: the modes start with ad and the rates ascend
        return new LoadSweep(
                pair,
                capacity,
                saturation,
                sortedFactors,
                runs,
                slo != null ? slo : LoadSweep.defaultTpotSlo(tpotSloFactor, runs.get(0)));
    }

    /** A burst of {@code burst}'s requests in {@code mode}, all sent at once. */
    private PipelineRun saturate(
            PipelineRunner runner, String pair, PipelineWorkload burst, ServingMode mode)
            throws Exception {
        return runner.run(
                owned -> config(pair, owned), mode, Double.NaN, new double[burst.size()], burst);
    }

    // ---------------------------------------------------------------- settings

    private List<String> parsePairs() {
        List<String> parsed = new ArrayList<>();
        for (String pair : pairs) {
            String name = pair.trim();
            if (!name.equals(CPU) && !name.equals(GPU)) {
                throw new IllegalArgumentException(
                        "--pairs: '" + pair + "' is not a pair; use cpu or gpu");
            }
            if (!parsed.contains(name)) {
                parsed.add(name);
            }
        }
        return parsed;
    }

    private double[] parseFactors() {
        double[] sorted = Arrays.stream(factors).sorted().distinct().toArray();
        if (sorted.length == 0
                || !(sorted[0] > 0)
                || Double.isInfinite(sorted[sorted.length - 1])) {
            throw new IllegalArgumentException(
                    "--factors: need one or more finite factors > 0, got "
                            + Arrays.toString(factors));
        }
        return sorted;
    }

    private Double givenCapacity(String pair) {
        return pair.equals(CPU) ? cpuCapacity : gpuCapacity;
    }

    private Double givenTpotSlo(String pair) {
        return pair.equals(CPU) ? cpuTpotSloMs : gpuTpotSloMs;
    }

    private Path gpuProfilePath() {
        return TandemHome.resolve(gpuProfile).toAbsolutePath().normalize();
    }

    /**
     * A run's settings on {@code pair}: the user's, the pair's engine, then {@code owned}. The GPU
     * pair's planner prices stages with the profile they emulate, whatever profile the user's
     * settings give the CPU pair.
     */
    private JobConfig config(String pair, Map<String, String> owned) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (pair.equals(GPU)) {
            String profile = gpuProfilePath().toString();
            settings.put(TandemOptions.MODEL_ENGINE.key(), ModelEngine.EMULATED);
            settings.put(TandemOptions.MODEL_PROFILE.key(), profile);
            settings.put(TandemOptions.PLANNER_PROFILE.key(), profile);
        } else {
            settings.put(TandemOptions.MODEL_ENGINE.key(), ModelEngine.DJL_NAME);
        }
        settings.putAll(owned);
        return job.resolve(JobOptions.localDefaults(), settings);
    }

    private String capacityRule(String pair) {
        Double given = givenCapacity(pair);
        return given != null
                ? pair + " given, " + PipelineRun.rateText(given) + "/s"
                : pair + " measured by a burst of " + capacityRequests + " requests in ad";
    }

    private String sloRule(List<String> chosen) {
        return "TPOT = latency / output tokens per request; goodput = results per second whose"
                + " TPOT is within the pair's SLO: "
                + chosen.stream()
                        .map(
                                pair ->
                                        givenTpotSlo(pair) != null
                                                ? pair
                                                        + " "
                                                        + PipelineRun.rateText(givenTpotSlo(pair))
                                                        + " ms (given)"
                                                : pair
                                                        + " "
                                                        + PipelineRun.rateText(tpotSloFactor)
                                                        + " x ad's median TPOT at its lowest rate")
                        .collect(Collectors.joining("; "));
    }

    // ---------------------------------------------------------------- figures

    private static int lost(List<LoadSweep> sweeps) {
        return sweeps.stream().flatMap(LoadSweep::allRuns).mapToInt(PipelineRun::lost).sum();
    }

    private static int duplicated(List<LoadSweep> sweeps) {
        return sweeps.stream().flatMap(LoadSweep::allRuns).mapToInt(PipelineRun::duplicated).sum();
    }

    private static int errors(List<LoadSweep> sweeps) {
        return sweeps.stream().flatMap(LoadSweep::allRuns).mapToInt(PipelineRun::errors).sum();
    }

    private static int greedyMismatches(List<LoadSweep> sweeps) {
        return sweeps.stream().mapToInt(LoadSweep::greedyMismatches).sum();
    }

    /** {@code figure} of {@code pair}'s sweep; NaN when the pair did not run. */
    private static double ofPair(
            List<LoadSweep> sweeps, String pair, ToDoubleFunction<LoadSweep> figure) {
        return sweeps.stream()
                .filter(s -> s.pair().equals(pair))
                .mapToDouble(figure)
                .findFirst()
                .orElse(Double.NaN);
    }

    private Summary summary(
            List<String> chosen,
            double[] sortedFactors,
            PipelineWorkload workload,
            JobConfig sample,
            List<LoadSweep> sweeps) {
        JsonArray pairArray = new JsonArray();
        chosen.forEach(pairArray::add);
        JsonArray factorArray = new JsonArray();
        Arrays.stream(sortedFactors).forEach(factorArray::add);
        Summary summary = new Summary();
        Figures setup = summary.figures("setup", null).json("pairs", pairArray);
        workloadOptions.describe(setup, workload);
        PipelineRunner.describe(setup, sample, cluster.taskManagers());
        setup.json("factors", factorArray)
                .json("capacity_requests", capacityRequests)
                .json("gpu_profile", gpuProfile.toString())
                .json("tpot_slo_factor", tpotSloFactor)
                .json("latency", "scheduled send to the result read from the results topic")
                .json("tpot", "per request latency / output tokens; tpot_ms_p50 is their median")
                .json(
                        "goodput",
                        "results per second (first send to last result) whose TPOT is within"
                                + " the pair's SLO; goodput_share: their share of the requests"
                                + " sent");
        summary.line("");
        Table pairTable =
                summary.table(
                                "pairs",
                                "Per pair: ad's capacity and the TPOT SLO",
                                Column.of("pair", "pair"),
                                Column.json("engine"),
                                Column.json("planner_profile"),
                                Column.of("capacity_per_s", "ad capacity/s"),
                                Column.of("capacity_from", "from"),
                                Column.json("saturation_lost"),
                                Column.json("saturation_duplicated"),
                                Column.of("tpot_slo_ms", "TPOT SLO ms"),
                                Column.of("tpot_slo_from", "SLO from"))
                        .keyed();
        for (LoadSweep sweep : sweeps) {
            PipelineRun saturation = sweep.saturation();
            JobConfig.Generation generation = config(sweep.pair(), Map.of()).generation();
            pairTable.row(
                    sweep.pair(),
                    generation.engine().toString(),
                    generation.plannerProfile(),
                    Value.number(sweep.capacity(), "%.2f"),
                    saturation == null ? "given" : "burst of " + saturation.requests() + " in ad",
                    saturation == null ? null : saturation.lost(),
                    saturation == null ? null : saturation.duplicated(),
                    Value.number(sweep.tpotSloMs(), "%.2f"),
                    givenTpotSlo(sweep.pair()) != null
                            ? "given"
                            : PipelineRun.rateText(tpotSloFactor)
                                    + " x ad's median TPOT at "
                                    + String.format("%.2f", sweep.rates()[0])
                                    + "/s");
        }
        for (LoadSweep sweep : sweeps) {
            Table runs =
                    summary.table(
                            "runs",
                            sweep.pair()
                                    + " pair: latency ms (scheduled send to result read), TPOT"
                                    + " ms, throughput and goodput per second, ratios over ad at"
                                    + " the same rate",
                            Column.json("pair"),
                            Column.of("factor", "x cap"),
                            Column.of("rate_per_s", "rate/s"),
                            Column.of("mode", "mode"),
                            Column.json("requests"),
                            Column.json("results"),
                            Column.of("p50_ms", "p50"),
                            Column.of("p99_ms", "p99"),
                            Column.of("p50_vs_ad", "p50/ad"),
                            Column.of("p99_vs_ad", "p99/ad"),
                            Column.of("tpot_ms_p50", "TPOT"),
                            Column.of("throughput_per_s", "req/s"),
                            Column.of("tokens_per_s", "tok/s"),
                            Column.of("goodput_per_s", "good/s"),
                            Column.of("goodput_share", "good"),
                            Column.of("goodput_vs_ad", "good/ad"),
                            Column.of("acceptance", "accepted"),
                            Column.of("lost", "lost"),
                            Column.of("duplicated", "dup"),
                            Column.json("errors"),
                            Column.json("max_send_lag_ms"));
            double[] rates = sweep.rates();
            for (int step = 0; step < rates.length; step++) {
                for (ServingMode mode : LoadSweep.MODES) {
                    PipelineRun run = sweep.run(mode, step);
                    boolean ad = mode == ServingMode.AD;
                    runs.row(
                            sweep.pair(),
                            Value.measured(
                                    sweep.factors()[step],
                                    PipelineRun.rateText(sweep.factors()[step])),
                            Value.number(rates[step], "%.2f"),
                            mode.label(),
                            run.requests(),
                            run.outcomes().size() + run.duplicated(),
                            run.p50(),
                            run.p99(),
                            ad
                                    ? null
                                    : Value.number(
                                            sweep.vsAd(mode, step, PipelineRun::p50), "%.3f"),
                            ad
                                    ? null
                                    : Value.number(
                                            sweep.vsAd(mode, step, PipelineRun::p99), "%.3f"),
                            run.tpotP50(),
                            run.throughput(),
                            run.tokenThroughput(),
                            sweep.goodput(run),
                            Value.percent(run.goodShare(sweep.tpotSloMs())),
                            ad
                                    ? null
                                    : Value.number(sweep.vsAd(mode, step, sweep::goodput), "%.3f"),
                            Value.percent(run.acceptance()),
                            run.lost(),
                            run.duplicated(),
                            run.errors(),
                            run.maxSendLagMs());
                }
            }
        }
        summary.line(
                        "TPOT: median over requests of latency / output tokens; good/s: results"
                                + " per second within the pair's TPOT SLO, good: their share of"
                                + " the requests sent; x/ad: the mode's figure over ad's at the"
                                + " same rate.")
                .line("");
        int mismatches = greedyMismatches(sweeps);
        summary.figures("summary", "Summary")
                .asTable()
                .add(
                        "cpu_sd_ad_p50_ratio_max",
                        "cpu_sd_ad_p50_ratio_max (worst over rates)",
                        Value.number(
                                ofPair(
                                        sweeps,
                                        CPU,
                                        s -> s.maxVsAd(ServingMode.SD, PipelineRun::p50)),
                                "%.3f"))
                .add(
                        "cpu_sd_ad_p99_ratio_max",
                        "cpu_sd_ad_p99_ratio_max (worst over rates)",
                        Value.number(
                                ofPair(
                                        sweeps,
                                        CPU,
                                        s -> s.maxVsAd(ServingMode.SD, PipelineRun::p99)),
                                "%.3f"))
                .add(
                        "cpu_sd_ad_p50_ratio_low",
                        "cpu_sd_ad_p50_ratio_low (lowest rate)",
                        Value.number(
                                ofPair(
                                        sweeps,
                                        CPU,
                                        s -> s.vsAd(ServingMode.SD, 0, PipelineRun::p50)),
                                "%.3f"))
                .add(
                        "gpu_sd_ad_p50_ratio_max",
                        "gpu_sd_ad_p50_ratio_max (worst over rates)",
                        Value.number(
                                ofPair(
                                        sweeps,
                                        GPU,
                                        s -> s.maxVsAd(ServingMode.SD, PipelineRun::p50)),
                                "%.3f"))
                .add(
                        "gpu_sd_ad_p50_ratio_low",
                        "gpu_sd_ad_p50_ratio_low (lowest rate)",
                        Value.number(
                                ofPair(
                                        sweeps,
                                        GPU,
                                        s -> s.vsAd(ServingMode.SD, 0, PipelineRun::p50)),
                                "%.3f"))
                .add(
                        "gpu_sd_ad_goodput_ratio_at_capacity",
                        "gpu_sd_ad_goodput_ratio_at_capacity (goodput req/s, 1 x capacity)",
                        Value.number(
                                ofPair(sweeps, GPU, s -> s.vsAdAt(1.0, ServingMode.SD, s::goodput)),
                                "%.3f"))
                .add("lost", "lost (all runs)", lost(sweeps))
                .add("duplicated", "duplicated (all runs)", duplicated(sweeps))
                .json("errors", errors(sweeps))
                .add(
                        "greedy_identical",
                        "greedy_identical (vs the pair's ad at its lowest rate)",
                        Value.flag(mismatches == 0, mismatches + " differ"))
                .json("greedy_mismatches", mismatches);
        if (errors(sweeps) > 0) {
            summary.line("Results with finish reason ERROR: " + errors(sweeps));
        }
        return summary;
    }

    private static void writePlot(LoadSweep sweep, Path file) throws IOException {
        double[] rates = sweep.rates();
        LinePlot plot =
                new LinePlot(
                                sweep.pair()
                                        + " pair: latency against load (ad's capacity "
                                        + String.format("%.2f", sweep.capacity())
                                        + "/s)",
                                "arrival rate, requests/s",
                                "latency, ms (p50 solid, p99 dashed)",
                                rates)
                        .xPattern("#0.0#");
        for (ServingMode mode : LoadSweep.MODES) {
            plot.series(mode.label() + " p50", figure(sweep, mode, PipelineRun::p50));
            plot.companion(mode.label() + " p99", figure(sweep, mode, PipelineRun::p99));
        }
        plot.write(file);
    }

    /** {@code figure} of {@code mode}'s run at each rate of {@code sweep}. */
    private static double[] figure(
            LoadSweep sweep, ServingMode mode, ToDoubleFunction<PipelineRun> figure) {
        return IntStream.range(0, sweep.factors().length)
                .mapToDouble(step -> figure.applyAsDouble(sweep.run(mode, step)))
                .toArray();
    }
}
