package io.tandem.job.replay;

import io.tandem.job.kafka.AvroBytes;
import io.tandem.job.kafka.TopicReader;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceResult;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Reads the job's results and dead letters on a thread of its own while a replay sends, and hands
 * each to the ledger with the wall-clock time it was read: the client's view of when it was
 * answered. Starts at the topics' ends, so earlier traffic on a shared topic is not read.
 */
final class AnswerReader implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String resultsTopic;
    private final ReplayLedger ledger;
    private final Thread thread;
    private volatile RuntimeException failure;
    private volatile boolean closed;

    /** Starts reading; both topics must exist (the job creates them). */
    AnswerReader(
            String bootstrapServers,
            String resultsTopic,
            String deadLetterTopic,
            ReplayLedger ledger) {
        this.consumer =
                TopicReader.open(
                        bootstrapServers,
                        List.of(resultsTopic, deadLetterTopic),
                        false,
                        Duration.ofSeconds(30));
        this.resultsTopic = resultsTopic;
        this.ledger = ledger;
        this.thread = new Thread(this::poll, "replay-answers");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        try {
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(100))) {
                    long now = System.currentTimeMillis();
                    if (record.topic().equals(resultsTopic)) {
                        ledger.result(AvroBytes.decode(record.value(), InferenceResult.class), now);
                    } else {
                        ledger.deadLetter(AvroBytes.decode(record.value(), DeadLetter.class), now);
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close();
        }
    }

    /** Why reading stopped early, or null while it runs. */
    RuntimeException failure() {
        return failure;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        thread.join(10_000);
    }
}
