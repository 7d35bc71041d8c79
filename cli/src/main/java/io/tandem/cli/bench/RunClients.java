package io.tandem.cli.bench;

import io.tandem.job.config.JobConfig;
import io.tandem.local.RequestProducer;
import io.tandem.schemas.InferenceRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import me.tongfei.progressbar.ProgressBar;

/**
 * A benchmark's two ends of one run of the job: it sends on the run's requests topic and collects
 * what comes back on its results topic.
 */
record RunClients(RequestProducer producer, ResultCollector collector) implements AutoCloseable {

    private static final int WARM_UP_REQUESTS = 4;

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

    /**
     * Sends a few of {@code workload}'s requests under ids of their own (added to {@code ids}) and
     * waits for their results: the models are loaded before anything is timed.
     */
    void warmUp(Set<String> ids, PipelineWorkload workload, String tag, Duration timeout)
            throws InterruptedException {
        Set<String> warm = new HashSet<>();
        for (int i = 0; i < WARM_UP_REQUESTS; i++) {
            InferenceRequest request =
                    InferenceRequest.newBuilder(workload.request(i, Instant.now()))
                            .setRequestId(tag + "-warm-" + i)
                            .build();
            warm.add(request.getRequestId());
            producer.send(request);
        }
        ids.addAll(warm);
        if (!collector.awaitIds(warm, timeout)) {
            throw new IllegalStateException("The warm-up requests were not answered in time");
        }
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
