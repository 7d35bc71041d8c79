package io.tandem.cli.bench;

import io.tandem.job.config.JobConfig;
import io.tandem.local.RequestProducer;
import java.util.Set;
import me.tongfei.progressbar.ProgressBar;

/**
 * A benchmark's two ends of one run of the job: it sends on the run's requests topic and collects
 * what comes back on its results topic.
 */
record RunClients(RequestProducer producer, ResultCollector collector) implements AutoCloseable {

    /**
     * Opens both on {@code config}'s topics with the job's client settings ({@code
     * tandem.kafka.client.*}: security, for one); results of {@code ids} step {@code progress}.
     */
    static RunClients open(JobConfig config, Set<String> ids, ProgressBar progress) {
        ResultCollector collector =
                ResultCollector.counting(
                        config.kafka().clientProperties("bench-results"),
                        config.kafka().resultsTopic(),
                        ids,
                        progress);
        return new RunClients(
                new RequestProducer(
                        config.kafka().clientProperties("bench-requests"),
                        config.kafka().requestsTopic()),
                collector);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            producer.close();
        } finally {
            collector.close();
        }
    }
}
