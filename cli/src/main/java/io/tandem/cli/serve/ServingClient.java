package io.tandem.cli.serve;

import io.tandem.job.config.JobConfig;
import io.tandem.local.RequestProducer;
import io.tandem.schemas.InferenceRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client of a serving job: sends requests to its requests topic and hands back each one's answer,
 * its result or its dead letter ({@link Answers}, following both topics from before the first
 * send).
 */
public final class ServingClient implements AutoCloseable {

    private final Answers answers;
    private final RequestProducer producer;
    private final Duration timeout;

    /**
     * @param timeout how long the topics may take to be found, and {@link #send} waits
     */
    public ServingClient(
            String bootstrapServers,
            String requestsTopic,
            String resultsTopic,
            String deadLetterTopic,
            Duration timeout) {
        this.answers = new Answers(bootstrapServers, resultsTopic, deadLetterTopic, timeout);
        this.producer = new RequestProducer(bootstrapServers, requestsTopic);
        this.timeout = timeout;
    }

    /** A client of the job {@code config} describes. */
    public ServingClient(JobConfig config, Duration timeout) {
        this(
                config.kafka().bootstrapServers(),
                config.kafka().requestsTopic(),
                config.kafka().resultsTopic(),
                config.kafka().deadLetterTopic(),
                timeout);
    }

    /** Sends {@code request}; returns its answer, once it comes. */
    public CompletableFuture<Answers.Answer> submit(InferenceRequest request) {
        CompletableFuture<Answers.Answer> answer = answers.expect(request.getRequestId());
        producer.send(request);
        return answer;
    }

    /**
     * Sends {@code prompt}, greedy, as request {@code id} and waits for its answer.
     *
     * @throws IllegalStateException if it was refused
     */
    public Answers.Answer send(String prompt, int maxNewTokens, String id) throws Exception {
        Answers.Answer answer =
                submit(
                                InferenceRequest.newBuilder()
                                        .setRequestId(id)
                                        .setPrompt(prompt)
                                        .setMaxNewTokens(maxNewTokens)
                                        .setClientSendTime(Instant.now())
                                        .build())
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
