package io.tandem.cli.bench;

import io.tandem.cli.LocalCluster;
import io.tandem.cli.demo.DemoRequests;
import io.tandem.cli.summary.Figures;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import me.tongfei.progressbar.ProgressBar;
import org.apache.flink.core.execution.JobClient;

/**
 * The full serving path as the serving benchmarks run it: an embedded Kafka broker, and per run a
 * fresh job with fresh topics on a local Flink, warmed up, then sent one request set on an absolute
 * arrival schedule. Each run's results are read back and counted: lost, duplicated, failed. Not
 * thread-safe; closing it stops the broker.
 */
final class PipelineRunner implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);

    /** Waves of warm-up requests per run, one request per lane each, of this many tokens. */
    private static final int WARM_UP_WAVES = 4;

    private static final int WARM_UP_TOKENS = 48;
    // results read after the last one expected, so a duplicate still in flight is counted
    private static final Duration DUPLICATE_GRACE = Duration.ofMillis(500);

    private final EmbeddedKafka kafka;
    private final String bootstrap;
    private final LocalCluster cluster;
    private final Duration timeout;
    private final ProgressBar progress;
    private int runCount;

    /**
     * Starts an embedded broker, or uses the one at {@code bootstrap}.
     *
     * @param bootstrap an existing cluster's bootstrap servers, with the client settings it needs
     *     in the job's {@code tandem.kafka.client.*}; null starts an embedded broker
     * @param timeout how long a run waits for results after its last send; what has not come is
     *     lost
     * @param progress stepped once per result of a run's request set
     */
    PipelineRunner(String bootstrap, LocalCluster cluster, Duration timeout, ProgressBar progress) {
        this.kafka = bootstrap == null ? EmbeddedKafka.start() : null;
        this.bootstrap = bootstrap == null ? kafka.bootstrapServers() : bootstrap;
        this.cluster = cluster;
        this.timeout = timeout;
        this.progress = progress;
    }

    /**
     * The settings a run owns whatever the user passed: its mode, and topics and a consumer group
     * of its own on {@code bootstrap}, named after {@code tag}.
     */
    static Map<String, String> owned(ServingMode mode, String bootstrap, String tag) {
        Map<String, String> owned = LocalCluster.ownTopics(bootstrap, tag);
        owned.put(TandemOptions.MODE.key(), mode.label());
        return owned;
    }

    /**
     * How {@code config} batches and spreads a run, as a header states it: "windows of up to 8
     * requests or 50 ms, 2 lanes, ...".
     */
    static String describe(JobConfig config, int taskManagers) {
        return String.format(
                "windows of up to %d requests or %d ms, %d lanes, parallelism %d, %d"
                        + " TaskManagers",
                config.batching().maxSize(),
                config.batching().maxWait().toMillis(),
                config.batching().lanes(),
                config.parallelism(),
                taskManagers);
    }

    /** Adds how {@code config} batches and spreads a run to a summary's {@code setup}. */
    static void describe(Figures setup, JobConfig config, int taskManagers) {
        setup.json("batch_max_size", config.batching().maxSize())
                .json("batch_max_wait_ms", config.batching().maxWait().toMillis())
                .json("lanes", config.batching().lanes())
                .json("parallelism", config.parallelism())
                .json("task_managers", taskManagers)
                .json("speculation_length_sd_fixed", config.generation().speculationLength());
    }

    /**
     * Runs the job once in {@code mode} and sends {@code workload} on {@code arrivals}.
     *
     * @param settings the job's settings given the ones the run owns ({@link #owned})
     * @param rate the arrival rate {@code arrivals} were drawn at, recorded with the run
     * @param arrivals each request's send offset from the first, ms
     */
    PipelineRun run(
            Function<Map<String, String>, JobConfig> settings,
            ServingMode mode,
            double rate,
            double[] arrivals,
            PipelineWorkload workload)
            throws Exception {
        String tag = "bench-" + (++runCount) + "-" + mode.label();
        JobConfig config = settings.apply(owned(mode, bootstrap, tag));
        JobClient client = cluster.start(config, TandemJob.JOB_NAME + "-" + tag);
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
                SendSchedule.awaitDue(startNanos, arrivals[i]);
                maxLag = Math.max(maxLag, (System.nanoTime() - startNanos) / 1e6 - arrivals[i]);
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

    private static PipelineRun pipelineRun(
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
        int errors = 0;
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
                errors++;
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
                errors,
                maxLag);
    }

    @Override
    public void close() {
        if (kafka != null) {
            kafka.close();
        }
    }
}
