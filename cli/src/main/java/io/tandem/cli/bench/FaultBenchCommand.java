package io.tandem.cli.bench;

import io.tandem.cli.LocalCluster;
import io.tandem.cli.cluster.ClusterLayout;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Figures;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemOptions;
import io.tandem.job.kafka.TopicProvisioner;
import io.tandem.local.RequestFuzzer;
import io.tandem.local.StandaloneCluster;
import io.tandem.local.TopicFollower;
import io.tandem.planner.stats.Percentiles;
import io.tandem.schemas.InferenceRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import me.tongfei.progressbar.ProgressBar;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./tandem bench faults}: the job on a cluster of separate processes (a JobManager, a draft
 * and a verify TaskManager, a Kafka broker) with the bundled models, in up to five runs on one
 * cluster, each a job of its own on topics of its own:
 *
 * <ul>
 *   <li>{@code at-least-once} and {@code exactly-once}: the requests at a steady Poisson rate, no
 *       fault; latency of one guarantee against the other, as a {@code read_committed} client sees
 *       it. The exactly-once run's outputs are the reference the others are held to.
 *   <li>{@code burst} and {@code fuzz}: every request at once, the second with the fuzzed records
 *       mixed in (exactly-once): throughput with the fuzz against without, every fuzzed record
 *       answered or dead-lettered, and no restart the input caused.
 *   <li>{@code faults}: the paced requests again (exactly-once) while, at moments drawn from the
 *       seed ({@link FaultPlan}), the draft TaskManager and the verify TaskManager are killed and
 *       restarted, the broker is stopped and started again, and a burst at 10x the rate arrives.
 *       Per fault, the time until results flow again; for the run, lost and duplicated requests and
 *       whether every output equals the fault-free run's.
 * </ul>
 */
@Command(
        name = "faults",
        mixinStandardHelpOptions = true,
        description =
                "Exactly-once results through TaskManager kills, a broker restart and a burst;"
                        + " fuzzed input; latency of exactly-once against at-least-once. Prints"
                        + " tables, writes JSON.")
public final class FaultBenchCommand implements Callable<Integer> {

    private static final Duration RUNNING_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final int BURST_FACTOR = 10;

    /** The runs, in the order they go. */
    enum Run {
        AT_LEAST_ONCE("at-least-once", false),
        EXACTLY_ONCE("exactly-once", true),
        BURST("burst", true),
        FUZZ("fuzz", true),
        FAULTS("faults", true);

        final String label;
        final boolean exactlyOnce;

        Run(String label, boolean exactlyOnce) {
            this.label = label;
            this.exactlyOnce = exactlyOnce;
        }

        static Run of(String label) {
            for (Run run : values()) {
                if (run.label.equals(label)) {
                    return run;
                }
            }
            throw new IllegalArgumentException(
                    "unknown run "
                            + label
                            + "; one of at-least-once, exactly-once, burst, fuzz,"
                            + " faults");
        }

        boolean paced() {
            return this == AT_LEAST_ONCE || this == EXACTLY_ONCE || this == FAULTS;
        }
    }

    @Option(
            names = "--requests",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Valid requests in each run (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--rate",
            paramLabel = "PER_S",
            defaultValue = "4",
            description = "Poisson arrival rate of the paced runs, requests/s (default: 4).")
    double rate;

    @Option(
            names = "--fuzz",
            paramLabel = "N",
            defaultValue = "10000",
            description = "Fuzzed records mixed into the fuzz run (default: ${DEFAULT-VALUE}).")
    int fuzz;

    @Option(
            names = "--runs",
            split = ",",
            defaultValue = "at-least-once,exactly-once,burst,fuzz,faults",
            description =
                    "Which runs, of ${DEFAULT-VALUE}; fuzz and faults need exactly-once, whose"
                            + " outputs they are checked against.")
    List<String> runs;

    @Option(
            names = "--fault-gap",
            paramLabel = "DURATION",
            defaultValue = "PT20S",
            description =
                    "Time at least between two faults, ISO-8601 (default: 20 s); the run must"
                            + " be long enough for four.")
    Duration faultGap;

    @Option(
            names = "--burst",
            paramLabel = "DURATION",
            defaultValue = "PT3S",
            description = "How long the 10x burst lasts (default: 3 s).")
    Duration burst;

    @Option(
            names = "--broker-down",
            paramLabel = "DURATION",
            defaultValue = "PT5S",
            description = "How long the broker stays stopped (default: 5 s).")
    Duration brokerDown;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "PT1S",
            description = "Checkpoint interval of every run (default: 1 s).")
    Duration checkpointInterval;

    @Option(
            names = "--heartbeat",
            paramLabel = "INTERVAL,TIMEOUT",
            split = ",",
            defaultValue = "PT1S,PT5S",
            description =
                    "Flink's heartbeat.interval and heartbeat.timeout on the cluster, ISO-8601"
                            + " (default: 1 s, 5 s; Flink's own are 10 s, 50 s): how soon a"
                            + " killed TaskManager counts as lost.")
    Duration[] heartbeat;

    @Option(
            names = "--task-heap",
            paramLabel = "MB",
            defaultValue = "256",
            description = "Task heap of the draft TaskManager; the verify one gets twice as much.")
    int taskHeapMb;

    @Option(
            names = "--target",
            defaultValue = "models/austen-target",
            description = "Target model directory (default: ${DEFAULT-VALUE}).")
    Path target;

    @Option(
            names = "--draft",
            defaultValue = "models/austen-draft",
            description = "Draft model directory (default: ${DEFAULT-VALUE}).")
    Path draft;

    @Option(
            names = "--pair-profile",
            defaultValue = "models/austen-pair-profile.json",
            description =
                    "Measured stage times of the pair, for the planner (default:"
                            + " ${DEFAULT-VALUE}).")
    Path pairProfile;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "PT5M",
            description =
                    "How long a run waits for its results after its last request, ISO-8601"
                            + " (default: 5 min); what has not come is lost.")
    Duration timeout;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "A job setting for every run, e.g. tandem.batch.max-size=16.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Mixin WorkloadOptions workloadOptions;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /** What one run measured. */
    record Outcome(
            Run run,
            int sent,
            int fuzzSent,
            double[] latenciesMs,
            double throughput,
            int lost,
            int duplicated,
            int fuzzServed,
            int fuzzUnanswered,
            long restarts,
            double[] checkpointsMs,
            double peakHeapMb,
            List<Output> outputs,
            List<FaultOutcome> faults) {

        double latency(double q) {
            return latenciesMs.length == 0 ? Double.NaN : Percentiles.of(latenciesMs, q);
        }

        double checkpointP99() {
            return checkpointsMs.length == 0 ? Double.NaN : Percentiles.of(checkpointsMs, 0.99);
        }
    }

    /** A result's tokens, and the workload prompt its request asked about. */
    record Output(int prompt, List<Integer> tokens) {}

    /** A fault as it happened: when, and how long until results flowed again. */
    record FaultOutcome(FaultPlan.Kind kind, double atSeconds, double recoverySeconds) {}

    /** A fault that struck, at {@code atMillis} (epoch). */
    private record Struck(FaultPlan.Kind kind, long atMillis) {}

    /** One request or fuzzed record to send, {@code atMillis} after the run's start. */
    private record Send(double atMillis, String id, int prompt, byte[] raw) {}

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        EnumSet<Run> chosen = EnumSet.noneOf(Run.class);
        runs.forEach(r -> chosen.add(Run.of(r.strip())));
        if ((chosen.contains(Run.FUZZ) || chosen.contains(Run.FAULTS))
                && !chosen.contains(Run.EXACTLY_ONCE)) {
            throw new IllegalArgumentException(
                    "--runs: fuzz and faults are checked against the exactly-once run's outputs;"
                            + " add exactly-once");
        }
        PipelineWorkload workload = workloadOptions.read(requests);
        double runSeconds = requests / rate;
        FaultPlan plan = FaultPlan.of(workloadOptions.seed, runSeconds, faultGap.toSeconds());
        out.printf(
                "Tandem bench faults: %s at %.1f/s (%.0f s a paced run); %d fuzzed records; runs"
                        + " %s; checkpoints every %d ms; faults at %s%n",
                workloadOptions.describe(workload),
                rate,
                runSeconds,
                fuzz,
                chosen,
                checkpointInterval.toMillis(),
                plan.faults().stream()
                        .map(f -> String.format("%.1f s %s", f.atSeconds(), f.kind().label()))
                        .toList());
        ClusterLayout layout = new ClusterLayout(1, 1, taskHeapMb);
        List<Outcome> outcomes = new ArrayList<>();
        try (StandaloneCluster cluster =
                        layout.taskManagers(
                                        StandaloneCluster.builder()
                                                .kafkaBroker()
                                                .heartbeat(heartbeat[0], heartbeat[1]))
                                .start();
                ProgressBar progress = new ProgressBar("bench faults", 0)) {
            for (Run run : chosen) {
                outcomes.add(run(cluster, layout, run, workload, plan, progress));
            }
        }
        Summary summary = summary(workload, plan, outcomes);
        summary.print(out);
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        return passed(outcomes) ? 0 : 1;
    }

    private Outcome run(
            StandaloneCluster cluster,
            ClusterLayout layout,
            Run run,
            PipelineWorkload workload,
            FaultPlan plan,
            ProgressBar progress)
            throws Exception {
        String tag = "faults-" + run.label;
        JobConfig config = config(cluster, layout, run, tag);
        TopicProvisioner.ensureTopics(config.kafka());
        StreamExecutionEnvironment env = cluster.remoteEnvironment(restartQuickly());
        TandemJob.configure(env, config);
        TandemJob.wireKafka(env, config, false);
        JobClient client = env.executeAsync(TandemJob.JOB_NAME + "-" + tag);
        List<Send> sends = sends(run, workload, plan);
        Set<String> ids = ConcurrentHashMap.newKeySet();
        AtomicInteger deadLetters = new AtomicInteger();
        try (RunClients clients = RunClients.open(config, ids, progress);
                TopicFollower deadLetterCount =
                        DeadLetterFollower.start(
                                config, tag, letter -> deadLetters.incrementAndGet())) {
            cluster.awaitRunning(client.getJobID(), RUNNING_TIMEOUT);
            // the models load on both TaskManagers before anything is measured
            clients.warmUp(ids, workload, tag, RUNNING_TIMEOUT);
            int warmDeadLetters = deadLetters.get();
            int warmResults = clients.collector().received().size();
            progress.maxHint(
                    progress.getMax() + sends.stream().filter(s -> s.raw() == null).count());
            Set<String> valid = new HashSet<>();
            sends.stream().filter(s -> s.raw() == null).forEach(s -> valid.add(s.id()));
            ids.addAll(valid);
            List<FaultOutcome> faults;
            long restarts;
            long startMillis;
            ClusterProbe probe = ClusterProbe.watch(cluster.restUrl(), client.getJobID(), 500);
            try {
                startMillis = System.currentTimeMillis() + 50;
                ConcurrentLinkedQueue<Struck> struck = new ConcurrentLinkedQueue<>();
                ScheduledExecutorService faulting = Executors.newSingleThreadScheduledExecutor();
                try {
                    List<ScheduledFuture<?>> armed =
                            run == Run.FAULTS
                                    ? schedule(faulting, cluster, layout, plan, startMillis, struck)
                                    : List.of();
                    send(clients, sends, workload, startMillis);
                    clients.collector().awaitIds(valid, timeout);
                    for (ScheduledFuture<?> fault : armed) {
                        fault.get(2, TimeUnit.MINUTES); // a fault that failed to strike says why
                    }
                } finally {
                    // a run that failed must not go on killing processes
                    faulting.shutdownNow();
                }
                awaitAnswers(clients, deadLetters, warmResults + warmDeadLetters + sends.size());
                restarts = probe.restarts();
                faults = recoveries(plan, struck, clients.collector().received(), sends);
            } finally {
                probe.close();
            }
            return outcome(
                    run,
                    sends,
                    valid,
                    clients.collector().received(),
                    startMillis,
                    clients.collector().received().size() - warmResults,
                    deadLetters.get() - warmDeadLetters,
                    restarts,
                    probe,
                    faults);
        } finally {
            LocalCluster.stop(client);
        }
    }

    private JobConfig config(StandaloneCluster cluster, ClusterLayout layout, Run run, String tag) {
        Map<String, String> job = layout.jobSettings();
        job.put(TandemOptions.MODEL_DIR.key(), target.toAbsolutePath().toString());
        job.put(TandemOptions.DRAFT_MODEL_DIR.key(), draft.toAbsolutePath().toString());
        job.put(TandemOptions.PLANNER_PROFILE.key(), pairProfile.toAbsolutePath().toString());
        job.put(
                TandemOptions.DELIVERY_GUARANTEE.key(),
                run.exactlyOnce ? "exactly-once" : "at-least-once");
        job.put(TandemOptions.CHECKPOINT_INTERVAL.key(), checkpointInterval.toMillis() + " ms");
        job.putAll(settings);
        job.putAll(LocalCluster.ownTopics(cluster.bootstrapServers(), tag));
        return JobConfig.from(Configuration.fromMap(job));
    }

    /**
     * Restarts at once, as often as it takes: Flink's default backs off exponentially, so a fault
     * that fails a few restarts in a row (the broker away) would be measured with the backoff.
     */
    private static Configuration restartQuickly() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return conf;
    }

    /**
     * What a run sends: paced runs the workload at its Poisson times (the faults run with the
     * burst's extra requests, the prompts again under ids of their own), the others everything at
     * once, the fuzz run with a fuzzed record after each request in turn.
     */
    private List<Send> sends(Run run, PipelineWorkload workload, FaultPlan plan) {
        List<Send> sends = new ArrayList<>();
        double[] arrivals = run.paced() ? workload.arrivals(rate) : new double[workload.size()];
        for (int i = 0; i < workload.size(); i++) {
            sends.add(new Send(arrivals[i], PipelineWorkload.id(i), i, null));
        }
        if (run == Run.FAULTS) {
            double at = burstStart(plan) * 1000;
            int count = (int) Math.round(rate * BURST_FACTOR * burst.toMillis() / 1000.0);
            for (int j = 0; j < count; j++) {
                sends.add(
                        new Send(
                                at + j * (double) burst.toMillis() / count,
                                "burst-" + j,
                                j % workload.size(),
                                null));
            }
        }
        if (run == Run.FUZZ) {
            List<InferenceRequest> valid = new ArrayList<>();
            for (int i = 0; i < workload.size(); i++) {
                valid.add(workload.request(i, Instant.EPOCH));
            }
            List<RequestFuzzer.FuzzRecord> records =
                    new RequestFuzzer(workloadOptions.seed).records(valid, fuzz);
            List<Send> mixed = new ArrayList<>();
            int every = Math.max(1, records.size() / sends.size());
            int next = 0;
            for (Send send : sends) {
                mixed.add(send);
                for (int k = 0; k < every && next < records.size(); k++, next++) {
                    mixed.add(
                            new Send(
                                    0,
                                    records.get(next).requestId(),
                                    -1,
                                    records.get(next).bytes()));
                }
            }
            while (next < records.size()) {
                mixed.add(
                        new Send(0, records.get(next).requestId(), -1, records.get(next).bytes()));
                next++;
            }
            sends = mixed;
        }
        sends.sort(Comparator.comparingDouble(Send::atMillis));
        return sends;
    }

    private double burstStart(FaultPlan plan) {
        return plan.faults().stream()
                .filter(f -> f.kind() == FaultPlan.Kind.BURST)
                .findFirst()
                .orElseThrow()
                .atSeconds();
    }

    /** Sends on schedule without waiting for acknowledgements: a broker away must not stall it. */
    private static void send(
            RunClients clients, List<Send> sends, PipelineWorkload workload, long startMillis) {
        long startNanos =
                System.nanoTime() + (startMillis - System.currentTimeMillis()) * 1_000_000;
        Map<String, Exception> failed = new ConcurrentHashMap<>();
        for (Send send : sends) {
            SendSchedule.awaitDue(startNanos, send.atMillis());
            if (send.raw() != null) {
                clients.producer().sendRawAsync(send.id(), send.raw(), failed::put);
            } else {
                InferenceRequest request =
                        InferenceRequest.newBuilder(
                                        workload.request(
                                                send.prompt(),
                                                Instant.ofEpochMilli(
                                                        startMillis + Math.round(send.atMillis()))))
                                .setRequestId(send.id())
                                .build();
                clients.producer().sendAsync(request, failed::put);
            }
        }
        clients.producer().flush();
        if (!failed.isEmpty()) {
            throw new IllegalStateException(
                    failed.size() + " sends failed, e.g. " + failed.values().iterator().next());
        }
    }

    /** Arms each fault of {@code plan} at its moment; what struck goes to {@code struck}. */
    private List<ScheduledFuture<?>> schedule(
            ScheduledExecutorService faulting,
            StandaloneCluster cluster,
            ClusterLayout layout,
            FaultPlan plan,
            long startMillis,
            ConcurrentLinkedQueue<Struck> struck) {
        List<ScheduledFuture<?>> armed = new ArrayList<>();
        for (FaultPlan.Fault fault : plan.faults()) {
            long delay =
                    startMillis + Math.round(fault.atSeconds() * 1000) - System.currentTimeMillis();
            armed.add(
                    faulting.schedule(
                            () -> {
                                long at = System.currentTimeMillis();
                                strike(cluster, layout, fault.kind());
                                struck.add(new Struck(fault.kind(), at));
                                return null;
                            },
                            Math.max(0, delay),
                            TimeUnit.MILLISECONDS));
        }
        return armed;
    }

    private void strike(StandaloneCluster cluster, ClusterLayout layout, FaultPlan.Kind kind)
            throws Exception {
        switch (kind) {
            case KILL_DRAFT_TASK_MANAGER -> {
                cluster.kill(layout.draftId(0));
                cluster.restart(layout.draftId(0));
            }
            case KILL_VERIFY_TASK_MANAGER -> {
                cluster.kill(layout.verifyId(0));
                cluster.restart(layout.verifyId(0));
            }
            case BROKER_RESTART -> {
                cluster.stop("kafka");
                Thread.sleep(brokerDown.toMillis());
                cluster.restart("kafka");
            }
            case BURST -> {
                // its requests are in the send schedule
            }
        }
    }

    /**
     * Per fault, seconds from the fault until results flowed again: until the first result read
     * that was completed after the fault. For the burst, until every request sent by its end was
     * answered.
     */
    private List<FaultOutcome> recoveries(
            FaultPlan plan,
            ConcurrentLinkedQueue<Struck> struck,
            List<ResultCollector.Received> received,
            List<Send> sends) {
        Map<FaultPlan.Kind, Long> at = new HashMap<>();
        struck.forEach(s -> at.put(s.kind(), s.atMillis()));
        List<FaultOutcome> outcomes = new ArrayList<>();
        for (FaultPlan.Fault fault : plan.faults()) {
            Long when = at.get(fault.kind());
            double recovery = Double.NaN;
            if (when != null && fault.kind() == FaultPlan.Kind.BURST) {
                recovery = burstDrain(when, received, sends, fault.atSeconds() * 1000);
            } else if (when != null) {
                recovery =
                        received.stream()
                                .filter(r -> r.result().getCompletedTime().toEpochMilli() >= when)
                                .mapToLong(ResultCollector.Received::receivedMillis)
                                .min()
                                .stream()
                                .mapToDouble(t -> (t - when) / 1000.0)
                                .findFirst()
                                .orElse(Double.NaN);
            }
            outcomes.add(new FaultOutcome(fault.kind(), fault.atSeconds(), recovery));
        }
        return outcomes;
    }

    private double burstDrain(
            long startedMillis,
            List<ResultCollector.Received> received,
            List<Send> sends,
            double burstAtMillis) {
        double end = burstAtMillis + burst.toMillis();
        Set<String> due = new HashSet<>();
        sends.stream().filter(s -> s.atMillis() <= end).forEach(s -> due.add(s.id()));
        long last = startedMillis;
        for (ResultCollector.Received r : received) {
            if (due.remove(r.result().getRequestId())) {
                last = Math.max(last, r.receivedMillis());
            }
        }
        return due.isEmpty() ? (last - startedMillis) / 1000.0 : Double.NaN;
    }

    /**
     * Waits until every record sent has its result or dead letter, or until no answer has come for
     * {@link #SETTLE}: what is not answered by then is not coming.
     */
    private static void awaitAnswers(RunClients clients, AtomicInteger deadLetters, int expected)
            throws InterruptedException {
        int seen = -1;
        long quietSince = System.nanoTime();
        while (true) {
            int now = clients.collector().received().size() + deadLetters.get();
            if (now >= expected) {
                Thread.sleep(SETTLE.toMillis()); // anything answered twice comes with the rest
                return;
            }
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince > SETTLE.toNanos()) {
                return;
            }
            Thread.sleep(100);
        }
    }

    private Outcome outcome(
            Run run,
            List<Send> sends,
            Set<String> valid,
            List<ResultCollector.Received> received,
            long startMillis,
            int results,
            int deadLetters,
            long restarts,
            ClusterProbe probe,
            List<FaultOutcome> faults) {
        Map<String, Send> byId = new HashMap<>();
        sends.forEach(s -> byId.put(s.id(), s));
        Map<String, Integer> counts = new HashMap<>();
        List<Output> outputs = new ArrayList<>();
        List<Double> latencies = new ArrayList<>();
        long last = startMillis;
        for (ResultCollector.Received r : received) {
            String id = r.result().getRequestId();
            if (!valid.contains(id)) {
                continue;
            }
            Send send = byId.get(id);
            // burst requests ask about the workload's prompts again, under ids of their own
            outputs.add(new Output(send.prompt(), r.result().getTokenIds()));
            if (counts.merge(id, 1, Integer::sum) > 1) {
                continue;
            }
            latencies.add(r.receivedMillis() - (startMillis + send.atMillis()));
            last = Math.max(last, r.receivedMillis());
        }
        int fuzzSent = (int) sends.stream().filter(s -> s.raw() != null).count();
        int validAnswers = counts.values().stream().mapToInt(Integer::intValue).sum();
        int lost = (int) valid.stream().filter(id -> !counts.containsKey(id)).count();
        int duplicated = counts.values().stream().mapToInt(c -> c - 1).sum();
        // fuzzed records cannot all be told apart by id (a flipped bit may change it), so they are
        // counted: what was answered beyond the valid requests' answers is theirs
        int fuzzServed = results - validAnswers;
        int fuzzUnanswered = Math.max(0, fuzzSent - fuzzServed - deadLetters);
        double throughput = latencies.size() * 1000.0 / Math.max(1, last - startMillis);
        return new Outcome(
                run,
                valid.size(),
                fuzzSent,
                latencies.stream().mapToDouble(Double::doubleValue).toArray(),
                throughput,
                lost,
                duplicated,
                fuzzServed,
                fuzzUnanswered,
                restarts,
                probe.checkpointDurations(),
                probe.peakHeapMb().values().stream()
                        .mapToDouble(Double::doubleValue)
                        .max()
                        .orElse(Double.NaN),
                outputs,
                faults);
    }

    /**
     * Whether every output of {@code outcome}, copies included, equals the exactly-once run's for
     * its prompt.
     */
    private static boolean greedyIdentical(Outcome outcome, Outcome reference) {
        Map<Integer, List<Integer>> expected = new HashMap<>();
        reference.outputs().forEach(o -> expected.putIfAbsent(o.prompt(), o.tokens()));
        return outcome.outputs().stream()
                .allMatch(o -> o.tokens().equals(expected.get(o.prompt())));
    }

    private static Outcome find(List<Outcome> outcomes, Run run) {
        return outcomes.stream().filter(o -> o.run() == run).findFirst().orElse(null);
    }

    private static boolean passed(List<Outcome> outcomes) {
        Outcome reference = find(outcomes, Run.EXACTLY_ONCE);
        for (Outcome o : outcomes) {
            boolean exact = o.run().exactlyOnce;
            if (o.lost() > 0 || (exact && o.duplicated() > 0) || o.fuzzUnanswered() > 0) {
                return false;
            }
            if (reference != null && !greedyIdentical(o, reference)) {
                return false;
            }
        }
        Outcome fuzzed = find(outcomes, Run.FUZZ);
        return fuzzed == null || fuzzed.restarts() == 0;
    }

    private Summary summary(PipelineWorkload workload, FaultPlan plan, List<Outcome> outcomes) {
        Summary summary = new Summary();
        Figures setup =
                summary.figures("setup", null)
                        .json("benchmark", "faults")
                        .json("rate_per_s", rate)
                        .json("fuzz", fuzz)
                        .json("checkpoint_interval_ms", checkpointInterval.toMillis())
                        .json("broker_down_ms", brokerDown.toMillis())
                        .json("burst_ms", burst.toMillis())
                        .json("burst_factor", BURST_FACTOR)
                        .json("task_heap_mb_draft", taskHeapMb)
                        .json("heartbeat_interval_ms", heartbeat[0].toMillis())
                        .json("heartbeat_timeout_ms", heartbeat[1].toMillis())
                        .json("settings", settings.toString())
                        .json(
                                "restart_strategy",
                                "fixed-delay, 1 s, unlimited attempts (set by the benchmark)")
                        .json(
                                "latency",
                                "scheduled send to the result read by a read_committed client");
        workloadOptions.describe(setup, workload);
        summary.line("");
        Table table =
                summary.table(
                        "runs",
                        "Runs (latency ms, as a read_committed client sees it)",
                        Column.of("run", "run"),
                        Column.of("requests", "sent"),
                        Column.of("fuzz", "fuzz"),
                        Column.of("throughput", "done/s"),
                        Column.of("p50_ms", "p50"),
                        Column.of("p99_ms", "p99"),
                        Column.of("lost", "lost"),
                        Column.of("duplicated", "dup"),
                        Column.of("fuzz_served", "fuzz served"),
                        Column.of("fuzz_unanswered", "fuzz unanswered"),
                        Column.of("restarts", "restarts"),
                        Column.of("checkpoint_p99_ms", "ckpt p99"),
                        Column.of("peak_heap_mb", "heap MB"));
        for (Outcome o : outcomes) {
            table.row(
                    o.run().label,
                    o.sent(),
                    o.fuzzSent(),
                    Value.number(o.throughput(), "%.1f"),
                    Value.number(o.latency(0.5), "%.0f"),
                    Value.number(o.latency(0.99), "%.0f"),
                    o.lost(),
                    o.duplicated(),
                    o.fuzzServed(),
                    o.fuzzUnanswered(),
                    o.restarts(),
                    Value.number(o.checkpointP99(), "%.0f"),
                    Value.number(o.peakHeapMb(), "%.0f"));
        }
        Outcome faulted = find(outcomes, Run.FAULTS);
        if (faulted != null) {
            summary.line("");
            Table faults =
                    summary.table(
                            "faults",
                            "Faults (recovery: until a result completed after the fault was read;"
                                    + " for the burst, until all sent by its end were answered)",
                            Column.of("fault", "fault"),
                            Column.of("at_s", "at s"),
                            Column.of("recovery_s", "recovery s"),
                            Column.of("what", "what"));
            for (FaultOutcome f : faulted.faults()) {
                faults.row(
                        f.kind().label(),
                        Value.number(f.atSeconds(), "%.1f"),
                        Value.number(f.recoverySeconds(), "%.1f"),
                        f.kind().description);
            }
        }
        summary.line("");
        Figures keys = summary.figures("summary", "Summary").asTable();
        Outcome reference = find(outcomes, Run.EXACTLY_ONCE);
        Outcome alo = find(outcomes, Run.AT_LEAST_ONCE);
        Outcome clean = find(outcomes, Run.BURST);
        Outcome fuzzed = find(outcomes, Run.FUZZ);
        keys.add(
                "requests",
                "requests (valid, all runs)",
                outcomes.stream().mapToInt(Outcome::sent).sum());
        keys.add("lost", "lost", outcomes.stream().mapToInt(Outcome::lost).sum(), "0");
        keys.add(
                "duplicated",
                "duplicated (exactly-once runs, read_committed)",
                outcomes.stream()
                        .filter(o -> o.run().exactlyOnce)
                        .mapToInt(Outcome::duplicated)
                        .sum(),
                "0");
        keys.add(
                "greedy_identical",
                "greedy_identical (every output vs the fault-free exactly-once run)",
                reference != null && outcomes.stream().allMatch(o -> greedyIdentical(o, reference)),
                "true");
        if (faulted != null) {
            keys.add(
                    "recovery_s_max",
                    "recovery_s_max (TaskManager kills)",
                    Value.number(
                            faulted.faults().stream()
                                    .filter(f -> f.kind().killsTaskManager())
                                    .mapToDouble(FaultOutcome::recoverySeconds)
                                    .max()
                                    .orElse(Double.NaN),
                            "%.1f"),
                    "<= 15");
            keys.add(
                    "broker_recovery_s",
                    "broker_recovery_s (from the stop, " + brokerDown.toSeconds() + " s down)",
                    Value.number(recovery(faulted, FaultPlan.Kind.BROKER_RESTART), "%.1f"),
                    "<= 20");
            keys.add(
                    "burst_drain_s",
                    "burst_drain_s",
                    Value.number(recovery(faulted, FaultPlan.Kind.BURST), "%.1f"));
            keys.add("restarts", "restarts (faults run)", faulted.restarts());
            keys.add(
                    "peak_heap_mb",
                    "peak_heap_mb (a TaskManager, faults run)",
                    Value.number(faulted.peakHeapMb(), "%.0f"));
            keys.add(
                    "checkpoint_p99_ms",
                    "checkpoint_p99_ms (faults run)",
                    Value.number(faulted.checkpointP99(), "%.0f"));
        }
        if (fuzzed != null) {
            keys.add("fuzz_records", "fuzz_records", fuzzed.fuzzSent(), ">= 10000");
            keys.add("fuzz_unanswered", "fuzz_unanswered", fuzzed.fuzzUnanswered(), "0");
            keys.add(
                    "restarts_caused_by_input",
                    "restarts_caused_by_input (fuzz run)",
                    fuzzed.restarts(),
                    "0");
            if (clean != null) {
                keys.add(
                        "fuzz_throughput_ratio",
                        "fuzz_throughput_ratio (valid requests/s, with fuzz vs without)",
                        Value.number(fuzzed.throughput() / clean.throughput(), "%.3f"));
            }
        }
        if (alo != null && reference != null) {
            keys.add(
                    "eo_alo_p50_ratio",
                    "eo_alo_p50_ratio (exactly-once vs at-least-once)",
                    Value.number(reference.latency(0.5) / alo.latency(0.5), "%.2f"));
            keys.add(
                    "eo_alo_p99_ratio",
                    "eo_alo_p99_ratio",
                    Value.number(reference.latency(0.99) / alo.latency(0.99), "%.2f"));
        }
        return summary;
    }

    private static double recovery(Outcome faulted, FaultPlan.Kind kind) {
        return faulted.faults().stream()
                .filter(f -> f.kind() == kind)
                .mapToDouble(FaultOutcome::recoverySeconds)
                .findFirst()
                .orElse(Double.NaN);
    }
}
