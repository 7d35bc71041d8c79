package io.tandem.local;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.ClusterOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.clusterframework.BootstrapTools;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Flink session cluster on loopback: one JobManager process and one process per TaskManager,
 * each TaskManager with its own CPU, task heap and resource id, and optionally a Kafka broker in a
 * process of its own. Tests start it attached (the processes die with the JVM that started them,
 * and {@link #close()} stops them and deletes their directory); {@code ./tandem cluster up} starts
 * it detached in a run directory, where it keeps running until {@code ./tandem cluster down}.
 *
 * <p>It exists because a MiniCluster's TaskManagers all share one configuration, so slot sharing
 * group resource requests can never steer operators to particular TaskManagers there. Here they do:
 * Flink 2's FineGrainedSlotManager places each group's slot on a TaskManager whose free resources
 * cover the request.
 *
 * <p>The child JVMs run on this JVM's class path, so the job's classes and their dependencies are
 * on every TaskManager's system class path and a job is submitted without a jar: build it with
 * {@link #remoteEnvironment(Configuration)}.
 */
public final class StandaloneCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneCluster.class);

    private static final String HOST = "127.0.0.1";

    /** The entrypoint script every Flink process starts through, as a class path resource. */
    private static final String NODE_SCRIPT = "/io/tandem/local/tandem-node";

    private static final String PROMETHEUS_REPORTER =
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    /**
     * Up to 18 JVMs starting at once on a 2-core machine: 16 TaskManagers once took longer than a
     * minute to register.
     */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(150);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    private static final int LOG_TAIL_LINES = 40;

    /** A file appender only: the processes' output would drown the test's own. */
    private static final String LOG4J2_PROPERTIES =
            String.join(
                    "\n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.file.ref = File",
                    "appender.file.name = File",
                    "appender.file.type = File",
                    "appender.file.fileName = ${sys:log.file}",
                    // append, and no monitorInterval: Log4j reopens the file whenever the
                    // configuration is started again, which monitorInterval does periodically,
                    // and without append each reopening would truncate what was logged so far
                    "appender.file.append = true",
                    "appender.file.layout.type = PatternLayout",
                    "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} - %m%n",
                    "");

    private final Path dir;
    private final int restPort;
    private final Map<String, Process> processes;
    private final Map<String, Launch> commands;
    private final Thread shutdownHook;
    private final Map<String, Integer> prometheusPorts;
    private volatile String bootstrapServers;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private StandaloneCluster(
            Path dir,
            int restPort,
            Map<String, Process> processes,
            Map<String, Launch> commands,
            Thread shutdownHook,
            Map<String, Integer> prometheusPorts) {
        this.dir = dir;
        this.restPort = restPort;
        this.processes = processes;
        this.commands = commands;
        this.shutdownHook = shutdownHook;
        this.prometheusPorts = prometheusPorts;
    }

    /** A process's command line and the environment it adds to this JVM's. */
    private record Launch(List<String> command, Map<String, String> environment) {}

    /** Starts {@code launch} as process {@code name}, its console appended to {@code name.out}. */
    private static Process run(Path dir, String name, Launch launch) throws IOException {
        ProcessBuilder builder =
                new ProcessBuilder(launch.command())
                        .redirectErrorStream(true)
                        .redirectOutput(
                                ProcessBuilder.Redirect.appendTo(
                                        dir.resolve(name + ".out").toFile()));
        builder.environment().putAll(launch.environment());
        return builder.start();
    }

    /**
     * Kills process {@code name} (a TaskManager's resource id, {@code jobmanager} or {@code kafka})
     * with SIGKILL, as a crash or an out-of-memory killer would, and waits until it is gone.
     */
    public void kill(String name) {
        Process process = process(name);
        process.destroyForcibly();
        try {
            process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(name + " did not die within " + STOP_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while killing " + name, e);
        }
    }

    /**
     * Stops process {@code name} as an operator would: SIGTERM, so it shuts down cleanly, and
     * SIGKILL if it has not within 15 s. Returns once it is gone.
     */
    public void stop(String name) {
        stop(List.of(process(name).toHandle()));
    }

    private Process process(String name) {
        Process process;
        synchronized (processes) {
            process = processes.get(name);
        }
        if (process == null) {
            throw new IllegalArgumentException("No process " + name + " in " + pids().keySet());
        }
        return process;
    }

    /**
     * Starts process {@code name} again with the command it first started with, as a supervisor
     * (systemd, Kubernetes) restarts a process that died: a TaskManager registers again under its
     * resource id, the broker comes back on its address with its data. Returns once the broker
     * accepts clients; a TaskManager registers in the background.
     */
    public void restart(String name) throws IOException {
        Launch launch = commands.get(name);
        if (launch == null) {
            throw new IllegalArgumentException("No process " + name + " in " + commands.keySet());
        }
        Path brokerAddress = dir.resolve("broker.address");
        synchronized (processes) {
            Process old = processes.get(name);
            if (old != null && old.isAlive()) {
                throw new IllegalStateException(name + " is still running");
            }
            if (name.equals("kafka")) {
                Files.deleteIfExists(brokerAddress);
            }
            processes.put(name, run(dir, name, launch));
        }
        if (name.equals("kafka")) {
            awaitBroker(brokerAddress);
        }
    }

    /**
     * The entrypoint script of the container images ({@code docker/bin/tandem-node}), which starts
     * every Flink process of a standalone cluster.
     */
    public static InputStream entrypointScript() {
        InputStream in = StandaloneCluster.class.getResourceAsStream(NODE_SCRIPT);
        if (in == null) {
            throw new IllegalStateException(NODE_SCRIPT + " is not on the class path");
        }
        return in;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The address every process binds to and the REST endpoint listens on. */
    public String host() {
        return HOST;
    }

    public int restPort() {
        return restPort;
    }

    /**
     * Where the configurations and logs ({@code NAME.log}, {@code NAME.out}) of the processes are.
     */
    public Path directory() {
        return dir;
    }

    /** The process id of each process, by name ({@code jobmanager}, the TaskManagers' ids). */
    public Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        synchronized (processes) {
            processes.forEach((name, process) -> pids.put(name, process.pid()));
        }
        return pids;
    }

    /**
     * The port each Flink process ({@code jobmanager}, the TaskManagers' ids) serves its metrics on
     * for Prometheus, at {@code /metrics} of this host; empty unless built with {@link
     * Builder#prometheus}.
     */
    public Map<String, Integer> prometheusPorts() {
        synchronized (prometheusPorts) {
            return new LinkedHashMap<>(prometheusPorts);
        }
    }

    /** The bootstrap servers of the cluster's Kafka broker, or null if it has none. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * An environment that submits to this cluster through REST, with no jar: the TaskManagers
     * already have the job's classes.
     */
    public StreamExecutionEnvironment remoteEnvironment(Configuration conf) {
        return StreamExecutionEnvironment.createRemoteEnvironment(HOST, restPort, conf);
    }

    /** Waits until {@code count} TaskManagers have registered with the ResourceManager. */
    public void waitForTaskManagers(int count, Duration timeout) {
        awaitRest(
                "/taskmanagers",
                timeout,
                json -> json.getAsJsonArray("taskmanagers").size() >= count ? Boolean.TRUE : null,
                last ->
                        "Only "
                                + (last == null ? 0 : last.getAsJsonArray("taskmanagers").size())
                                + " of "
                                + count
                                + " TaskManagers registered");
    }

    /**
     * Polls {@code path} of the REST API until {@code ready} makes something other than null of its
     * answer, and returns that. Fails as soon as a process has exited, and after {@code timeout}
     * with what {@code notReady} says of the last answer (null if none came).
     */
    private <T> T awaitRest(
            String path,
            Duration timeout,
            Function<JsonObject, T> ready,
            Function<JsonObject, String> notReady) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonObject last = null;
        while (System.nanoTime() < deadline) {
            checkAlive();
            try {
                last = getJson(path);
                T result = ready.apply(last);
                if (result != null) {
                    return result;
                }
            } catch (UncheckedIOException | IllegalStateException e) {
                // the REST endpoint is not listening yet, or has no leader yet (503)
            }
            sleep(POLL_INTERVAL);
        }
        throw new IllegalStateException(notReady.apply(last) + " within " + timeout + logTails());
    }

    /** Waits for the broker process to write its address, and returns it. */
    private String awaitBroker(Path addressFile) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            checkAlive();
            if (Files.isRegularFile(addressFile)) {
                return Files.readString(addressFile).trim();
            }
            sleep(POLL_INTERVAL);
        }
        throw new IllegalStateException(
                "The Kafka broker did not start within " + START_TIMEOUT + logTails());
    }

    /**
     * Waits until the job and every one of its vertices is RUNNING, which means every task has a
     * slot: a slot request that no TaskManager can satisfy shows up here as a timeout.
     */
    public void awaitRunning(JobID jobId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            checkAlive();
            JsonObject job = getJson("/jobs/" + jobId);
            Map<String, String> vertexStates = new TreeMap<>();
            for (JsonElement vertex : job.getAsJsonArray("vertices")) {
                JsonObject v = vertex.getAsJsonObject();
                vertexStates.put(v.get("name").getAsString(), v.get("status").getAsString());
            }
            String jobState = job.get("state").getAsString();
            if (jobState.equals("RUNNING")
                    && vertexStates.values().stream().allMatch("RUNNING"::equals)) {
                return;
            }
            last = jobState + " " + vertexStates;
            sleep(POLL_INTERVAL);
        }
        throw new IllegalStateException(
                "Job "
                        + jobId
                        + " not running within "
                        + timeout
                        + ": "
                        + last
                        + lastFailure(jobId)
                        + logTails());
    }

    /** The job's latest failure, as its exception history on the REST API has it. */
    private String lastFailure(JobID jobId) {
        try {
            JsonObject history =
                    getJson("/jobs/" + jobId + "/exceptions").getAsJsonObject("exceptionHistory");
            JsonArray entries = history.getAsJsonArray("entries");
            if (entries.isEmpty()) {
                return "";
            }
            String trace = entries.get(0).getAsJsonObject().get("stacktrace").getAsString();
            return "\nLast failure: " + trace.lines().limit(12).collect(Collectors.joining("\n"));
        } catch (RuntimeException e) {
            return "";
        }
    }

    /**
     * Waits until the JobManager has a job and returns its id: in application mode, the job it
     * runs.
     */
    public JobID awaitJob(Duration timeout) {
        return awaitRest(
                "/jobs",
                timeout,
                json -> {
                    JsonArray jobs = json.getAsJsonArray("jobs");
                    return jobs.isEmpty()
                            ? null
                            : JobID.fromHexString(
                                    jobs.get(0).getAsJsonObject().get("id").getAsString());
                },
                last -> "No job");
    }

    /**
     * For each vertex of a running job, by name, the resource ids of the TaskManagers its subtasks
     * run on. With operator chaining disabled a vertex is one operator.
     */
    public Map<String, Set<String>> placement(JobID jobId) {
        return placement(restUrl(), jobId.toHexString());
    }

    /** {@link #placement(JobID)} of a job on the cluster whose REST API is at {@code restUrl}. */
    public static Map<String, Set<String>> placement(String restUrl, String jobId) {
        Map<String, Set<String>> placement = new TreeMap<>();
        for (JsonElement vertex : getJson(restUrl, "/jobs/" + jobId).getAsJsonArray("vertices")) {
            JsonObject v = vertex.getAsJsonObject();
            Set<String> taskManagers = new TreeSet<>();
            JsonObject perTaskManager =
                    getJson(
                            restUrl,
                            "/jobs/"
                                    + jobId
                                    + "/vertices/"
                                    + v.get("id").getAsString()
                                    + "/taskmanagers");
            for (JsonElement tm : perTaskManager.getAsJsonArray("taskmanagers")) {
                taskManagers.add(tm.getAsJsonObject().get("taskmanager-id").getAsString());
            }
            placement.put(v.get("name").getAsString(), taskManagers);
        }
        return placement;
    }

    /**
     * Stops every process, then deletes the cluster's directory, logs included. A detached cluster
     * is left running: stop it with {@link #stop(Collection)}.
     */
    @Override
    public void close() {
        if (shutdownHook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down, and the hook is doing this
            return;
        }
        stopAndDelete(dir, processes);
    }

    private static void stopAndDelete(Path dir, Map<String, Process> processes) {
        List<ProcessHandle> running;
        synchronized (processes) {
            running = processes.values().stream().map(Process::toHandle).toList();
        }
        stop(running);
        try {
            FileUtils.deleteDirectory(dir.toFile());
        } catch (IOException e) {
            LOG.warn("Could not delete {}", dir, e);
        }
    }

    /**
     * Stops processes: SIGTERM first, so Flink's own shutdown hooks release ports and temporary
     * files; a process that does not exit in time is killed. Returns how many were still running.
     */
    public static int stop(Collection<ProcessHandle> processes) {
        List<ProcessHandle> running = processes.stream().filter(ProcessHandle::isAlive).toList();
        running.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (ProcessHandle process : running) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                process.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                kill(process);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        return running.size();
    }

    /** SIGKILL, and a few seconds for the kernel to reap the process. */
    private static void kill(ProcessHandle process) {
        process.destroyForcibly();
        try {
            process.onExit().get(5, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("Process {} still there 5 s after SIGKILL", process.pid());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private JsonObject getJson(String path) {
        return getJson(restUrl(), path);
    }

    /** The REST endpoint, e.g. {@code http://127.0.0.1:8081}. */
    public String restUrl() {
        return "http://" + HOST + ":" + restPort;
    }

    /**
     * GETs {@code path} of the Flink REST API at {@code restUrl} as a JSON object.
     *
     * @throws UncheckedIOException if it cannot be reached
     * @throws IllegalStateException if it answers other than 200, or the wait is interrupted
     */
    public static JsonObject getJson(String restUrl, String path) {
        return get(restUrl, path).getAsJsonObject();
    }

    /** As {@link #getJson(String, String)}, for answers that are not objects (metric queries). */
    public static JsonElement get(String restUrl, String path) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(restUrl + path))
                        .timeout(Duration.ofSeconds(10))
                        .build();
        HttpResponse<String> response;
        try {
            response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during GET " + path, e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JsonParser.parseString(response.body());
    }

    private void checkAlive() {
        processes.forEach(
                (name, process) -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(
                                name + " exited with code " + process.exitValue() + logTails());
                    }
                });
    }

    /** The end of every process's log and console output, to explain a failure. */
    private String logTails() {
        StringBuilder out = new StringBuilder("\nCluster directory: ").append(dir);
        for (String name : processes.keySet()) {
            for (String suffix : List.of(".out", ".log")) {
                Path file = dir.resolve(name + suffix);
                out.append("\n----- ").append(file.getFileName()).append(" (tail) -----\n");
                try {
                    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                    lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
                            .forEach(line -> out.append(line).append('\n'));
                } catch (IOException e) {
                    out.append("(unreadable: ").append(e).append(")\n");
                }
            }
        }
        return out.toString();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the cluster", e);
        }
    }

    /** The resources one TaskManager declares to the ResourceManager. */
    private record TaskManagerSpec(String resourceId, double cpuCores, int taskHeapMb, int slots) {}

    /** Collects the TaskManagers, then starts the processes. */
    public static final class Builder {

        private final Map<String, TaskManagerSpec> taskManagers = new LinkedHashMap<>();
        private final Map<String, Launch> commands = new ConcurrentHashMap<>();
        private List<String> taskManagerJavaOptions = List.of();
        private Path directory;
        private boolean detached;
        private boolean kafkaBroker;
        private boolean prometheus;
        private String classPath;
        private Path flinkHome;
        private List<String> application;
        private final Map<String, Integer> prometheusPorts =
                Collections.synchronizedMap(new LinkedHashMap<>());
        private Duration heartbeatInterval;
        private Duration heartbeatTimeout;

        private Builder() {}

        /**
         * Keeps the processes' configurations and logs in {@code directory} (created if missing)
         * instead of a temporary directory.
         */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /**
         * Starts processes that outlive this JVM: no shutdown hook, and {@link #close()} leaves
         * them running. Stop them by their {@link #pids()}.
         */
        public Builder detached() {
            this.detached = true;
            return this;
        }

        /**
         * JVM options every TaskManager starts with, after the ones the cluster sets (as Flink's
         * {@code env.java.opts.taskmanager}); separated by whitespace.
         */
        public Builder taskManagerJavaOptions(String options) {
            this.taskManagerJavaOptions =
                    options.isBlank() ? List.of() : List.of(options.trim().split("\\s+"));
            return this;
        }

        /**
         * How often the JobManager and the TaskManagers check on each other, and how long one may
         * be silent before it counts as lost. Flink's defaults (10 s, 50 s) suit large clusters; a
         * TaskManager that dies is then noticed within {@code interval} times {@code
         * heartbeat.rpc-failure-threshold} (2), and its slots are not offered to a restart after
         * that.
         */
        public Builder heartbeat(Duration interval, Duration timeout) {
            this.heartbeatInterval = interval;
            this.heartbeatTimeout = timeout;
            return this;
        }

        /** Also starts a Kafka broker, in a process of its own. */
        public Builder kafkaBroker() {
            this.kafkaBroker = true;
            return this;
        }

        /**
         * Has every Flink process serve its metrics for Prometheus to scrape, each on a port of its
         * own ({@link #prometheusPorts}); the reporter ({@code flink-metrics-prometheus}) must be
         * on the class path.
         */
        public Builder prometheus() {
            this.prometheus = true;
            return this;
        }

        /**
         * Starts the Flink processes on {@code classPath} instead of this JVM's class path: what a
         * Flink distribution's {@code lib/} holds, say, as in the container images.
         */
        public Builder classPath(String classPath) {
            this.classPath = classPath;
            return this;
        }

        /**
         * Starts the JobManager in application mode, as the container images do: it runs the job
         * whose jar is in {@code flinkHome/usrlib/}, {@code jobArgs} its arguments, and serves no
         * other job.
         */
        public Builder application(Path flinkHome, List<String> jobArgs) {
            this.flinkHome = flinkHome;
            this.application = List.copyOf(jobArgs);
            return this;
        }

        /**
         * Adds a TaskManager. In fine-grained resource management {@code slots} does not limit how
         * many slots it hosts; it only sizes the default slot, its resources divided by {@code
         * slots}, that a slot sharing group without a resource request gets.
         */
        public Builder taskManager(String resourceId, double cpuCores, int taskHeapMb, int slots) {
            if (taskManagers.containsKey(resourceId)) {
                throw new IllegalArgumentException("Duplicate TaskManager " + resourceId);
            }
            taskManagers.put(
                    resourceId, new TaskManagerSpec(resourceId, cpuCores, taskHeapMb, slots));
            return this;
        }

        /**
         * Starts the JobManager and the TaskManagers and returns once all TaskManagers have
         * registered. On failure it leaves no process behind and throws, with the tails of the
         * processes' logs in the message.
         */
        public StandaloneCluster start() throws IOException {
            if (taskManagers.isEmpty()) {
                throw new IllegalStateException("A cluster needs at least one TaskManager");
            }
            long started = System.nanoTime();
            Path dir =
                    directory != null
                            ? Files.createDirectories(directory)
                            : Files.createTempDirectory("standalone-cluster-");
            Files.writeString(dir.resolve("log4j2.properties"), LOG4J2_PROPERTIES);

            Configuration common = new Configuration();
            common.set(JobManagerOptions.ADDRESS, HOST);
            common.set(JobManagerOptions.PORT, LoopbackPorts.free());
            // A TaskManager that boots before the ResourceManager is up retries after this delay,
            // 10 s by default, which would be most of a test's run time
            common.set(ClusterOptions.ERROR_REGISTRATION_DELAY, Duration.ofSeconds(1));
            if (heartbeatInterval != null) {
                common.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, heartbeatInterval);
                common.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, heartbeatTimeout);
            }

            // synchronized: the shutdown hook may read it while start() still adds to it
            Map<String, Process> processes = Collections.synchronizedMap(new LinkedHashMap<>());
            // registered before the first process exists, so that none can outlive this JVM
            Thread shutdownHook =
                    detached
                            ? null
                            : new Thread(
                                    () -> stopAndDelete(dir, processes), "standalone-cluster-stop");
            if (shutdownHook != null) {
                Runtime.getRuntime().addShutdownHook(shutdownHook);
            }

            int restPort = LoopbackPorts.free();
            StandaloneCluster cluster =
                    new StandaloneCluster(
                            dir, restPort, processes, commands, shutdownHook, prometheusPorts);
            try {
                Path brokerAddress = dir.resolve("broker.address");
                if (kafkaBroker) {
                    Files.deleteIfExists(brokerAddress);
                    // a broker left by an earlier cluster in this directory is not this one's:
                    // only a restart keeps the broker's storage
                    FileUtils.deleteDirectory(
                            dir.resolve(KafkaBrokerProcess.HOME_DIRECTORY).toFile());
                    processes.put(
                            "kafka",
                            launch(
                                    dir,
                                    "kafka",
                                    List.of("-Xmx384m", "-XX:MaxMetaspaceSize=160m"),
                                    KafkaBrokerProcess.class.getName(),
                                    List.of(brokerAddress.toString()),
                                    detached));
                }
                processes.put("jobmanager", launchJobManager(dir, common, restPort, detached));
                for (TaskManagerSpec tm : taskManagers.values()) {
                    processes.put(
                            tm.resourceId(),
                            launchTaskManager(dir, common, tm, taskManagerJavaOptions, detached));
                }
                cluster.waitForTaskManagers(taskManagers.size(), START_TIMEOUT);
                if (kafkaBroker) {
                    cluster.bootstrapServers = cluster.awaitBroker(brokerAddress);
                }
            } catch (IOException | RuntimeException e) {
                stopAndDelete(dir, processes);
                if (shutdownHook != null) {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                }
                throw e;
            }
            LOG.info(
                    "Standalone cluster up in {} ms: REST http://{}:{}, TaskManagers {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    HOST,
                    restPort,
                    taskManagers.keySet());
            return cluster;
        }

        private Process launchJobManager(
                Path dir, Configuration common, int restPort, boolean detached) throws IOException {
            Configuration conf = new Configuration(common);
            conf.set(JobManagerOptions.BIND_HOST, HOST);
            conf.set(RestOptions.ADDRESS, HOST);
            conf.set(RestOptions.BIND_ADDRESS, HOST);
            conf.set(RestOptions.PORT, restPort);
            // REST answers come from a cache of the execution graph refreshed this often
            // (default 3 s), which would delay every status poll
            conf.set(WebOptions.REFRESH_INTERVAL, Duration.ofMillis(200));
            conf.set(JobManagerOptions.JVM_HEAP_MEMORY, MemorySize.ofMebiBytes(128));
            conf.set(JobManagerOptions.JVM_METASPACE, MemorySize.ofMebiBytes(192));
            conf.set(JobManagerOptions.JVM_OVERHEAD_MIN, MemorySize.ofMebiBytes(64));
            conf.set(JobManagerOptions.JVM_OVERHEAD_MAX, MemorySize.ofMebiBytes(64));
            List<String> role = new ArrayList<>();
            if (application == null) {
                role.add("jobmanager");
            } else {
                role.add("application");
                role.addAll(application);
            }
            return launchFlink(dir, "jobmanager", role, conf, List.of(), detached);
        }

        /**
         * Sets every memory component explicitly, so that the process is as small as the heap asks
         * for: Flink's defaults would add hundreds of megabytes. Managed memory is zero: streaming
         * jobs on the heap state backend do not use it, and the process stays small.
         */
        private Process launchTaskManager(
                Path dir,
                Configuration common,
                TaskManagerSpec tm,
                List<String> javaOptions,
                boolean detached)
                throws IOException {
            Configuration conf = new Configuration(common);
            conf.set(TaskManagerOptions.HOST, HOST);
            conf.set(TaskManagerOptions.BIND_HOST, HOST);
            conf.set(TaskManagerOptions.TASK_MANAGER_RESOURCE_ID, tm.resourceId());
            conf.set(TaskManagerOptions.NUM_TASK_SLOTS, tm.slots());
            conf.set(TaskManagerOptions.CPU_CORES, tm.cpuCores());
            conf.set(TaskManagerOptions.TASK_HEAP_MEMORY, MemorySize.ofMebiBytes(tm.taskHeapMb()));
            conf.set(TaskManagerOptions.TASK_OFF_HEAP_MEMORY, MemorySize.ZERO);
            conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ZERO);
            conf.set(TaskManagerOptions.FRAMEWORK_HEAP_MEMORY, MemorySize.ofMebiBytes(64));
            conf.set(TaskManagerOptions.FRAMEWORK_OFF_HEAP_MEMORY, MemorySize.ofMebiBytes(64));
            // min = max: TaskManagerRunner refuses a network memory range
            conf.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.ofMebiBytes(32));
            conf.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.ofMebiBytes(32));
            conf.set(TaskManagerOptions.JVM_METASPACE, MemorySize.ofMebiBytes(192));
            conf.set(TaskManagerOptions.JVM_OVERHEAD_MIN, MemorySize.ofMebiBytes(64));
            conf.set(TaskManagerOptions.JVM_OVERHEAD_MAX, MemorySize.ofMebiBytes(64));
            return launchFlink(
                    dir, tm.resourceId(), List.of("taskmanager"), conf, javaOptions, detached);
        }

        /**
         * Starts a Flink process in a JVM of its own, with its config.yaml in {@code dir/name/}, by
         * the entrypoint script of the container images ({@link #entrypointScript()}): {@code role}
         * is its arguments, the role first.
         */
        private Process launchFlink(
                Path dir,
                String name,
                List<String> role,
                Configuration conf,
                List<String> javaOptions,
                boolean detached)
                throws IOException {
            Path confDir = Files.createDirectories(dir.resolve(name));
            if (prometheus) {
                int port = LoopbackPorts.free();
                conf.setString("metrics.reporter.prom.factory.class", PROMETHEUS_REPORTER);
                conf.setString("metrics.reporter.prom.port", Integer.toString(port));
                prometheusPorts.put(name, port);
            }
            BootstrapTools.writeConfiguration(conf, confDir.resolve("config.yaml").toFile());
            List<String> jvm = javaOptions(dir, name);
            jvm.addAll(javaOptions);
            Map<String, String> environment = new LinkedHashMap<>();
            environment.put("JAVA_HOME", System.getProperty("java.home"));
            environment.put("FLINK_CONF_DIR", confDir.toString());
            environment.put(
                    "TANDEM_CLASSPATH",
                    classPath != null ? classPath : System.getProperty("java.class.path"));
            if (flinkHome != null) {
                environment.put("FLINK_HOME", flinkHome.toString());
            }
            environment.put("TANDEM_JAVA_OPTS", String.join(" ", jvm));
            if (!detached) {
                environment.put("TANDEM_LAUNCHER", ExitWithParent.class.getName());
            }
            Launch launch =
                    new Launch(
                            Stream.concat(
                                            Stream.of("bash", nodeScript(dir).toString()),
                                            role.stream())
                                    .toList(),
                            Map.copyOf(environment));
            commands.put(name, launch);
            return run(dir, name, launch);
        }

        /** Copies the entrypoint script out of this module's resources into {@code dir/bin/}. */
        private static Path nodeScript(Path dir) throws IOException {
            Path script = dir.resolve("bin").resolve("tandem-node");
            if (!Files.isRegularFile(script)) {
                Files.createDirectories(script.getParent());
                try (InputStream in = entrypointScript()) {
                    Files.copy(in, script);
                }
            }
            return script;
        }

        /**
         * The JVM options of every process: its log in {@code dir/name.log}, its temporary files in
         * {@code dir/name/tmp}, and DJL's settings of this JVM.
         */
        private static List<String> javaOptions(Path dir, String name) throws IOException {
            Path tmp = Files.createDirectories(dir.resolve(name).resolve("tmp"));
            List<String> options = new ArrayList<>();
            // fewer GC threads and less footprint than G1 for heaps this small, on 2 cores
            options.add("-XX:+UseSerialGC");
            options.add("-Dlog.file=" + dir.resolve(name + ".log"));
            options.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties").toUri());
            // Flink's io.tmp.dirs, web.tmpdir and blob storage all default to java.io.tmpdir
            options.add("-Djava.io.tmpdir=" + tmp);
            // DJL in the TaskManagers loads the same natives as in this JVM, offline
            System.getProperties().stringPropertyNames().stream()
                    .filter(k -> k.startsWith("ai.djl.") || k.endsWith("_CACHE_DIR"))
                    .sorted()
                    .forEach(k -> options.add("-D" + k + "=" + System.getProperty(k)));
            return options;
        }

        /**
         * Starts {@code mainClass} in a JVM of its own on this JVM's class path, with its log in
         * {@code dir/name.log} and its console in {@code dir/name.out}; unless detached, it exits
         * when this JVM does.
         */
        private Process launch(
                Path dir,
                String name,
                List<String> jvmArgs,
                String mainClass,
                List<String> args,
                boolean detached)
                throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmArgs);
            command.addAll(javaOptions(dir, name));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            if (!detached) {
                command.add(ExitWithParent.class.getName());
            }
            command.add(mainClass);
            command.addAll(args);

            Launch launch = new Launch(List.copyOf(command), Map.of());
            commands.put(name, launch);
            return run(dir, name, launch);
        }
    }

    /**
     * Runs a Flink entry point and exits when the JVM that started it does. A shutdown hook does
     * not run when the test JVM is killed (SIGKILL, a surefire fork timeout); this does.
     */
    static final class ExitWithParent {

        private ExitWithParent() {}

        public static void main(String[] args) throws Exception {
            ProcessHandle.current()
                    .parent()
                    .ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(1)));
            String[] entryPointArgs = new String[args.length - 1];
            System.arraycopy(args, 1, entryPointArgs, 0, entryPointArgs.length);
            Class.forName(args[0])
                    .getMethod("main", String[].class)
                    .invoke(null, (Object) entryPointArgs);
        }
    }
}
