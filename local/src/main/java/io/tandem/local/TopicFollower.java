package io.tandem.local;

import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Follows topics on a thread of its own while a tool does something else, handing each record to a
 * handler on that thread; for tools that read what the job writes as it writes it (the pipeline
 * bench, replays). It owns the consumer and closes it. If polling or the handler fails, reading
 * stops and {@code onFailure} is told.
 */
public final class TopicFollower implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final Consumer<ConsumerRecord<byte[], byte[]>> onRecord;
    private final Consumer<RuntimeException> onFailure;
    private volatile RuntimeException failure;
    private volatile boolean closed;
    private boolean started;
    private boolean finished;

    /**
     * @param consumer positioned where reading should start, e.g. by {@link TopicReader#open}
     * @param name the reading thread's name
     */
    public TopicFollower(
            KafkaConsumer<byte[], byte[]> consumer,
            String name,
            Consumer<ConsumerRecord<byte[], byte[]>> onRecord,
            Consumer<RuntimeException> onFailure) {
        this.consumer = consumer;
        this.onRecord = onRecord;
        this.onFailure = onFailure;
        this.thread = new Thread(this::poll, name);
        thread.setDaemon(true);
    }

    /** Starts reading. */
    public void start() {
        started = true;
        thread.start();
    }

    private void poll() {
        try {
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    onRecord.accept(record);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            onFailure.accept(e);
        } finally {
            consumer.close();
        }
    }

    /** Why reading stopped early, or null. */
    public RuntimeException failure() {
        return failure;
    }

    /** Stops reading; no record reaches the handler after this returns. Idempotent. */
    @Override
    public void close() throws InterruptedException {
        if (finished) {
            return;
        }
        finished = true;
        closed = true;
        if (started) {
            consumer.wakeup();
            thread.join();
        } else {
            consumer.close();
        }
    }
}
