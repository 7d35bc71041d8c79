package io.tandem.cli.serve;

import io.tandem.job.config.JobConfig;
import io.tandem.local.RequestProducer;
import io.tandem.schemas.InferenceRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Sends greedy requests to a serving job one at a time and waits for each answer: for tools that
 * measure what one request costs.
 */
public final class OneRequest implements AutoCloseable {

    private final Answers answers;
    private final RequestProducer producer;
    private final Duration timeout;

    public OneRequest(JobConfig config, Duration timeout) {
        this.answers =
                new Answers(
                        config.kafka().bootstrapServers(),
                        config.kafka().resultsTopic(),
                        config.kafka().deadLetterTopic(),
                        timeout);
        this.producer =
                new RequestProducer(
                        config.kafka().bootstrapServers(), config.kafka().requestsTopic());
        this.timeout = timeout;
    }

    /**
     * Sends {@code prompt} as request {@code id} and returns its answer.
     *
     * @throws IllegalStateException if it was refused
     */
    public Answers.Answer send(String prompt, int maxNewTokens, String id) throws Exception {
        var pending = answers.expect(id);
        producer.send(
                InferenceRequest.newBuilder()
                        .setRequestId(id)
                        .setPrompt(prompt)
                        .setMaxNewTokens(maxNewTokens)
                        .setClientSendTime(Instant.now())
                        .build());
        Answers.Answer answer = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (answer.rejected()) {
            throw new IllegalStateException(
                    "request " + id + " was refused: " + answer.deadLetter().getReason());
        }
        return answer;
    }

    @Override
    public void close() throws InterruptedException {
        producer.close();
        answers.close();
    }
}
