package io.tandem.cli.serve;

import io.tandem.local.TopicFollower;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The answers to requests a client sends: follows the results and dead-letter topics from their
 * end, read before the requests go out, and completes each expected request's future with its
 * result or its dead letter. Records for other requests are skipped.
 */
public final class Answers implements AutoCloseable {

    /** What came back for one request: exactly one of the two is set. */
    public record Answer(InferenceResult result, DeadLetter deadLetter) {

        public boolean rejected() {
            return deadLetter != null;
        }
    }

    private final String resultsTopic;
    private final Map<String, CompletableFuture<Answer>> expected = new ConcurrentHashMap<>();
    private final TopicFollower follower;

    /**
     * Starts following; records written from now on are seen.
     *
     * @param timeout how long the topics may take to be found
     */
    Answers(
            String bootstrapServers,
            String resultsTopic,
            String deadLetterTopic,
            Duration timeout) {
        this.resultsTopic = resultsTopic;
        this.follower =
                new TopicFollower(
                        TopicReader.open(
                                bootstrapServers,
                                List.of(resultsTopic, deadLetterTopic),
                                false,
                                timeout),
                        "tandem-answers",
                        this::accept,
                        failure ->
                                expected.values().forEach(f -> f.completeExceptionally(failure)));
        follower.start();
    }

    /** The answer to {@code requestId}, once it comes; call before sending the request. */
    CompletableFuture<Answer> expect(String requestId) {
        return expected.computeIfAbsent(requestId, id -> new CompletableFuture<>());
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        if (record.topic().equals(resultsTopic)) {
            InferenceResult result = AvroBytes.decode(record.value(), InferenceResult.class);
            complete(result.getRequestId(), new Answer(result, null));
        } else {
            DeadLetter letter = AvroBytes.decode(record.value(), DeadLetter.class);
            if (letter.getRequestId() != null) {
                complete(letter.getRequestId(), new Answer(null, letter));
            }
        }
    }

    private void complete(String requestId, Answer answer) {
        CompletableFuture<Answer> future = expected.get(requestId);
        if (future != null) {
            future.complete(answer);
        }
    }

    @Override
    public void close() throws InterruptedException {
        follower.close();
    }
}
