package io.tandem.job;

import io.tandem.job.config.JobConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs the serving job against an existing Kafka cluster. Under {@code flink run} it is submitted
 * to that cluster; started directly it runs on a local Flink with two TaskManagers.
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

    @Override
    public Integer call() throws Exception {
        JobConfig config = job.resolve(Map.of());
        LOG.info("Starting {} with {}", TandemJob.JOB_NAME, config);
        StreamExecutionEnvironment env = TandemJob.environment(config, 2);
        TandemJob.wireKafka(env, config, bounded);
        env.execute(TandemJob.JOB_NAME);
        return 0;
    }
}
