package io.tandem.job;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A Flink session cluster that {@code ./tandem cluster up} started, as {@code run --cluster DIR}
 * needs it: where to submit, the Kafka broker beside it, and the job settings that fit its
 * TaskManagers (slot resources that steer drafting to the draft TaskManagers and verification to
 * the verify ones, the parallelism, the model engine). Read from {@code DIR/}{@value #FILE}, whose
 * other keys (processes, logs) are the cluster tooling's own.
 *
 * @param restHost the JobManager's REST host
 * @param restPort the JobManager's REST port
 * @param bootstrapServers the cluster's Kafka broker
 * @param jobSettings {@code tandem.*} settings a job on this cluster starts from
 */
public record RunningCluster(
        String restHost, int restPort, String bootstrapServers, Map<String, String> jobSettings) {

    /** The file in the run directory. */
    public static final String FILE = "cluster.json";

    public static final String REST_HOST = "rest_host";
    public static final String REST_PORT = "rest_port";
    public static final String BOOTSTRAP_SERVERS = "bootstrap_servers";
    public static final String JOB_SETTINGS = "job_settings";

    public RunningCluster {
        Objects.requireNonNull(restHost, "restHost");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        jobSettings = Map.copyOf(jobSettings);
    }

    /** The REST endpoint, e.g. {@code http://127.0.0.1:8081}. */
    public String restUrl() {
        return "http://" + restHost + ":" + restPort;
    }

    /** The keys of this record, to embed in the run directory's file. */
    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        json.addProperty(REST_HOST, restHost);
        json.addProperty(REST_PORT, restPort);
        json.addProperty(BOOTSTRAP_SERVERS, bootstrapServers);
        json.add(JOB_SETTINGS, new Gson().toJsonTree(new LinkedHashMap<>(jobSettings)));
        return json;
    }

    /**
     * Reads the cluster of run directory {@code dir}.
     *
     * @throws IllegalArgumentException if there is no cluster there, naming the command that starts
     *     one
     */
    public static RunningCluster read(Path dir) throws IOException {
        Path file = file(dir);
        try {
            JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            Map<String, String> settings = new LinkedHashMap<>();
            json.getAsJsonObject(JOB_SETTINGS)
                    .entrySet()
                    .forEach(e -> settings.put(e.getKey(), e.getValue().getAsString()));
            return new RunningCluster(
                    json.get(REST_HOST).getAsString(),
                    json.get(REST_PORT).getAsInt(),
                    json.get(BOOTSTRAP_SERVERS).getAsString(),
                    settings);
        } catch (JsonParseException | IllegalStateException | NullPointerException e) {
            throw new IllegalArgumentException(file + " is not a cluster file: " + e, e);
        }
    }

    /**
     * The cluster file of run directory {@code dir}.
     *
     * @throws IllegalArgumentException if there is none, naming the command that starts a cluster
     */
    public static Path file(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "No cluster in "
                            + dir
                            + " (no "
                            + FILE
                            + "); `./tandem cluster up --dir "
                            + dir
                            + "` starts one.");
        }
        return file;
    }
}
