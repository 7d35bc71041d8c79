package io.tandem.cli.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.cli.LocalCluster;
import io.tandem.cli.demo.WarmUp;
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
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import me.tongfei.progressbar.ProgressBar;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./tandem bench checkpoints}: how long checkpoints take while the round loop is saturated,
 * with the loop head's two ways of holding back windows side by side. <em>blocking</em> ({@code
 * tandem.generate.max-waiting-requests=0}) keeps a window in the head's input until a batch slot
 * frees, so a barrier queued behind it waits for batches to finish; <em>waiting</em> (the default)
 * takes windows into checkpointed state at once and starts them as slots free, so barriers pass.
 *
 * <p>Each variant runs a fresh local job on the same embedded broker and the same burst of
 * requests, far more than its batch slots hold; the checkpoint figures are Flink's own (the REST
 * API's checkpoint history, end-to-end duration) for every checkpoint triggered between the first
 * request sent and the last result read.
 */
@Command(
        name = "checkpoints",
        mixinStandardHelpOptions = true,
        description =
                "Checkpoint duration under saturation: windows waiting in checkpointed state"
                        + " against a head that blocks until a batch slot frees.")
public final class CheckpointBenchCommand implements Callable<Integer> {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration CHECKPOINTS_SETTLE = Duration.ofSeconds(60);
    private static final int WARM_UP_TOKENS = 16;

    /** How the loop head holds windows that find every batch slot taken. */
    enum Admission {
        BLOCKING("blocking", 0),
        WAITING("waiting", -1);

        final String label;
        final int maxWaitingRequests;

        Admission(String label, int maxWaitingRequests) {
            this.label = label;
            this.maxWaitingRequests = maxWaitingRequests;
        }
    }

    @Option(
            names = "--requests",
            paramLabel = "N",
            defaultValue = "96",
            description = "Requests in the burst (default: ${DEFAULT-VALUE}).")
    int requests;

    @Mixin WorkloadOptions workloadOptions;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "PT0.5S",
            description = "Checkpoint interval, ISO-8601 (default: 0.5 s).")
    Duration interval;

    @Option(
            names = "--max-batches-in-flight",
            paramLabel = "N",
            defaultValue = "2",
            description =
                    "Batches each loop head keeps in the loop; the burst must exceed what they"
                            + " hold (default: ${DEFAULT-VALUE}).")
    int maxBatchesInFlight;

    @Mixin LocalCluster cluster;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "PT5M",
            description =
                    "How long to wait for the burst's results, ISO-8601 (default: 5 min); what"
                            + " has not come is lost.")
    Duration timeout;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /** Job settings; the benchmark sets the admission, checkpointing, broker and topics. */
    @Mixin JobOptions job;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PipelineWorkload workload = workloadOptions.read(requests);
        JobConfig sample = config(Admission.WAITING, "localhost:9092", "sample");
        int slots = sample.parallelism() * maxBatchesInFlight * sample.batching().maxSize();
        out.printf(
                "Tandem bench checkpoints: a burst of %d requests (%d new tokens, greedy, mode %s)"
                        + " against %d heads x %d batches in flight x %d requests; checkpoint"
                        + " every %d ms, %d TaskManagers%n",
                requests,
                workload.maxNewTokens(),
                sample.generation().mode().label(),
                sample.parallelism(),
                maxBatchesInFlight,
                sample.batching().maxSize(),
                interval.toMillis(),
                cluster.taskManagers());
        if (requests <= slots) {
            out.printf(
                    "Note: %d requests fit in the loop's %d places at once; nothing waits and"
                            + " the variants look alike. Raise --requests.%n",
                    requests, slots);
        }

        List<CheckpointRun> runs = new ArrayList<>();
        try (ProgressBar progress = new ProgressBar("bench checkpoints", (long) requests * 2);
                EmbeddedKafka kafka = EmbeddedKafka.start()) {
            for (Admission admission : Admission.values()) {
                runs.add(run(kafka, admission, workload, progress));
            }
        }
        CheckpointRun before = runs.get(0);
        CheckpointRun after = runs.get(1);
        int mismatches = mismatches(before, after);

        Summary summary = summary(sample, runs, mismatches);
        summary.print(out);
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        boolean complete = runs.stream().allMatch(r -> r.lost() == 0) && mismatches == 0;
        return complete ? 0 : 1;
    }

    private CheckpointRun run(
            EmbeddedKafka kafka,
            Admission admission,
            PipelineWorkload workload,
            ProgressBar progress)
            throws Exception {
        String tag = "bench-checkpoints-" + admission.label;
        JobConfig config = config(admission, kafka.bootstrapServers(), tag);
        int restPort = freePort();
        Configuration rest = new Configuration();
        rest.set(RestOptions.ADDRESS, "localhost");
        rest.set(RestOptions.BIND_PORT, String.valueOf(restPort));
        rest.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 10_000);
        JobClient client = cluster.start(config, TandemJob.JOB_NAME + "-" + tag, rest);
        Set<String> ids = workload.ids();
        try {
            // models load and the JIT warms while these are served, outside the measured burst
            WarmUp.serve(config, tag, WARM_UP_TOKENS, STARTUP_TIMEOUT);
            return burst(admission, config, restPort, client, workload, ids, progress);
        } finally {
            LocalCluster.stop(client);
        }
    }

    /**
     * Sends the whole workload at once and reads back its results and the checkpoints meanwhile.
     */
    private CheckpointRun burst(
            Admission admission,
            JobConfig config,
            int restPort,
            JobClient client,
            PipelineWorkload workload,
            Set<String> ids,
            ProgressBar progress)
            throws Exception {
        try (RunClients clients = RunClients.open(config, ids, progress)) {
            RequestProducer producer = clients.producer();
            ResultCollector collector = clients.collector();
            long burstStart = System.currentTimeMillis();
            for (int i = 0; i < workload.size(); i++) {
                producer.send(workload.request(i, Instant.ofEpochMilli(burstStart)));
            }
            collector.awaitIds(ids, timeout);
            Map<String, ResultCollector.Received> burst = new LinkedHashMap<>();
            for (ResultCollector.Received r : collector.received()) {
                if (ids.contains(r.result().getRequestId())) {
                    burst.putIfAbsent(r.result().getRequestId(), r);
                }
            }
            long burstEnd =
                    burst.values().stream()
                            .mapToLong(ResultCollector.Received::receivedMillis)
                            .max()
                            .orElse(burstStart);
            JsonArray history = settledHistory(restPort, client.getJobID().toHexString(), burstEnd);
            return CheckpointRun.of(
                    admission,
                    config.generation().maxWaitingRequests(),
                    history,
                    burstStart,
                    burstEnd,
                    workload.size(),
                    burst.values().stream()
                            .map(ResultCollector.Received::result)
                            .collect(Collectors.toList()),
                    burst.values().stream()
                            .mapToDouble(r -> r.receivedMillis() - burstStart)
                            .toArray());
        }
    }

    /**
     * The job's checkpoint history once every checkpoint triggered before {@code untilMillis} has
     * ended, so a checkpoint held up by the burst counts with its whole duration.
     */
    private static JsonArray settledHistory(int restPort, String jobId, long untilMillis)
            throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request =
                HttpRequest.newBuilder(
                                URI.create(
                                        "http://localhost:"
                                                + restPort
                                                + "/jobs/"
                                                + jobId
                                                + "/checkpoints"))
                        .timeout(Duration.ofSeconds(10))
                        .build();
        long deadline = System.nanoTime() + CHECKPOINTS_SETTLE.toNanos();
        while (true) {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException(
                        "Flink's REST API answered "
                                + response.statusCode()
                                + " for the checkpoint history: "
                                + response.body());
            }
            JsonArray history =
                    JsonParser.parseString(response.body())
                            .getAsJsonObject()
                            .getAsJsonArray("history");
            boolean pending = false;
            for (JsonElement entry : history) {
                JsonObject checkpoint = entry.getAsJsonObject();
                pending |=
                        "IN_PROGRESS".equals(checkpoint.get("status").getAsString())
                                && checkpoint.get("trigger_timestamp").getAsLong() < untilMillis;
            }
            if (!pending || System.nanoTime() > deadline) {
                return history;
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Requests whose tokens differ between the two runs (each has its own, greedy). */
    private static int mismatches(CheckpointRun a, CheckpointRun b) {
        Map<String, List<Integer>> tokens = new HashMap<>();
        a.outcomes().forEach(r -> tokens.put(r.getRequestId(), r.getTokenIds()));
        return (int)
                b.outcomes().stream()
                        .filter(r -> tokens.containsKey(r.getRequestId()))
                        .filter(r -> !tokens.get(r.getRequestId()).equals(r.getTokenIds()))
                        .count();
    }

    /** The job's settings for one run: the user's, then this run's admission, broker and topics. */
    private JobConfig config(Admission admission, String bootstrap, String tag) {
        Map<String, String> owned = LocalCluster.ownTopics(bootstrap, tag);
        owned.put(TandemOptions.CHECKPOINT_INTERVAL.key(), interval.toMillis() + " ms");
        owned.put(TandemOptions.MAX_BATCHES_IN_FLIGHT.key(), String.valueOf(maxBatchesInFlight));
        if (admission.maxWaitingRequests >= 0) {
            owned.put(
                    TandemOptions.MAX_WAITING_REQUESTS.key(),
                    String.valueOf(admission.maxWaitingRequests));
        }
        return job.resolve(JobOptions.localDefaults(), owned);
    }

    private Summary summary(JobConfig sample, List<CheckpointRun> runs, int mismatches) {
        Summary summary = new Summary();
        summary.figures(null, null)
                .json("benchmark", "checkpoints")
                .json("requests", requests)
                .json("new_tokens", workloadOptions.newTokens)
                .json("mode", sample.generation().mode().label())
                .json("parallelism", sample.parallelism())
                .json("task_managers", cluster.taskManagers())
                .json("max_batches_in_flight", sample.generation().maxBatchesInFlight())
                .json("max_batch_size", sample.batching().maxSize())
                .json("checkpoint_interval_ms", sample.checkpointInterval().toMillis());
        Table table =
                summary.table(
                        "runs",
                        "Checkpoints while saturated (end-to-end duration, ms) and request"
                                + " latency (send to result read, ms)",
                        Column.of("admission", "admission"),
                        Column.of("max_waiting_requests", "max waiting"),
                        Column.of("checkpoints", "checkpoints"),
                        Column.of("checkpoint_p50_ms", "ckpt p50"),
                        Column.of("checkpoint_p99_ms", "ckpt p99"),
                        Column.of("checkpoint_max_ms", "ckpt max"),
                        Column.of("failed_checkpoints", "failed"),
                        Column.of("requests", null),
                        Column.of("results", "results"),
                        Column.of("lost", "lost"),
                        Column.of("request_p50_ms", "req p50"),
                        Column.of("request_p99_ms", "req p99"),
                        Column.of("burst_ms", null),
                        Column.of(null, "burst s"));
        for (CheckpointRun run : runs) {
            table.row(
                    run.admission().label,
                    run.maxWaitingRequests(),
                    run.durationsMs().length,
                    run.checkpointPercentile(0.5),
                    run.checkpointPercentile(0.99),
                    run.checkpointPercentile(1.0),
                    run.failedCheckpoints(),
                    run.requests(),
                    run.results(),
                    run.lost(),
                    run.latencyPercentile(0.5),
                    run.latencyPercentile(0.99),
                    run.burstMs(),
                    run.burstMs() / 1000.0);
        }
        CheckpointRun before = runs.get(0);
        CheckpointRun after = runs.get(1);
        summary.figures("waiting_over_blocking", "waiting / blocking")
                .add(
                        "checkpoint_p50",
                        "checkpoint p50",
                        ratio(after.checkpointPercentile(0.5), before.checkpointPercentile(0.5)))
                .add(
                        "checkpoint_p99",
                        "checkpoint p99",
                        ratio(after.checkpointPercentile(0.99), before.checkpointPercentile(0.99)))
                .add(
                        "checkpoints_completed",
                        "checkpoints completed",
                        ratio(after.durationsMs().length, before.durationsMs().length))
                .add(
                        "request_p50",
                        "request p50",
                        ratio(after.latencyPercentile(0.5), before.latencyPercentile(0.5)));
        summary.figures(null, "Greedy output")
                .add(
                        "token_mismatches",
                        "requests whose tokens differ between the runs (must be 0)",
                        mismatches);
        return summary;
    }

    private static Value ratio(double after, double before) {
        return Value.number(after / before, "%.3fx");
    }
}
