package io.tandem.cli.bench;

import com.google.gson.JsonPrimitive;
import io.tandem.cli.LocalCluster;
import io.tandem.cli.cluster.ClusterLayout;
import io.tandem.cli.plot.LinePlot;
import io.tandem.cli.replay.TraceFormat;
import io.tandem.cli.replay.TraceReader;
import io.tandem.cli.replay.TraceRequest;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemOptions;
import io.tandem.job.kafka.TopicProvisioner;
import io.tandem.local.StandaloneCluster;
import io.tandem.model.emulated.EmulatedModel;
import io.tandem.profile.MeasuredPair;
import io.tandem.schemas.InferenceResult;
import io.tandem.udfs.Results;
import io.tandem.udfs.ServingMode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import me.tongfei.progressbar.ProgressBar;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tandem bench scale}: the job on clusters of separate processes with 1, 2, 4 and 8 verify
 * TaskManagers (as many draft ones beside them), model stages emulated from a GPU profile. At each
 * size and mode, Poisson arrivals with the trace's length mix come at rising rates until p99
 * latency passes the SLO; the highest rate within it is the size's sustainable throughput, and a
 * last phase at half of it gives p50 and p99 there.
 */
@Command(
        name = "scale",
        mixinStandardHelpOptions = true,
        description =
                "Sustainable throughput and latency on 1, 2, 4, 8 verify TaskManagers with emulated"
                        + " GPU stage times; prints a table, writes JSON and a plot.")
public final class ScaleBenchCommand implements Callable<Integer> {

    private static final Duration RUNNING_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration DUPLICATE_GRACE = Duration.ofMillis(500);
    private static final int WARM_UP_REQUESTS = 16;
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    @Option(
            names = "--sizes",
            split = ",",
            defaultValue = "1,2,4,8",
            description = "Verify TaskManagers per cluster (default: ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(
            names = "--modes",
            split = ",",
            defaultValue = "sd,ad",
            description = "Serving modes (default: ${DEFAULT-VALUE}).")
    List<String> modes;

    @Option(
            names = "--profile",
            defaultValue = "profiles/h200-68m-7b.json",
            description = "Stage profile to emulate (default: ${DEFAULT-VALUE}).")
    Path profile;

    @Option(
            names = "--trace",
            defaultValue = "traces/azure-sample.csv",
            description = "Trace whose prompt and output lengths make the mix.")
    Path trace;

    @Option(
            names = "--corpus",
            defaultValue = "models/data/austen-heldout.txt",
            description = "ASCII text prompts are cut from.")
    Path corpus;

    @Option(
            names = "--model-dir",
            defaultValue = "models/austen-target",
            description = "Model directory whose tokenizer the emulated models use.")
    Path modelDir;

    @Option(
            names = "--slo-p99-ms",
            defaultValue = "2000",
            description = "p99 latency a sustainable rate keeps (default: ${DEFAULT-VALUE} ms).")
    double sloP99Ms;

    @Option(
            names = "--start-rate",
            defaultValue = "4",
            description =
                    "First offered rate per verify TaskManager, requests/s; each next phase"
                            + " doubles it (default: ${DEFAULT-VALUE}).")
    double startRate;

    @Option(
            names = "--max-phases",
            defaultValue = "6",
            description = "Rising phases at most per size and mode (default: ${DEFAULT-VALUE}).")
    int maxPhases;

    @Option(
            names = "--phase-seconds",
            defaultValue = "10",
            description = "Length of a phase's arrivals (default: ${DEFAULT-VALUE} s).")
    double phaseSeconds;

    @Option(
            names = "--min-requests",
            defaultValue = "100",
            description =
                    "Requests a phase sends at least, so that its p50 is steady at low rates"
                            + " (default: ${DEFAULT-VALUE}).")
    int minRequests;

    @Option(
            names = "--task-heap",
            defaultValue = "96",
            description = "Task heap of a draft TaskManager, MB; verify ones get twice as much.")
    int taskHeapMb;

    @Option(
            names = "--tm-java-opts",
            paramLabel = "OPTS",
            defaultValue = "-XX:TieredStopAtLevel=1",
            description =
                    "JVM options of every TaskManager (default: ${DEFAULT-VALUE}, the quick"
                            + " compiler only: with up to 16 TaskManagers on a few cores, the"
                            + " optimising compiler recompiling the same code in every JVM takes"
                            + " the cores the measurement needs; '' keeps the JVM's default).")
    String taskManagerJavaOptions;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of arrivals and lengths.")
    long seed;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "A job setting for every run, e.g. tandem.batch.max-size=16.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Write the summary as JSON.")
    Path json;

    @Option(names = "--plots", paramLabel = "DIR", description = "Write PNG plots to DIR.")
    Path plots;

    private final List<ScalePhase> phases = new ArrayList<>();
    private final Map<Integer, Double> memoryMb = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        MeasuredPair pair = MeasuredPair.read(profile);
        List<TraceRequest> rows = new ArrayList<>();
        try (TraceReader reader = TraceReader.open(trace, TraceFormat.guess(trace))) {
            reader.forEachRemaining(rows::add);
        }
        ScaleWorkload workload =
                new ScaleWorkload(rows, Files.readString(corpus), pair.contextLength(), seed);
        double[] lengths = workload.meanLengths();
        out.printf(
                "Tandem bench scale: %s emulated from %s; length mix of %s (mean prompt %.0f,"
                        + " output %.0f tokens); SLO p99 <= %.0f ms; rates from %s/s per verify"
                        + " TaskManager, doubling; sizes %s; modes %s; TaskManager JVM options"
                        + " '%s'%n",
                pair.draft().model() + " -> " + pair.target().model(),
                profile,
                trace,
                lengths[0],
                lengths[1],
                sloP99Ms,
                PipelineRun.rateText(startRate),
                Arrays.toString(sizes),
                String.join(",", modes),
                taskManagerJavaOptions);
        try (ProgressBar progress = new ProgressBar("bench scale", 0)) {
            for (int size : sizes) {
                runSize(size, workload, progress);
            }
        }
        Summary summary = summary(pair, lengths);
        summary.print(out);
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        if (plots != null) {
            writePlot(plots.resolve("scale-throughput.png"));
            out.println("Wrote " + plots.resolve("scale-throughput.png"));
        }
        boolean correct =
                phases.stream().allMatch(p -> p.lost() == 0 && p.duplicated() == 0)
                        && phases.stream().allMatch(p -> p.wrongOutputs() == 0);
        return correct ? 0 : 1;
    }

    /** One cluster of {@code size} draft and {@code size} verify TaskManagers, every mode. */
    private void runSize(int size, ScaleWorkload workload, ProgressBar progress) throws Exception {
        ClusterLayout layout = new ClusterLayout(size, size, taskHeapMb);
        try (StandaloneCluster cluster =
                layout.taskManagers(
                                StandaloneCluster.builder()
                                        .kafkaBroker()
                                        .taskManagerJavaOptions(taskManagerJavaOptions))
                        .start()) {
            for (String mode : modes) {
                runMode(cluster, layout, mode, workload, progress);
            }
            memoryMb.put(size, residentMb(cluster.pids().values()));
        }
    }

    private void runMode(
            StandaloneCluster cluster,
            ClusterLayout layout,
            String mode,
            ScaleWorkload workload,
            ProgressBar progress)
            throws Exception {
        int size = layout.verify();
        String tag = "scale-" + size + "-" + mode;
        Map<String, String> job = layout.jobSettings(profile);
        job.put(TandemOptions.MODEL_DIR.key(), modelDir.toAbsolutePath().toString());
        job.put(TandemOptions.MODE.key(), mode);
        job.putAll(settings);
        job.putAll(LocalCluster.ownTopics(cluster.bootstrapServers(), tag));
        JobConfig config = JobConfig.from(Configuration.fromMap(job));
        TopicProvisioner.ensureTopics(config.kafka());
        StreamExecutionEnvironment env = cluster.remoteEnvironment(new Configuration());
        TandemJob.configure(env, config);
        TandemJob.wireKafka(env, config, false);
        JobClient client = env.executeAsync(TandemJob.JOB_NAME + "-" + tag);
        Set<String> ids = ConcurrentHashMap.newKeySet();
        try (RunClients clients = RunClients.open(config, ids, progress)) {
            cluster.awaitRunning(client.getJobID(), RUNNING_TIMEOUT);
            // an unrecorded first phase: every process compiles the loop's code while it serves
            // it (measured: twice the loop overhead of the same phase warm), and the first
            // recorded phase would look slow for it
            double warmRate = startRate * size;
            run(
                    clients,
                    ids,
                    workload.phase(
                            tag + "-warm",
                            Math.max(WARM_UP_REQUESTS, (int) Math.round(warmRate * phaseSeconds)),
                            warmRate),
                    null);
            double sustained = Double.NaN;
            double rate = startRate * size;
            for (int i = 0; i < maxPhases; i++, rate *= 2) {
                ScalePhase phase =
                        phase(clients, ids, workload, tag + "-r" + i, size, mode, false, rate);
                if (!phase.sustains(sloP99Ms)) {
                    break;
                }
                sustained = rate;
            }
            if (Double.isFinite(sustained)) {
                phase(clients, ids, workload, tag + "-half", size, mode, true, sustained / 2);
            }
        } finally {
            LocalCluster.stop(client);
        }
    }

    private ScalePhase phase(
            RunClients clients,
            Set<String> ids,
            ScaleWorkload workload,
            String tag,
            int size,
            String mode,
            boolean half,
            double rate)
            throws Exception {
        int count = Math.max(minRequests, (int) Math.round(rate * phaseSeconds));
        ScaleWorkload.Phase requests = workload.phase(tag, count, rate);
        ScalePhase phase = run(clients, ids, requests, new PhaseKey(size, mode, half, rate));
        phases.add(phase);
        return phase;
    }

    private record PhaseKey(int size, String mode, boolean half, double rate) {}

    /** Sends a phase on its schedule and collects it; a warm-up ({@code key} null) is not kept. */
    private ScalePhase run(
            RunClients clients, Set<String> ids, ScaleWorkload.Phase requests, PhaseKey key)
            throws Exception {
        long[] cpuBefore = MachineCpu.sample();
        Set<String> phaseIds = new HashSet<>();
        for (int i = 0; i < requests.size(); i++) {
            phaseIds.add(requests.id(i));
        }
        ids.addAll(phaseIds);
        long startNanos = System.nanoTime() + 50_000_000L;
        long startMillis = System.currentTimeMillis() + 50;
        double[] arrivals = requests.arrivals();
        for (int i = 0; i < requests.size(); i++) {
            SendSchedule.awaitDue(startNanos, arrivals[i]);
            clients.producer()
                    .send(
                            requests.request(
                                    i,
                                    Instant.ofEpochMilli(startMillis + Math.round(arrivals[i]))));
        }
        double spanMs = arrivals[arrivals.length - 1];
        clients.collector().awaitIds(phaseIds, Duration.ofMillis((long) (60_000 + 2 * spanMs)));
        Thread.sleep(DUPLICATE_GRACE.toMillis());
        if (key == null) {
            return null;
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            index.put(requests.id(i), i);
        }
        Map<String, Integer> counts = new HashMap<>();
        List<Double> latencies = new ArrayList<>();
        List<Double> overheads = new ArrayList<>();
        Map<String, Double> parts = new LinkedHashMap<>();
        List<Double> predicted = new ArrayList<>();
        List<Double> fromClose = new ArrayList<>();
        int wrong = 0;
        long trips = 0;
        long last = startMillis;
        for (ResultCollector.Received r : clients.collector().received()) {
            InferenceResult result = r.result();
            Integer i = index.get(result.getRequestId());
            if (i == null || counts.merge(result.getRequestId(), 1, Integer::sum) > 1) {
                continue;
            }
            latencies.add(r.receivedMillis() - (startMillis + arrivals[i]));
            last = Math.max(last, r.receivedMillis());
            var latency = result.getLatency();
            parts.merge("queueing", latency.getQueueingMs(), Double::sum);
            parts.merge("batching", latency.getBatchingMs(), Double::sum);
            parts.merge("admission", latency.getAdmissionMs(), Double::sum);
            parts.merge("draft", latency.getDraftMs(), Double::sum);
            parts.merge("verify", latency.getVerifyMs(), Double::sum);
            parts.merge("loop", latency.getLoopMs(), Double::sum);
            parts.merge(
                    "delivery",
                    (double) (r.receivedMillis() - result.getCompletedTime().toEpochMilli()),
                    Double::sum);
            if (result.getPlan() != null) {
                predicted.add(result.getPlan().getPredictedMs());
                fromClose.add(
                        latency.getTotalMs() - latency.getQueueingMs() - latency.getBatchingMs());
            }
            int requestTrips = Results.loopTrips(result);
            trips += requestTrips;
            if (requestTrips > 0) {
                overheads.add(result.getLatency().getRoundOverheadMs() / requestTrips);
            }
            int[] expected =
                    EmulatedModel.targetTokens(
                            result.getRequestId(),
                            result.getPromptTokens(),
                            requests.prompts().get(i).maxNewTokens());
            int[] got = result.getTokenIds().stream().mapToInt(Integer::intValue).toArray();
            if (!Arrays.equals(expected, got)) {
                wrong++;
            }
        }
        int lost = (int) phaseIds.stream().filter(id -> !counts.containsKey(id)).count();
        int duplicated = counts.values().stream().mapToInt(c -> c - 1).sum();
        double throughput = latencies.size() * 1000.0 / Math.max(1, last - startMillis);
        return new ScalePhase(
                key.size(),
                key.mode(),
                key.half(),
                key.rate(),
                requests.size(),
                latencies.stream().mapToDouble(Double::doubleValue).toArray(),
                throughput,
                lost,
                duplicated,
                wrong,
                overheads.stream().mapToDouble(Double::doubleValue).toArray(),
                MachineCpu.utilization(cpuBefore, MachineCpu.sample()),
                predicted.stream().mapToDouble(Double::doubleValue).toArray(),
                fromClose.stream().mapToDouble(Double::doubleValue).toArray(),
                means(parts, latencies.size()),
                trips,
                Math.max(1, last - startMillis));
    }

    private static Map<String, Double> means(Map<String, Double> sums, int count) {
        Map<String, Double> means = new LinkedHashMap<>();
        sums.forEach((part, sum) -> means.put(part, count == 0 ? Double.NaN : sum / count));
        return means;
    }

    /** Resident memory of the processes, MB, from /proc (NaN where it cannot be read). */
    private static double residentMb(Collection<Long> pids) {
        double total = 0;
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        total += Double.parseDouble(line.replaceAll("[^0-9]", "")) / 1024;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return Double.NaN;
            }
        }
        return total;
    }

    // ---------------------------------------------------------------- the summary

    private ScalePhase best(int size, String mode) {
        return phases.stream()
                .filter(p -> p.verifyTaskManagers() == size && p.mode().equals(mode))
                .filter(p -> !p.half() && p.sustains(sloP99Ms))
                .max(Comparator.comparingDouble(ScalePhase::rate))
                .orElse(null);
    }

    private ScalePhase lowest(int size, String mode) {
        return phases.stream()
                .filter(p -> p.verifyTaskManagers() == size && p.mode().equals(mode))
                .filter(p -> !p.half())
                .min(Comparator.comparingDouble(ScalePhase::rate))
                .orElse(null);
    }

    private ScalePhase half(int size, String mode) {
        ScalePhase best = best(size, mode);
        if (best == null) {
            return null;
        }
        return phases.stream()
                .filter(p -> p.verifyTaskManagers() == size && p.mode().equals(mode))
                .filter(ScalePhase::half)
                .findFirst()
                .orElse(null);
    }

    private double sustainable(int size, String mode) {
        ScalePhase best = best(size, mode);
        return best == null ? 0 : best.throughput();
    }

    /** The smallest size's sustainable throughput per verify TaskManager: linear scaling's unit. */
    private double perVerifyTaskManager(String mode) {
        return sustainable(sizes[0], mode) / sizes[0];
    }

    /** Sustainable throughput at {@code size} over linear scaling from the smallest size. */
    private double efficiency(int size, String mode) {
        return sustainable(size, mode) / (size * perVerifyTaskManager(mode));
    }

    private Summary summary(MeasuredPair pair, double[] lengths) {
        Summary summary = new Summary();
        summary.figures("setup", null)
                .json("profile", profile.toString())
                .json("pair", pair.draft().model() + "/" + pair.target().model())
                .json("alpha", pair.alpha())
                .json("trace", trace.toString())
                .json("mean_prompt_tokens", lengths[0])
                .json("mean_output_tokens", lengths[1])
                .json("slo_p99_ms", sloP99Ms)
                .json("start_rate_per_verify_tm", startRate)
                .json("phase_seconds", phaseSeconds)
                .json("task_heap_mb_draft", taskHeapMb)
                .json("task_manager_java_opts", taskManagerJavaOptions)
                .json("settings", settings.toString())
                .json("cores", CORES)
                .json(
                        "latency",
                        "scheduled send to the result read from the results topic, per request");
        summary.line("");
        Table runs =
                summary.table(
                        "phases",
                        "Every phase: offered rate, what came back (latency ms)",
                        Column.of("verify_tms", "TMs"),
                        Column.of("mode", "mode"),
                        Column.of("half", "½"),
                        Column.of("rate", "rate/s"),
                        Column.of("requests", "sent"),
                        Column.of("throughput", "done/s"),
                        Column.of("p50_ms", "p50"),
                        Column.of("p99_ms", "p99"),
                        Column.of("lost", "lost"),
                        Column.of("duplicated", "dup"),
                        Column.of("round_overhead_ms_p50", "loop ms"),
                        Column.of("cpu_utilization", "cpu"),
                        Column.of("cpu_ms_per_trip", "cpu ms/trip"),
                        Column.of("predicted_over_measured", "plan/real"),
                        Column.of("within_slo", "SLO"));
        for (ScalePhase p : phases) {
            runs.row(
                    p.verifyTaskManagers(),
                    p.mode(),
                    new Value(new JsonPrimitive(p.half()), p.half() ? "½" : ""),
                    Value.number(p.rate(), "%.1f"),
                    p.requests(),
                    Value.number(p.throughput(), "%.1f"),
                    Value.number(p.p50(), "%.0f"),
                    Value.number(p.p99(), "%.0f"),
                    p.lost(),
                    p.duplicated(),
                    Value.number(p.overheadP50(), "%.2f"),
                    Value.number(p.cpuUtilization(), "%.2f"),
                    Value.number(p.cpuMsPerTrip(CORES), "%.2f"),
                    Value.number(p.predictedOverMeasured(), "%.2f"),
                    p.sustains(sloP99Ms));
        }
        summary.line("");
        Table parts =
                summary.table(
                        "parts",
                        "Where the time went, mean ms per answered request",
                        Column.of("verify_tms", "TMs"),
                        Column.of("mode", "mode"),
                        Column.of("rate", "rate/s"),
                        Column.of("queueing", "kafka in"),
                        Column.of("batching", "batching"),
                        Column.of("admission", "admission"),
                        Column.of("draft", "draft"),
                        Column.of("verify", "verify"),
                        Column.of("loop", "loop"),
                        Column.of("delivery", "kafka out"));
        for (ScalePhase p : phases) {
            Map<String, Double> m = p.meanPartsMs();
            parts.row(
                    p.verifyTaskManagers(),
                    p.mode(),
                    Value.number(p.rate(), "%.1f"),
                    Value.number(m.getOrDefault("queueing", Double.NaN), "%.1f"),
                    Value.number(m.getOrDefault("batching", Double.NaN), "%.1f"),
                    Value.number(m.getOrDefault("admission", Double.NaN), "%.1f"),
                    Value.number(m.getOrDefault("draft", Double.NaN), "%.1f"),
                    Value.number(m.getOrDefault("verify", Double.NaN), "%.1f"),
                    Value.number(m.getOrDefault("loop", Double.NaN), "%.1f"),
                    Value.number(m.getOrDefault("delivery", Double.NaN), "%.1f"));
        }
        summary.line("");
        Table sizesTable =
                summary.table(
                        "sizes",
                        "Per size: sustainable throughput (highest rate within the SLO), latency"
                                + " at half of it, memory",
                        Column.of("verify_tms", "TMs"),
                        Column.of("mode", "mode"),
                        Column.of("sustainable_per_s", "req/s"),
                        Column.of("efficiency", "vs 1 TM"),
                        Column.of("half_p50_ms", "p50 @½"),
                        Column.of("half_p99_ms", "p99 @½"),
                        Column.of("cpu_at_sustainable", "cpu"),
                        Column.of("memory_rss_mb", "RSS MB"));
        for (int size : sizes) {
            for (String mode : modes) {
                ScalePhase best = best(size, mode);
                ScalePhase half = half(size, mode);
                sizesTable.row(
                        size,
                        mode,
                        Value.number(sustainable(size, mode), "%.1f"),
                        Value.number(efficiency(size, mode), "%.2f"),
                        Value.number(half == null ? Double.NaN : half.p50(), "%.0f"),
                        Value.number(half == null ? Double.NaN : half.p99(), "%.0f"),
                        Value.number(best == null ? Double.NaN : best.cpuUtilization(), "%.2f"),
                        Value.number(memoryMb.getOrDefault(size, Double.NaN), "%.0f"));
            }
        }
        int largest = sizes[sizes.length - 1];
        ScalePhase sdLow = lowest(sizes[0], ServingMode.SD.label());
        ScalePhase adLow = lowest(sizes[0], ServingMode.AD.label());
        ScalePhase sdHalf = half(sizes[0], ServingMode.SD.label());
        summary.line("");
        summary.figures("summary", "Summary (goals are reported, not asserted)")
                .asTable()
                .add(
                        "scaling_efficiency_" + largest,
                        "scaling_efficiency_" + largest + " (sd, sustainable, vs " + sizes[0] + ")",
                        Value.number(efficiency(largest, ServingMode.SD.label()), "%.3f"),
                        ">= 0.85")
                .add(
                        "sd_ad_p50_ratio_gpu",
                        "sd_ad_p50_ratio_gpu (" + sizes[0] + " TM, lowest rate)",
                        Value.number(
                                sdLow == null || adLow == null
                                        ? Double.NaN
                                        : sdLow.p50() / adLow.p50(),
                                "%.3f"),
                        "<= 0.45")
                .add(
                        "round_overhead_ms_p50",
                        "round_overhead_ms_p50 (sd, lowest rate, per trip)",
                        Value.number(sdLow == null ? Double.NaN : sdLow.overheadP50(), "%.3f"),
                        "<= 0.5")
                .add(
                        "round_overhead_ms_p50_warm",
                        "round_overhead_ms_p50_warm (sd, at half the sustainable rate, last)",
                        Value.number(sdHalf == null ? Double.NaN : sdHalf.overheadP50(), "%.3f"),
                        "<= 0.5")
                .add(
                        "planner_predicted_over_measured",
                        "planner_predicted_over_measured (sd, lowest rate, mean from window close)",
                        Value.number(
                                sdLow == null ? Double.NaN : sdLow.predictedOverMeasured(), "%.2f"),
                        "~1")
                .add("lost", "lost", phases.stream().mapToInt(ScalePhase::lost).sum(), "0")
                .add(
                        "duplicated",
                        "duplicated",
                        phases.stream().mapToInt(ScalePhase::duplicated).sum(),
                        "0")
                .add(
                        "greedy_identical",
                        "greedy_identical (every result vs the emulated target)",
                        phases.stream().allMatch(p -> p.wrongOutputs() == 0),
                        "true")
                .add(
                        "memory_rss_mb_" + largest,
                        "memory_rss_mb_" + largest + " (all cluster processes)",
                        Value.number(memoryMb.getOrDefault(largest, Double.NaN), "%.0f"),
                        "< 24576");
        return summary;
    }

    private void writePlot(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        double[] x = Arrays.stream(sizes).asDoubleStream().toArray();
        LinePlot plot =
                new LinePlot(
                        "Sustainable throughput (p99 <= " + Math.round(sloP99Ms) + " ms)",
                        "verify TaskManagers",
                        "requests/s",
                        x);
        for (String mode : modes) {
            double one = perVerifyTaskManager(mode);
            plot.series(
                    mode, Arrays.stream(sizes).mapToDouble(s -> sustainable(s, mode)).toArray());
            plot.series(mode + " ideal", Arrays.stream(sizes).mapToDouble(s -> s * one).toArray());
        }
        plot.write(file);
    }
}
