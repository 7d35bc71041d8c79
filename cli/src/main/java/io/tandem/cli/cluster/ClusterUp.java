package io.tandem.cli.cluster;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.tandem.job.RunningCluster;
import io.tandem.local.StandaloneCluster;
import io.tandem.udfs.ModelEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./tandem cluster up}. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description =
                "Start a JobManager, draft and verify TaskManagers and a Kafka broker as separate"
                        + " processes that keep running after this command; `./tandem run"
                        + " --cluster DIR` submits the job to them.")
final class ClusterUp implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin RunDirectoryOption run;

    @Option(
            names = "--draft-task-managers",
            paramLabel = "N",
            defaultValue = "2",
            description = "TaskManagers that draft (default: ${DEFAULT-VALUE}).")
    int draft;

    @Option(
            names = "--verify-task-managers",
            paramLabel = "M",
            defaultValue = "2",
            description = "TaskManagers that verify (default: ${DEFAULT-VALUE}).")
    int verify;

    @Option(
            names = "--engine",
            paramLabel = "ENGINE",
            defaultValue = "djl",
            description =
                    "djl (the bundled models) or emulated (stage times of --profile); sets"
                            + " tandem.model.engine for jobs run on the cluster (default:"
                            + " ${DEFAULT-VALUE}).")
    String engine;

    @Option(
            names = "--profile",
            paramLabel = "FILE",
            defaultValue = "profiles/h200-68m-7b.json",
            description = "Stage profile the emulated engine takes its times from.")
    Path profile;

    @Option(
            names = "--task-heap",
            paramLabel = "MB",
            description =
                    "Task heap of a draft TaskManager; verify TaskManagers get twice as much"
                            + " (default: 300 with djl, 96 emulated).")
    Integer taskHeapMb;

    @Option(
            names = "--tm-java-opts",
            paramLabel = "OPTS",
            defaultValue = "",
            description =
                    "JVM options of every TaskManager, e.g. -XX:TieredStopAtLevel=1 (the quick"
                            + " compiler only) when many TaskManagers share a few cores.")
    String taskManagerJavaOptions;

    @Option(
            names = "--metrics",
            description =
                    "Every Flink process serves its metrics for Prometheus to scrape, each on a"
                            + " port of its own; `cluster status --json` lists the URLs under"
                            + " `prometheus`.")
    boolean metrics;

    @Override
    public Integer call() throws Exception {
        if (Files.isRegularFile(RunDirectory.file(run.dir))) {
            throw new ParameterException(
                    spec.commandLine(),
                    "A cluster is already recorded in "
                            + run.dir
                            + "; `./tandem cluster down --dir "
                            + run.dir
                            + "` stops it first.");
        }
        boolean emulated;
        switch (engine) {
            case ModelEngine.DJL_NAME -> emulated = false;
            case ModelEngine.EMULATED -> emulated = true;
            default ->
                    throw new ParameterException(
                            spec.commandLine(), "--engine is djl or emulated, not " + engine);
        }
        if (emulated && !Files.isRegularFile(profile)) {
            throw new ParameterException(spec.commandLine(), "No stage profile at " + profile);
        }
        ClusterLayout layout;
        try {
            layout =
                    new ClusterLayout(
                            draft, verify, taskHeapMb != null ? taskHeapMb : emulated ? 96 : 300);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        long start = System.nanoTime();
        StandaloneCluster.Builder builder =
                StandaloneCluster.builder()
                        .directory(run.dir)
                        .detached()
                        .kafkaBroker()
                        .taskManagerJavaOptions(taskManagerJavaOptions);
        if (metrics) {
            builder.prometheus();
        }
        StandaloneCluster cluster = layout.taskManagers(builder).start();
        Map<String, String> settings = layout.jobSettings(emulated ? profile : null);
        RunningCluster running =
                new RunningCluster(
                        cluster.host(), cluster.restPort(), cluster.bootstrapServers(), settings);
        JsonObject json = running.toJson();
        json.addProperty("directory", run.dir.toAbsolutePath().toString());
        json.addProperty("rest_url", running.restUrl());
        json.addProperty("engine", engine);
        json.addProperty("task_manager_java_opts", taskManagerJavaOptions);
        if (emulated) {
            json.addProperty("profile", profile.toAbsolutePath().toString());
        }
        json.addProperty("started", Instant.now().toString());
        JsonArray processes = new JsonArray();
        cluster.pids()
                .forEach(
                        (name, pid) ->
                                processes.add(
                                        new RunDirectory.Process(
                                                        name,
                                                        role(name),
                                                        pid,
                                                        cluster.directory()
                                                                .resolve(name + ".log")
                                                                .toAbsolutePath())
                                                .toJson()));
        json.add(RunDirectory.PROCESSES, processes);
        if (metrics) {
            JsonObject prometheus = new JsonObject();
            cluster.prometheusPorts()
                    .forEach(
                            (name, port) ->
                                    prometheus.addProperty(
                                            name,
                                            "http://" + cluster.host() + ":" + port + "/metrics"));
            json.add("prometheus", prometheus);
        }
        RunDirectory.write(run.dir, json);
        System.out.printf(
                "Cluster up in %.1f s: %d draft and %d verify TaskManagers (%s), JobManager at %s,"
                        + " Kafka at %s%n",
                (System.nanoTime() - start) / 1e9,
                layout.draft(),
                layout.verify(),
                emulated ? "emulated from " + profile : "djl",
                running.restUrl(),
                running.bootstrapServers());
        if (metrics) {
            System.out.printf(
                    "Prometheus endpoints of %d processes: ./tandem cluster status --json --dir %s"
                            + " lists them%n",
                    cluster.prometheusPorts().size(), run.dir);
        }
        System.out.printf(
                "Run directory %s (logs, %s). Next: ./tandem run --cluster %s%n",
                run.dir, RunningCluster.FILE, run.dir);
        return 0;
    }

    private static String role(String name) {
        if (name.startsWith("draft-")) {
            return "draft-taskmanager";
        }
        if (name.startsWith("verify-")) {
            return "verify-taskmanager";
        }
        return name.equals("kafka") ? "kafka-broker" : name;
    }
}
