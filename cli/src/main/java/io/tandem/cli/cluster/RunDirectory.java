package io.tandem.cli.cluster;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.job.RunningCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The run directory of a cluster: its {@value RunningCluster#FILE} (addresses, job settings and the
 * processes {@code up} started) beside the processes' configurations and logs.
 */
final class RunDirectory {

    static final String PROCESSES = "processes";

    /** One process {@code up} started. */
    record Process(String name, String role, long pid, Path log) {

        JsonObject toJson() {
            JsonObject json = new JsonObject();
            json.addProperty("name", name);
            json.addProperty("role", role);
            json.addProperty("pid", pid);
            json.addProperty("log", log.toString());
            return json;
        }

        Optional<ProcessHandle> handle() {
            // a pid the system gave to another process since is not ours: ours name their log
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(
                            h ->
                                    h.info()
                                            .commandLine()
                                            .map(c -> c.contains("-Dlog.file=" + log))
                                            .orElse(true));
        }
    }

    private RunDirectory() {}

    static Path file(Path dir) {
        return dir.resolve(RunningCluster.FILE);
    }

    static void write(Path dir, JsonObject json) throws IOException {
        Path partial = dir.resolve(RunningCluster.FILE + ".tmp");
        Files.writeString(partial, new GsonBuilder().setPrettyPrinting().create().toJson(json));
        Files.move(partial, file(dir), StandardCopyOption.REPLACE_EXISTING);
    }

    static JsonObject read(Path dir) throws IOException {
        // the same message as `run --cluster` when there is none
        return JsonParser.parseString(Files.readString(RunningCluster.file(dir))).getAsJsonObject();
    }

    static List<Process> processes(JsonObject json) {
        List<Process> processes = new ArrayList<>();
        JsonArray array = json.getAsJsonArray(PROCESSES);
        for (JsonElement element : array) {
            JsonObject p = element.getAsJsonObject();
            processes.add(
                    new Process(
                            p.get("name").getAsString(),
                            p.get("role").getAsString(),
                            p.get("pid").getAsLong(),
                            Path.of(p.get("log").getAsString())));
        }
        return processes;
    }
}
