package io.tandem.job;

import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs the serving job against an existing Kafka cluster. Under {@code flink run} it is submitted
 * to that cluster; with {@code --cluster DIR} it is submitted to the session cluster {@code
 * ./tandem cluster up} started there, with the settings that fit it; started directly it runs on a
 * local Flink with two TaskManagers.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description =
                "Run the serving job against an existing Kafka cluster (also the `flink run` entry"
                        + " point).")
public final class RunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Mixin JobOptions job;

    @Option(
            names = "--bounded",
            description = "Serve the requests already in the topic, then stop.")
    boolean bounded;

    @Option(
            names = "--cluster",
            paramLabel = "DIR",
            description =
                    "Submit to the cluster `./tandem cluster up` started in DIR, on its Kafka"
                            + " broker and with the settings that fit its TaskManagers, and return"
                            + " once the job is submitted.")
    Path cluster;

    @Override
    public Integer call() throws Exception {
        if (cluster != null) {
            return submit(RunningCluster.read(cluster));
        }
        JobConfig config = job.resolve(Map.of());
        LOG.info("Starting {} with {}", TandemJob.JOB_NAME, config);
        StreamExecutionEnvironment env = TandemJob.environment(config, 2);
        TandemJob.wireKafka(env, config, bounded);
        env.execute(TandemJob.JOB_NAME);
        return 0;
    }

    /**
     * Submits the job to a running cluster, whose TaskManagers run on the class path that holds the
     * job: no jar is shipped.
     */
    private int submit(RunningCluster target) throws Exception {
        Map<String, String> base = new LinkedHashMap<>(target.jobSettings());
        base.put(TandemOptions.BOOTSTRAP_SERVERS.key(), target.bootstrapServers());
        JobConfig config = job.resolve(base);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createRemoteEnvironment(
                        target.restHost(), target.restPort(), new Configuration());
        TandemJob.configure(env, config);
        TandemJob.wireKafka(env, config, bounded);
        JobClient client = env.executeAsync(TandemJob.JOB_NAME);
        LOG.info(
                "Submitted {} as job {} to {}",
                TandemJob.JOB_NAME,
                client.getJobID(),
                target.restUrl());
        System.out.println(
                "Submitted job "
                        + client.getJobID()
                        + " to "
                        + target.restUrl()
                        + " (Kafka at "
                        + config.kafka().bootstrapServers()
                        + ", requests on "
                        + config.kafka().requestsTopic()
                        + ", results on "
                        + config.kafka().resultsTopic()
                        + ")");
        return 0;
    }
}
