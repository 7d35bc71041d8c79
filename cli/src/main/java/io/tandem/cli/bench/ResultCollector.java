package io.tandem.cli.bench;

import io.tandem.local.TopicFollower;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.InferenceResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads a results topic from its start on a thread of its own while a benchmark sends, stamping
 * each result with the wall-clock time it was read: the client's view of when it was served.
 * Thread-safe.
 */
final class ResultCollector implements AutoCloseable {

    /** A result and when it was read, epoch ms. */
    record Received(InferenceResult result, long receivedMillis) {}

    private final TopicFollower follower;
    private final List<Received> received = new ArrayList<>();
    private final Consumer<InferenceResult> onResult;

    /**
     * Starts reading {@code topic}, which must exist.
     *
     * @param onResult called on the reading thread for each result, e.g. for progress
     */
    private ResultCollector(
            Properties clientProperties, String topic, Consumer<InferenceResult> onResult) {
        this.onResult = onResult;
        this.follower =
                new TopicFollower(
                        TopicReader.open(
                                clientProperties, List.of(topic), true, Duration.ofSeconds(30)),
                        "bench-results-" + topic,
                        this::read,
                        failure -> {
                            synchronized (received) {
                                received.notifyAll();
                            }
                        });
        follower.start();
    }

    /**
     * Starts reading {@code topic} with a cluster's client settings (bootstrap servers, security),
     * stepping {@code progress} for each result of one of {@code ids}.
     */
    static ResultCollector counting(
            Properties clientProperties, String topic, Set<String> ids, ProgressBar progress) {
        return new ResultCollector(
                clientProperties,
                topic,
                r -> {
                    if (ids.contains(r.getRequestId())) {
                        progress.step();
                    }
                });
    }

    private void read(ConsumerRecord<byte[], byte[]> record) {
        long now = System.currentTimeMillis();
        InferenceResult result = AvroBytes.decode(record.value(), InferenceResult.class);
        synchronized (received) {
            received.add(new Received(result, now));
            received.notifyAll();
        }
        onResult.accept(result);
    }

    /**
     * Waits until a result has been read for every id in {@code ids} or {@code timeout} has passed.
     *
     * @return whether every id has a result
     */
    boolean awaitIds(Set<String> ids, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (true) {
                RuntimeException failure = follower.failure();
                if (failure != null) {
                    throw new IllegalStateException("Reading results failed: " + failure, failure);
                }
                Set<String> seen = new HashSet<>();
                received.forEach(r -> seen.add(r.result().getRequestId()));
                if (seen.containsAll(ids)) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                received.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Everything read so far, in reading order. */
    List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    @Override
    public void close() throws InterruptedException {
        follower.close();
    }
}
