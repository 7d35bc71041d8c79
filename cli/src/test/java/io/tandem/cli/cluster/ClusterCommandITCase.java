package io.tandem.cli.cluster;

import static io.tandem.testkit.Placement.vertexOn;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.cli.LocalCluster;
import io.tandem.cli.TandemCli;
import io.tandem.job.operators.Operators;
import io.tandem.local.RequestProducer;
import io.tandem.local.StandaloneCluster;
import io.tandem.local.TopicReader;
import io.tandem.model.emulated.EmulatedModel;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.Requests;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./tandem cluster up}, {@code run --cluster}, {@code status} and {@code down} on a real
 * cluster of separate processes with emulated stages: two draft and two verify TaskManagers at
 * parallelism 2. The job runs once per mode on the same cluster; placement comes from the REST API,
 * every request must be answered once, and every mode must produce the emulated target's tokens.
 * Started with {@code --metrics}: every TaskManager serves its metrics for Prometheus, and the
 * running job's request and round counters are there.
 */
class ClusterCommandITCase {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String QUICK_COMPILER = "-XX:TieredStopAtLevel=1";
    private static final Path DASHBOARD =
            Path.of("..", "docker", "grafana", "tandem-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("flink_[A-Za-z0-9_]+");

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void upRunStatusDownServesEveryModeWithTheSameOutputOnTheRightTaskManagers(@TempDir Path root)
            throws Exception {
        Path dir = root.resolve("cluster");
        String profile = BundledModel.gpuProfile("h200-68m-7b").toString();
        assertThat(
                        cli(
                                "cluster",
                                "up",
                                "--dir",
                                dir.toString(),
                                "--engine",
                                "emulated",
                                "--profile",
                                profile,
                                "--draft-task-managers",
                                "2",
                                "--verify-task-managers",
                                "2",
                                "--tm-java-opts",
                                QUICK_COMPILER,
                                "--metrics"))
                .isZero();
        List<Long> pids = new ArrayList<>();
        try {
            JsonObject status = ClusterStatus.status(dir);
            assertThat(status.get("healthy").getAsBoolean()).isTrue();
            assertThat(status.getAsJsonObject("overview").get("taskmanagers").getAsInt())
                    .isEqualTo(4);
            List<String> withOptions = new ArrayList<>();
            for (var p : status.getAsJsonArray(RunDirectory.PROCESSES)) {
                JsonObject process = p.getAsJsonObject();
                long pid = process.get("pid").getAsLong();
                pids.add(pid);
                if (arguments(pid).contains(QUICK_COMPILER)) {
                    withOptions.add(process.get("name").getAsString());
                }
            }
            assertThat(pids).hasSize(6); // broker, JobManager, four TaskManagers
            assertThat(status.get("task_manager_java_opts").getAsString())
                    .isEqualTo(QUICK_COMPILER);
            assertThat(withOptions)
                    .as("processes started with --tm-java-opts")
                    .containsExactlyInAnyOrder("draft-1", "draft-2", "verify-1", "verify-2");
            // every Flink process started through the images' entrypoint script
            assertThat(dir.resolve("jobmanager.out"))
                    .content()
                    .contains("tandem-node: starting the jobmanager");
            for (String tm : withOptions) {
                assertThat(dir.resolve(tm + ".out"))
                        .content()
                        .contains("tandem-node: starting the taskmanager");
            }
            String rest = status.get("rest_url").getAsString();
            String bootstrap = status.get("bootstrap_servers").getAsString();
            JsonObject prometheus = status.getAsJsonObject("prometheus");
            assertThat(prometheus.keySet())
                    .containsExactlyInAnyOrder(
                            "jobmanager", "draft-1", "draft-2", "verify-1", "verify-2");
            List<String> endpoints =
                    prometheus.keySet().stream()
                            .map(name -> prometheus.get(name).getAsString())
                            .toList();

            Map<String, Map<String, List<Integer>>> outputs = new LinkedHashMap<>();
            for (String mode : List.of("ad", "sd-fixed", "sd")) {
                outputs.put(mode, serve(dir, rest, bootstrap, mode, endpoints));
            }
            assertThat(outputs.get("sd-fixed")).isEqualTo(outputs.get("ad"));
            assertThat(outputs.get("sd")).isEqualTo(outputs.get("ad"));
        } finally {
            assertThat(cli("cluster", "down", "--dir", dir.toString())).isZero();
        }
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("process %d after down", pid)
                    .isFalse();
        }
    }

    /** One run of the job in {@code mode}: its outputs by request id. */
    private static Map<String, List<Integer>> serve(
            Path dir, String rest, String bootstrap, String mode, List<String> endpoints)
            throws Exception {
        String tag = "cluster-" + mode;
        List<String> args = new ArrayList<>(List.of("run", "--cluster", dir.toString()));
        args.addAll(List.of("--mode", mode, "--model-dir", BundledModel.target().toString()));
        LocalCluster.ownTopics(bootstrap, tag)
                .forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        assertThat(cli(args.toArray(String[]::new))).isZero();
        String jobId = awaitRunningJob(rest);
        try {
            Map<String, Set<String>> placement = StandaloneCluster.placement(rest, jobId);
            assertThat(vertexOn(placement, Operators.SCHEDULE))
                    .containsExactly("draft-1", "draft-2");
            assertThat(vertexOn(placement, Operators.VERIFY))
                    .containsExactly("verify-1", "verify-2");

            List<InferenceRequest> requests = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                requests.add(Requests.greedy("req-" + i, "Chapter " + i + ". It was", 24 + 8 * i));
            }
            try (RequestProducer producer = new RequestProducer(bootstrap, tag + "-requests")) {
                requests.forEach(producer::send);
                // refused: counted by its dead-letter code
                producer.send(Requests.greedy("empty", "", 8));
            }
            TopicReader.read(
                    bootstrap, tag + "-results", requests.size(), Duration.ofSeconds(120), b -> b);
            List<InferenceResult> results =
                    TopicReader.read(
                            bootstrap,
                            tag + "-results",
                            requests.size() + 1,
                            Duration.ofSeconds(2),
                            b -> AvroBytes.decode(b, InferenceResult.class));
            assertThat(results)
                    .extracting(InferenceResult::getRequestId)
                    .containsExactlyInAnyOrderElementsOf(
                            requests.stream().map(InferenceRequest::getRequestId).toList());
            Map<String, List<Integer>> outputs = new LinkedHashMap<>();
            for (InferenceResult result : results) {
                assertThat(result.getMode()).isEqualTo(mode);
                int[] expected =
                        EmulatedModel.targetTokens(
                                result.getRequestId(),
                                result.getPromptTokens(),
                                result.getGeneratedTokens());
                assertThat(result.getTokenIds().stream().mapToInt(Integer::intValue).toArray())
                        .isEqualTo(expected);
                // stream output keyed by the request's index, the same across modes
                outputs.put(result.getRequestId(), result.getTokenIds());
            }
            Set<String> verifiedOn =
                    results.stream()
                            .map(r -> r.getPlacement().getVerifyTaskManager())
                            .collect(Collectors.toCollection(TreeSet::new));
            assertThat(verifiedOn).containsExactly("verify-1", "verify-2");

            // the running job's metrics, as Prometheus scrapes them from every Flink process
            List<String> scraped = new ArrayList<>();
            for (String endpoint : endpoints) {
                HttpResponse<String> page =
                        HTTP.send(
                                HttpRequest.newBuilder(URI.create(endpoint)).build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(page.statusCode()).as(endpoint).isEqualTo(200);
                assertThat(page.body()).as(endpoint).contains("_Status_JVM_CPU_Load");
                scraped.addAll(page.body().lines().toList());
            }
            if (mode.equals("sd")) {
                Set<String> names =
                        scraped.stream()
                                .filter(l -> l.startsWith("flink_"))
                                .map(l -> l.split("[{ ]", 2)[0])
                                .collect(Collectors.toSet());
                assertThat(names)
                        .as("metrics the Grafana dashboard queries")
                        .containsAll(dashboardMetrics());
            }
            assertThat(sum(scraped, "flink_taskmanager_job_task_operator_tandem_requestsIn"))
                    .as("requests in, over the subtasks")
                    .isEqualTo(requests.size() + 1);
            assertThat(
                            sum(
                                    scraped,
                                    "flink_taskmanager_job_task_operator_tandem_code_deadLetters",
                                    "code=\"PROMPT_EMPTY\""))
                    .as("dead letters of code PROMPT_EMPTY")
                    .isEqualTo(1);
            assertThat(sum(scraped, "flink_taskmanager_job_task_operator_tandem_roundsStarted"))
                    .as("rounds started")
                    .isGreaterThanOrEqualTo(1);
            return outputs;
        } finally {
            HTTP.send(
                    HttpRequest.newBuilder(URI.create(rest + "/jobs/" + jobId + "?mode=cancel"))
                            .method("PATCH", HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            awaitNoRunningJob(rest);
        }
    }

    /** Every metric name in the queries of the Grafana dashboard in docker/grafana. */
    private static Set<String> dashboardMetrics() throws IOException {
        JsonObject dashboard =
                JsonParser.parseString(Files.readString(DASHBOARD)).getAsJsonObject();
        Set<String> names = new TreeSet<>();
        for (JsonElement panel : dashboard.getAsJsonArray("panels")) {
            for (JsonElement target : panel.getAsJsonObject().getAsJsonArray("targets")) {
                Matcher metric = METRIC.matcher(target.getAsJsonObject().get("expr").getAsString());
                while (metric.find()) {
                    names.add(metric.group());
                }
            }
        }
        assertThat(names).as("metrics in %s", DASHBOARD).isNotEmpty();
        return names;
    }

    /**
     * The sum of the samples of {@code metric} on scraped pages whose labels include {@code
     * labels}.
     */
    private static double sum(List<String> lines, String metric, String... labels) {
        return lines.stream()
                .filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
                .filter(l -> Arrays.stream(labels).allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static int cli(String... args) {
        return new CommandLine(new TandemCli()).execute(args);
    }

    private static String awaitRunningJob(String rest) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            for (JsonElement job :
                    StandaloneCluster.getJson(rest, "/jobs/overview").getAsJsonArray("jobs")) {
                JsonObject j = job.getAsJsonObject();
                if (j.get("state").getAsString().equals("RUNNING")) {
                    String id = j.get("jid").getAsString();
                    JsonObject detail = StandaloneCluster.getJson(rest, "/jobs/" + id);
                    boolean allRunning = true;
                    for (JsonElement vertex : detail.getAsJsonArray("vertices")) {
                        allRunning &=
                                vertex.getAsJsonObject()
                                        .get("status")
                                        .getAsString()
                                        .equals("RUNNING");
                    }
                    if (allRunning) {
                        return id;
                    }
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no job running on " + rest);
    }

    private static void awaitNoRunningJob(String rest) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (StandaloneCluster.getJson(rest, "/overview").get("jobs-running").getAsInt() == 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("a job still running on " + rest);
    }

    /**
     * A process's command line: from /proc where there is one, since {@link ProcessHandle.Info}
     * gives none for command lines as long as a Flink process's class path.
     */
    private static List<String> arguments(long pid) throws IOException {
        Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
        if (Files.isReadable(cmdline)) {
            return List.of(Files.readString(cmdline).split("\0"));
        }
        return ProcessHandle.of(pid).flatMap(h -> h.info().arguments()).map(List::of).orElseThrow();
    }
}
