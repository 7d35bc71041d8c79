package io.tandem.cli.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.tandem.cli.LocalCluster;
import io.tandem.cli.demo.DemoRequests;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.job.JobOptions;
import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemOptions;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.RequestProducer;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.udfs.Results;
import io.tandem.udfs.ServingMode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import me.tongfei.progressbar.ProgressBar;
import org.apache.flink.core.execution.JobClient;
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

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);

    /** Waves of warm-up requests per run, one request per lane each, of this many tokens. */
    private static final int WARM_UP_WAVES = 4;

    private static final int WARM_UP_TOKENS = 48;
    // results read after the last one expected, so a duplicate still in flight is counted
    private static final Duration DUPLICATE_GRACE = Duration.ofMillis(500);
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

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "PT60S",
            description =
                    "How long to wait for results after the last request, ISO-8601"
                            + " (default: 60 s); what has not come is lost.")
    Duration timeout;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /** Job settings; the benchmark itself sets the mode, the topics and the broker of each run. */
    @Mixin JobOptions job;

    private int runCount;
    private final Map<String, Integer> errors = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        List<ServingMode> servingModes = parseModes();
        double[] sortedRates = Arrays.stream(rates).sorted().distinct().toArray();
        PipelineWorkload workload = workloadOptions.read(requests);
        JobConfig sample = config(ServingMode.SD, "localhost:9092", "sample");
        out.printf(
                "Tandem bench pipeline: %d requests (prompts %d-%d chars, %d new tokens, greedy),"
                        + " rates %s/s, modes %s; windows of up to %d requests or %d ms, %d"
                        + " lanes, parallelism %d, %d TaskManagers, sd-fixed γ %d%n",
                requests,
                workloadOptions.minPromptChars(),
                workloadOptions.maxPromptChars(),
                workload.maxNewTokens(),
                Arrays.stream(sortedRates)
                        .mapToObj(PipelineRun::rateText)
                        .collect(Collectors.joining(",")),
                servingModes.stream().map(ServingMode::label).collect(Collectors.joining(",")),
                sample.batching().maxSize(),
                sample.batching().maxWait().toMillis(),
                sample.batching().lanes(),
                sample.parallelism(),
                cluster.taskManagers(),
                sample.generation().speculationLength());

        List<PipelineRun> pipeline = new ArrayList<>();
        List<PipelineRun> inProcess = new ArrayList<>();
        Map<String, List<Integer>> reference;
        int work = (2 * servingModes.size() * sortedRates.length + 1) * requests;
        try (ProgressBar progress = new ProgressBar("bench pipeline", work)) {
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                // an unrecorded run first: the JVM's first job compiles Flink's, Kafka's and the
                // loop's code while it serves, and would make whichever mode runs first look slow
                runPipeline(
                        kafka,
                        servingModes.get(0),
                        sortedRates[sortedRates.length - 1],
                        workload,
                        progress);
                for (double rate : sortedRates) {
                    for (ServingMode mode : servingModes) {
                        pipeline.add(runPipeline(kafka, mode, rate, workload, progress));
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

    // ---------------------------------------------------------------- the full path

    private PipelineRun runPipeline(
            EmbeddedKafka kafka,
            ServingMode mode,
            double rate,
            PipelineWorkload workload,
            ProgressBar progress)
            throws Exception {
        String tag = "bench-" + (++runCount) + "-" + mode.label();
        JobConfig config = config(mode, kafka.bootstrapServers(), tag);
        JobClient client = cluster.start(config, TandemJob.JOB_NAME + "-" + tag);
        double[] arrivals = workload.arrivals(rate);
        Set<String> ids = workload.ids();
        List<ResultCollector.Received> received;
        long startMillis;
        double maxLag = 0;
        try (RunClients clients = RunClients.open(config, ids, progress)) {
            RequestProducer producer = clients.producer();
            ResultCollector collector = clients.collector();
            // the JIT compiles the loop's code paths over the first few hundred rounds; a cold
            // run would look slower than the modes that follow it
            for (int wave = 0; wave < WARM_UP_WAVES; wave++) {
                Set<String> warmUps = sendWarmUps(producer, config, wave);
                if (!collector.awaitIds(warmUps, STARTUP_TIMEOUT)) {
                    throw new IllegalStateException(
                            "The job ("
                                    + mode.label()
                                    + ") served no warm-up request within "
                                    + STARTUP_TIMEOUT.toSeconds()
                                    + " s; see the log above.");
                }
            }
            // sends follow the schedule on an absolute clock, so a late send never delays the next
            long startNanos = System.nanoTime() + 100_000_000L;
            startMillis = System.currentTimeMillis() + 100;
            for (int i = 0; i < arrivals.length; i++) {
                long due = startNanos + (long) (arrivals[i] * 1e6);
                for (long wait = due - System.nanoTime(); wait > 0; ) {
                    LockSupport.parkNanos(wait);
                    wait = due - System.nanoTime();
                }
                maxLag = Math.max(maxLag, (System.nanoTime() - due) / 1e6);
                producer.send(
                        workload.request(
                                i, Instant.ofEpochMilli(startMillis + Math.round(arrivals[i]))));
            }
            collector.awaitIds(ids, timeout);
            Thread.sleep(DUPLICATE_GRACE.toMillis());
            received = collector.received();
        } finally {
            LocalCluster.stop(client);
        }
        return pipelineRun(mode, rate, config, arrivals, startMillis, ids, received, maxLag);
    }

    private static Set<String> sendWarmUps(RequestProducer producer, JobConfig config, int wave) {
        Set<String> ids = new HashSet<>();
        for (InferenceRequest request :
                DemoRequests.warmUps(
                        config.batching().lanes(), String.valueOf(wave), WARM_UP_TOKENS)) {
            producer.send(request);
            ids.add(request.getRequestId());
        }
        return ids;
    }

    private PipelineRun pipelineRun(
            ServingMode mode,
            double rate,
            JobConfig config,
            double[] arrivals,
            long startMillis,
            Set<String> ids,
            List<ResultCollector.Received> received,
            double maxLag) {
        Map<String, Integer> counts = new HashMap<>();
        List<RequestOutcome> outcomes = new ArrayList<>();
        for (ResultCollector.Received r : received) {
            InferenceResult result = r.result();
            String id = result.getRequestId();
            if (!ids.contains(id) || counts.merge(id, 1, Integer::sum) > 1) {
                continue;
            }
            int index = Integer.parseInt(id.substring(2));
            double scheduled = startMillis + arrivals[index];
            var latency = result.getLatency();
            // the length the batch drafted (in sd the operator may move off the plan's length
            // with the acceptance it measures), else what it was asked to draft
            int length =
                    result.getSpeculationLengths().stream()
                            .mapToInt(Integer::intValue)
                            .max()
                            .orElse(
                                    result.getPlan() != null
                                            ? result.getPlan().getSpeculationLength()
                                            : mode.speculative()
                                                    ? config.generation().speculationLength()
                                                    : 0);
            outcomes.add(
                    new RequestOutcome(
                            id,
                            r.receivedMillis() - scheduled,
                            r.receivedMillis() - startMillis,
                            List.copyOf(result.getTokenIds()),
                            result.getRounds(),
                            result.getDraftedTokens(),
                            result.getAcceptedTokens(),
                            result.getBatchId(),
                            result.getPlan() != null
                                    ? result.getPlan().getWindowId()
                                    : result.getBatchId(),
                            length,
                            List.copyOf(result.getSpeculationLengths()),
                            latency.getQueueingMs(),
                            latency.getBatchingMs(),
                            latency.getAdmissionMs(),
                            latency.getLoopMs(),
                            latency.getDraftMs() + latency.getVerifyMs(),
                            r.receivedMillis() - result.getCompletedTime().toEpochMilli(),
                            Results.loopTrips(result),
                            latency.getRoundOverheadMs()));
            if (result.getFinishReason() == FinishReason.ERROR) {
                errors.merge(mode.label() + " at " + PipelineRun.rateText(rate), 1, Integer::sum);
            }
        }
        int lost = (int) ids.stream().filter(id -> !counts.containsKey(id)).count();
        int duplicated = counts.values().stream().mapToInt(c -> c - 1).sum();
        return new PipelineRun(
                PipelineRun.PIPELINE,
                mode.label(),
                rate,
                ids.size(),
                outcomes,
                lost,
                duplicated,
                maxLag);
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
        Map<String, String> owned = LocalCluster.ownTopics(bootstrap, tag);
        owned.put(TandemOptions.MODE.key(), mode.label());
        return job.resolve(JobOptions.localDefaults(), owned);
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
        summary.figures("setup", null)
                .json("requests", workload.size())
                .json("new_tokens", workload.maxNewTokens())
                .json("prompt_chars_min", workloadOptions.minPromptChars())
                .json("prompt_chars_max", workloadOptions.maxPromptChars())
                .json("seed", workload.seed())
                .json("rates_per_s", rateArray)
                .json("batch_max_size", sample.batching().maxSize())
                .json("batch_max_wait_ms", sample.batching().maxWait().toMillis())
                .json("lanes", sample.batching().lanes())
                .json("parallelism", sample.parallelism())
                .json("task_managers", cluster.taskManagers())
                .json("speculation_length_sd_fixed", sample.generation().speculationLength())
                .json("target", sample.generation().modelDir())
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
