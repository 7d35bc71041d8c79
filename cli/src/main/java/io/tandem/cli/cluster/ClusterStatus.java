package io.tandem.cli.cluster;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.tandem.local.StandaloneCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./tandem cluster status}. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description =
                "Show the cluster's processes (running or not), addresses, TaskManagers and jobs.")
final class ClusterStatus implements Callable<Integer> {

    @Mixin RunDirectoryOption run;

    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        JsonObject status = status(run.dir);
        if (json) {
            System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(status));
        } else {
            print(status);
        }
        return status.get("healthy").getAsBoolean() ? 0 : 1;
    }

    /** The recorded cluster, each process marked running or not, and what its REST API says. */
    static JsonObject status(Path dir) throws IOException {
        JsonObject status = RunDirectory.read(dir);
        boolean allRunning = true;
        JsonArray processes = new JsonArray();
        for (RunDirectory.Process process : RunDirectory.processes(status)) {
            JsonObject p = process.toJson();
            boolean running = process.handle().isPresent();
            p.addProperty("running", running);
            allRunning &= running;
            processes.add(p);
        }
        status.add(RunDirectory.PROCESSES, processes);
        String rest = status.get("rest_url").getAsString();
        try {
            status.add("overview", StandaloneCluster.getJson(rest, "/overview"));
            JsonArray jobs = new JsonArray();
            for (JsonElement job :
                    StandaloneCluster.getJson(rest, "/jobs/overview").getAsJsonArray("jobs")) {
                JsonObject j = job.getAsJsonObject();
                JsonObject summary = new JsonObject();
                summary.add("id", j.get("jid"));
                summary.add("name", j.get("name"));
                summary.add("state", j.get("state"));
                jobs.add(summary);
            }
            status.add("jobs", jobs);
        } catch (UncheckedIOException | IllegalStateException e) {
            status.addProperty("rest_error", e.toString());
            allRunning = false;
        }
        status.addProperty("healthy", allRunning);
        return status;
    }

    private static void print(JsonObject status) {
        System.out.printf(
                "Cluster in %s (%s), started %s%n",
                status.get("directory").getAsString(),
                status.get("engine").getAsString()
                        + (status.has("profile")
                                ? " from " + status.get("profile").getAsString()
                                : ""),
                status.get("started").getAsString());
        System.out.printf("  REST   %s%n", status.get("rest_url").getAsString());
        System.out.printf("  Kafka  %s%n", status.get("bootstrap_servers").getAsString());
        if (status.has("overview")) {
            JsonObject overview = status.getAsJsonObject("overview");
            System.out.printf(
                    "  TaskManagers registered %d, jobs running %d%n",
                    overview.get("taskmanagers").getAsInt(),
                    overview.get("jobs-running").getAsInt());
        } else {
            System.out.printf("  REST unreachable: %s%n", status.get("rest_error").getAsString());
        }
        for (JsonElement job :
                status.has("jobs") ? status.getAsJsonArray("jobs") : new JsonArray()) {
            JsonObject j = job.getAsJsonObject();
            System.out.printf(
                    "  job %s %s %s%n",
                    j.get("id").getAsString(),
                    j.get("state").getAsString(),
                    j.get("name").getAsString());
        }
        System.out.printf("  %-12s %-20s %8s %-8s %s%n", "process", "role", "pid", "state", "log");
        for (JsonElement element : status.getAsJsonArray(RunDirectory.PROCESSES)) {
            JsonObject p = element.getAsJsonObject();
            System.out.printf(
                    "  %-12s %-20s %8d %-8s %s%n",
                    p.get("name").getAsString(),
                    p.get("role").getAsString(),
                    p.get("pid").getAsLong(),
                    p.get("running").getAsBoolean() ? "running" : "gone",
                    p.get("log").getAsString());
        }
    }
}
