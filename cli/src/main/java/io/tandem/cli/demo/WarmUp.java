package io.tandem.cli.demo;

import io.tandem.job.config.JobConfig;
import io.tandem.local.RequestProducer;
import io.tandem.local.TopicReader;
import io.tandem.schemas.InferenceRequest;
import java.time.Duration;
import java.util.List;

/**
 * Waits out a freshly started job: sends it a short request per batching lane and waits for their
 * results, so that what is measured next is serving, not start-up and model loading.
 */
public final class WarmUp {

    private WarmUp() {}

    /**
     * Sends {@link DemoRequests#warmUps} to the job's requests topic and reads its results topic
     * from the start until each has an answer.
     *
     * @throws IllegalStateException if not all were served within {@code timeout}
     */
    public static void serve(JobConfig config, String tag, int maxNewTokens, Duration timeout) {
        List<InferenceRequest> warmUps =
                DemoRequests.warmUps(config.batching().lanes(), tag, maxNewTokens);
        try (RequestProducer producer =
                new RequestProducer(
                        config.kafka().clientProperties("warm-up"),
                        config.kafka().requestsTopic())) {
            warmUps.forEach(producer::send);
        }
        int served =
                TopicReader.read(
                                config.kafka().clientProperties("warm-up-results"),
                                config.kafka().resultsTopic(),
                                warmUps.size(),
                                timeout,
                                bytes -> bytes)
                        .size();
        if (served < warmUps.size()) {
            throw new IllegalStateException(
                    "The job served "
                            + served
                            + " of "
                            + warmUps.size()
                            + " warm-up requests within "
                            + timeout.toSeconds()
                            + " s; see the log above.");
        }
    }
}
