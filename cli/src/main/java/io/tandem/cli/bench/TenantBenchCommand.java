package io.tandem.cli.bench;

import io.tandem.cli.LocalCluster;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Figures;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.job.JobOptions;
import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemHome;
import io.tandem.job.config.TandemOptions;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.TopicFollower;
import io.tandem.planner.stats.Percentiles;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.udfs.ModelEngine;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import me.tongfei.progressbar.ProgressBar;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./tandem bench tenants}: how much one tenant's burst costs another tenant. Tenant {@code
 * steady} sends at a Poisson rate for the whole run; in three of four runs tenant {@code bursty}
 * sends a burst all at once a little after the start. The runs: {@code alone} (steady only), {@code
 * burst} (with the burst, no tenant bounded: the tenants' queues are still served in turn), {@code
 * burst-bounded} (with the burst and {@code tandem.generate.max-waiting-per-tenant}, so the burst
 * past the bound is dead-lettered as {@code OVERLOADED}) and {@code burst-shared} (that bound and
 * {@code tandem.generate.max-running-per-tenant} as well, so the burst holds only a share of the
 * batches). The figure that matters is the steady tenant's p99 with the burst over its p99 alone.
 */
@Command(
        name = "tenants",
        mixinStandardHelpOptions = true,
        description =
                "A steady tenant's latency alone and beside another tenant's burst, with and"
                        + " without per-tenant bounds; prints a table, writes JSON.")
public final class TenantBenchCommand implements Callable<Integer> {

    static final String CPU = "cpu";
    static final String GPU = "gpu";
    private static final String STEADY = "steady";
    private static final String BURSTY = "bursty";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration SETTLE = Duration.ofSeconds(3);

    @Option(
            names = "--pairs",
            split = ",",
            defaultValue = "gpu,cpu",
            description =
                    "Model pairs: gpu (stages emulated from --gpu-profile), cpu (the bundled"
                            + " models on DJL) (default: ${DEFAULT-VALUE}).")
    List<String> pairs;

    @Option(
            names = "--gpu-profile",
            defaultValue = "profiles/h200-68m-7b.json",
            description = "Stage profile the gpu pair emulates (default: ${DEFAULT-VALUE}).")
    Path gpuProfile;

    @Option(
            names = "--rate",
            paramLabel = "PER_S",
            defaultValue = "4",
            description = "The steady tenant's Poisson rate, requests/s (default: 4).")
    double rate;

    @Option(
            names = "--seconds",
            defaultValue = "40",
            description = "How long the steady tenant sends (default: ${DEFAULT-VALUE} s).")
    int seconds;

    @Option(
            names = "--burst",
            paramLabel = "N",
            defaultValue = "300",
            description = "Requests in the bursty tenant's burst (default: ${DEFAULT-VALUE}).")
    int burst;

    @Option(
            names = "--burst-at",
            paramLabel = "DURATION",
            defaultValue = "PT5S",
            description = "When the burst is sent, after the start (default: 5 s).")
    Duration burstAt;

    @Option(
            names = "--bound",
            paramLabel = "N",
            defaultValue = "16",
            description =
                    "tandem.generate.max-waiting-per-tenant in the bounded and shared runs"
                            + " (default: ${DEFAULT-VALUE}).")
    int bound;

    @Option(
            names = "--running-bound",
            paramLabel = "N",
            defaultValue = "2",
            description =
                    "tandem.generate.max-running-per-tenant in the shared run (default:"
                            + " ${DEFAULT-VALUE}).")
    int runningBound;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "PT5M",
            description =
                    "How long a run waits for its results after its last send (default: 5 min).")
    Duration timeout;

    @Mixin WorkloadOptions workloadOptions;
    @Mixin JobOptions job;
    @Mixin LocalCluster cluster;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /** One run of one pair, as the steady tenant saw it. */
    record Run(
            String pair,
            String name,
            int bound,
            int runningBound,
            int steadySent,
            double[] steadyLatenciesMs,
            int steadyLost,
            int burstSent,
            int burstServed,
            int burstOverloaded) {

        double p(double q) {
            return steadyLatenciesMs.length == 0
                    ? Double.NaN
                    : Percentiles.of(steadyLatenciesMs, q);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PipelineWorkload workload =
                workloadOptions.read((int) Math.ceil(rate * seconds * 2) + burst);
        out.printf(
                "Tandem bench tenants: tenant %s at %.1f/s for %d s, tenant %s a burst of %d at"
                    + " %.1f s; waiting bound %d in the bounded and shared runs, running bound %d"
                    + " in the shared run; %s; pairs %s%n",
                STEADY,
                rate,
                seconds,
                BURSTY,
                burst,
                burstAt.toMillis() / 1000.0,
                bound,
                runningBound,
                workloadOptions.describe(workload),
                pairs);
        List<Run> runs = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                ProgressBar progress = new ProgressBar("bench tenants", 0)) {
            for (String pair : pairs) {
                // alone last: the first job of a process runs colder, which flatters no ratio
                runs.add(run(kafka, pair, "burst", true, 0, 0, workload, progress));
                runs.add(run(kafka, pair, "burst-bounded", true, bound, 0, workload, progress));
                runs.add(
                        run(
                                kafka,
                                pair,
                                "burst-shared",
                                true,
                                bound,
                                runningBound,
                                workload,
                                progress));
                runs.add(run(kafka, pair, "alone", false, 0, 0, workload, progress));
            }
        }
        Summary summary = summary(workload, runs);
        summary.print(out);
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        return runs.stream().allMatch(r -> r.steadyLost() == 0) ? 0 : 1;
    }

    private Run run(
            EmbeddedKafka kafka,
            String pair,
            String name,
            boolean withBurst,
            int tenantBound,
            int tenantRunningBound,
            PipelineWorkload workload,
            ProgressBar progress)
            throws Exception {
        String tag = "tenants-" + pair + "-" + name;
        JobConfig config =
                config(
                        pair,
                        tenantBound,
                        tenantRunningBound,
                        LocalCluster.ownTopics(kafka.bootstrapServers(), tag));
        JobClient client = cluster.start(config, TandemJob.JOB_NAME + "-" + tag);
        double[] arrivals = workload.arrivals(rate);
        int steadyCount = 0;
        while (steadyCount < arrivals.length && arrivals[steadyCount] < seconds * 1000.0) {
            steadyCount++;
        }
        Set<String> steady = new HashSet<>();
        for (int i = 0; i < steadyCount; i++) {
            steady.add(STEADY + "-" + i);
        }
        Set<String> ids = ConcurrentHashMap.newKeySet();
        AtomicInteger overloaded = new AtomicInteger();
        try (RunClients clients = RunClients.open(config, ids, progress);
                TopicFollower deadLetters =
                        DeadLetterFollower.start(
                                config,
                                tag,
                                letter -> {
                                    if (letter.getErrorCode() == DeadLetterCode.OVERLOADED) {
                                        overloaded.incrementAndGet();
                                    }
                                })) {
            clients.warmUp(ids, workload, tag, STARTUP_TIMEOUT);
            progress.maxHint(progress.getMax() + steadyCount);
            ids.addAll(steady);
            long startMillis = System.currentTimeMillis() + 100;
            long startNanos = System.nanoTime() + 100_000_000L;
            boolean burstSent = !withBurst;
            for (int i = 0; i < steadyCount; i++) {
                if (!burstSent && arrivals[i] >= burstAt.toMillis()) {
                    SendSchedule.awaitDue(startNanos, burstAt.toMillis());
                    for (int j = 0; j < burst; j++) {
                        clients.producer()
                                .sendAsync(
                                        request(
                                                workload,
                                                steadyCount + j,
                                                BURSTY,
                                                BURSTY + "-" + j,
                                                Instant.now()),
                                        (id, e) -> {});
                    }
                    burstSent = true;
                }
                SendSchedule.awaitDue(startNanos, arrivals[i]);
                clients.producer()
                        .sendAsync(
                                request(
                                        workload,
                                        i,
                                        STEADY,
                                        STEADY + "-" + i,
                                        Instant.ofEpochMilli(
                                                startMillis + Math.round(arrivals[i]))),
                                (id, e) -> {});
            }
            clients.producer().flush();
            clients.collector().awaitIds(steady, timeout);
            Thread.sleep(SETTLE.toMillis());
            List<Double> latencies = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            int burstServed = 0;
            for (ResultCollector.Received r : clients.collector().received()) {
                String id = r.result().getRequestId();
                if (id.startsWith(BURSTY + "-")) {
                    burstServed++;
                } else if (steady.contains(id) && seen.add(id)) {
                    int i = Integer.parseInt(id.substring(STEADY.length() + 1));
                    latencies.add(r.receivedMillis() - (startMillis + arrivals[i]));
                }
            }
            return new Run(
                    pair,
                    name,
                    tenantBound,
                    tenantRunningBound,
                    steadyCount,
                    latencies.stream().mapToDouble(Double::doubleValue).toArray(),
                    steadyCount - seen.size(),
                    withBurst ? burst : 0,
                    burstServed,
                    overloaded.get());
        } finally {
            LocalCluster.stop(client);
        }
    }

    private static InferenceRequest request(
            PipelineWorkload workload, int prompt, String tenant, String id, Instant sent) {
        return InferenceRequest.newBuilder(workload.request(prompt % workload.size(), sent))
                .setRequestId(id)
                .setTenantId(tenant)
                .build();
    }

    private JobConfig config(
            String pair, int tenantBound, int tenantRunningBound, Map<String, String> owned) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (pair.equals(GPU)) {
            String profile = TandemHome.resolve(gpuProfile).toAbsolutePath().normalize().toString();
            settings.put(TandemOptions.MODEL_ENGINE.key(), ModelEngine.EMULATED);
            settings.put(TandemOptions.MODEL_PROFILE.key(), profile);
            settings.put(TandemOptions.PLANNER_PROFILE.key(), profile);
        } else if (pair.equals(CPU)) {
            settings.put(TandemOptions.MODEL_ENGINE.key(), ModelEngine.DJL_NAME);
        } else {
            throw new IllegalArgumentException("--pairs: cpu or gpu, not " + pair);
        }
        settings.put(TandemOptions.MAX_WAITING_PER_TENANT.key(), String.valueOf(tenantBound));
        settings.put(
                TandemOptions.MAX_RUNNING_PER_TENANT.key(), String.valueOf(tenantRunningBound));
        settings.putAll(owned);
        return job.resolve(JobOptions.localDefaults(), settings);
    }

    private Summary summary(PipelineWorkload workload, List<Run> runs) {
        Summary summary = new Summary();
        Figures setup =
                summary.figures("setup", null)
                        .json("benchmark", "tenants")
                        .json("rate_per_s", rate)
                        .json("seconds", seconds)
                        .json("burst", burst)
                        .json("burst_at_ms", burstAt.toMillis())
                        .json("bound", bound)
                        .json("running_bound", runningBound)
                        .json("task_managers", cluster.taskManagers())
                        .json("latency", "the steady tenant's scheduled send to its result read");
        workloadOptions.describe(setup, workload);
        summary.line("");
        Table table =
                summary.table(
                        "runs",
                        "The steady tenant's latency (ms), and what became of the burst",
                        Column.of("pair", "pair"),
                        Column.of("run", "run"),
                        Column.of("bound", "waiting bound"),
                        Column.of("running_bound", "running bound"),
                        Column.of("steady_sent", "steady sent"),
                        Column.of("p50_ms", "p50"),
                        Column.of("p99_ms", "p99"),
                        Column.of("steady_lost", "lost"),
                        Column.of("burst_sent", "burst sent"),
                        Column.of("burst_served", "served"),
                        Column.of("burst_overloaded", "overloaded"));
        for (Run r : runs) {
            table.row(
                    r.pair(),
                    r.name(),
                    r.bound(),
                    r.runningBound(),
                    r.steadySent(),
                    Value.number(r.p(0.5), "%.0f"),
                    Value.number(r.p(0.99), "%.0f"),
                    r.steadyLost(),
                    r.burstSent(),
                    r.burstServed(),
                    r.burstOverloaded());
        }
        summary.line("");
        Figures keys = summary.figures("summary", "Summary").asTable();
        for (String pair : pairs) {
            Run alone = find(runs, pair, "alone");
            Run unbounded = find(runs, pair, "burst");
            Run bounded = find(runs, pair, "burst-bounded");
            Run shared = find(runs, pair, "burst-shared");
            keys.add(
                    "steady_p99_ratio_shared_" + pair,
                    "steady_p99_ratio_shared_" + pair + " (burst, both bounds vs alone)",
                    Value.number(shared.p(0.99) / alone.p(0.99), "%.2f"),
                    "<= 1.2");
            keys.add(
                    "steady_p99_ratio_bounded_" + pair,
                    "steady_p99_ratio_bounded_" + pair + " (burst, waiting bound vs alone)",
                    Value.number(bounded.p(0.99) / alone.p(0.99), "%.2f"));
            keys.add(
                    "steady_p99_ratio_unbounded_" + pair,
                    "steady_p99_ratio_unbounded_" + pair + " (burst, no bound vs alone)",
                    Value.number(unbounded.p(0.99) / alone.p(0.99), "%.2f"));
            keys.add(
                    "burst_overloaded_" + pair,
                    "burst_overloaded_" + pair + " (bounded run)",
                    bounded.burstOverloaded());
            keys.add(
                    "burst_served_shared_" + pair,
                    "burst_served_shared_" + pair + " (shared run)",
                    shared.burstServed());
        }
        keys.add("steady_lost", "steady_lost", runs.stream().mapToInt(Run::steadyLost).sum(), "0");
        return summary;
    }

    private static Run find(List<Run> runs, String pair, String name) {
        return runs.stream()
                .filter(r -> r.pair().equals(pair) && r.name().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
