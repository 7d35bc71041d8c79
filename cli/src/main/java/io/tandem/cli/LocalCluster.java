package io.tandem.cli;

import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Option;

/**
 * The local Flink the tools run the serving job on: its {@code --task-managers} option, and how a
 * run of the job starts and stops there.
 */
public final class LocalCluster {

    @Option(
            names = "--task-managers",
            paramLabel = "N",
            defaultValue = "2",
            description = "Local TaskManagers (default: ${DEFAULT-VALUE}).")
    int taskManagers;

    public int taskManagers() {
        return taskManagers;
    }

    /** Starts the job on its Kafka topics, unbounded, on a fresh local cluster. */
    public JobClient start(JobConfig config, String jobName) throws Exception {
        return start(config, jobName, new Configuration());
    }

    /**
     * As {@link #start(JobConfig, String)}, with {@code cluster} settings for the local cluster (a
     * REST port to read checkpoint statistics from, for example).
     */
    public JobClient start(JobConfig config, String jobName, Configuration cluster)
            throws Exception {
        return start(config, taskManagers, jobName, cluster);
    }

    /** As {@link #start(JobConfig, String)}, for a command that counts its TaskManagers itself. */
    public static JobClient start(
            JobConfig config, int taskManagers, String jobName, Configuration cluster)
            throws Exception {
        StreamExecutionEnvironment env = TandemJob.environment(config, taskManagers, cluster);
        TandemJob.wireKafka(env, config, false);
        return env.executeAsync(jobName);
    }

    /**
     * Settings that give one run of the job its own topics and consumer group on {@code bootstrap},
     * named after {@code tag}, so runs on one broker never read each other's records.
     */
    public static Map<String, String> ownTopics(String bootstrap, String tag) {
        Map<String, String> owned = new LinkedHashMap<>();
        owned.put(TandemOptions.BOOTSTRAP_SERVERS.key(), bootstrap);
        owned.put(TandemOptions.REQUESTS_TOPIC.key(), tag + "-requests");
        owned.put(TandemOptions.RESULTS_TOPIC.key(), tag + "-results");
        owned.put(TandemOptions.DEAD_LETTER_TOPIC.key(), tag + "-dead-letters");
        owned.put(TandemOptions.GROUP_ID.key(), tag);
        return owned;
    }

    /** Cancels a job and waits for it to end, up to 30 s for each. */
    public static void stop(JobClient client) {
        try {
            client.cancel().get(30, TimeUnit.SECONDS);
            client.getJobExecutionResult().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a cancelled job ends exceptionally; all that matters is that it ended
        }
    }
}
