package io.tandem.cli.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.tandem.local.StandaloneCluster;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;

/**
 * Watches a job on a cluster through Flink's REST API while a benchmark runs, on a thread of its
 * own: the most heap each TaskManager used and every checkpoint that completed (the API keeps only
 * the last few, so it is asked every {@code interval}). Calls that fail while a process is down are
 * skipped; the next one catches up.
 */
final class ClusterProbe implements AutoCloseable {

    private static final String HEAP = "Status.JVM.Memory.Heap.Used";

    private final String restUrl;
    private final JobID job;
    private final long intervalMillis;
    private final Map<String, Long> peakHeapBytes = new ConcurrentHashMap<>();
    private final Map<Long, Long> checkpointMillis = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    private ClusterProbe(String restUrl, JobID job, long intervalMillis) {
        this.restUrl = restUrl;
        this.job = job;
        this.intervalMillis = intervalMillis;
        this.thread = new Thread(this::run, "cluster-probe-" + job);
        thread.setDaemon(true);
    }

    /** Starts watching {@code job} on the cluster whose REST API is at {@code restUrl}. */
    static ClusterProbe watch(String restUrl, JobID job, long intervalMillis) {
        ClusterProbe probe = new ClusterProbe(restUrl, job, intervalMillis);
        probe.thread.start();
        return probe;
    }

    private void run() {
        while (!closed) {
            sample();
            try {
                TimeUnit.MILLISECONDS.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample() {
        try {
            for (JsonElement tm :
                    StandaloneCluster.getJson(restUrl, "/taskmanagers")
                            .getAsJsonArray("taskmanagers")) {
                String id = tm.getAsJsonObject().get("id").getAsString();
                JsonArray metrics =
                        StandaloneCluster.get(
                                        restUrl, "/taskmanagers/" + id + "/metrics?get=" + HEAP)
                                .getAsJsonArray();
                for (JsonElement metric : metrics) {
                    long used = Long.parseLong(metric.getAsJsonObject().get("value").getAsString());
                    peakHeapBytes.merge(id, used, Math::max);
                }
            }
            JsonObject checkpoints =
                    StandaloneCluster.getJson(restUrl, "/jobs/" + job + "/checkpoints");
            for (JsonElement entry : checkpoints.getAsJsonArray("history")) {
                JsonObject checkpoint = entry.getAsJsonObject();
                if ("COMPLETED".equals(checkpoint.get("status").getAsString())) {
                    checkpointMillis.put(
                            checkpoint.get("id").getAsLong(),
                            checkpoint.get("end_to_end_duration").getAsLong());
                }
            }
        } catch (RuntimeException e) {
            // a process is down or the job is restarting: the next sample catches up
        }
    }

    /** The most heap each TaskManager used, MB, by resource id. */
    Map<String, Double> peakHeapMb() {
        Map<String, Double> mb = new TreeMap<>();
        peakHeapBytes.forEach((id, bytes) -> mb.put(id, bytes / (1024.0 * 1024.0)));
        return mb;
    }

    /** End-to-end durations of the completed checkpoints seen, ms. */
    double[] checkpointDurations() {
        return checkpointMillis.values().stream().mapToDouble(Long::doubleValue).toArray();
    }

    /** How often the job has restarted, by its {@code numRestarts} metric. */
    long restarts() {
        JsonArray metrics =
                StandaloneCluster.get(restUrl, "/jobs/" + job + "/metrics?get=numRestarts")
                        .getAsJsonArray();
        for (JsonElement metric : metrics) {
            return Long.parseLong(metric.getAsJsonObject().get("value").getAsString());
        }
        return 0;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        sample();
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }
}
