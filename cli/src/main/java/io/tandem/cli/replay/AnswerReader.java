package io.tandem.cli.replay;

import io.tandem.local.TopicFollower;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceResult;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the job's results and dead letters on a thread of its own while a replay sends, and hands
 * each to the ledger with the wall-clock time it was read: the client's view of when it was
 * answered. Positioned at the topics' ends when created, so earlier traffic on a shared topic is
 * not read. A record that does not decode (another writer, another schema) is counted and skipped;
 * if reading itself fails, {@code onFailure} is told and reading stops.
 */
final class AnswerReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AnswerReader.class);

    private final TopicFollower follower;
    private final String resultsTopic;
    private volatile ReplayLedger ledger;
    private volatile int unreadable;

    /** Opens the topics at their ends; both must exist (the job creates them). */
    AnswerReader(
            Properties clientProperties,
            String resultsTopic,
            String deadLetterTopic,
            Runnable onFailure) {
        this.resultsTopic = resultsTopic;
        this.follower =
                new TopicFollower(
                        TopicReader.open(
                                clientProperties,
                                List.of(resultsTopic, deadLetterTopic),
                                false,
                                Duration.ofSeconds(30)),
                        "replay-answers",
                        record -> read(record, System.currentTimeMillis()),
                        failure -> {
                            LOG.error(
                                    "Reading the job's answers failed; stopping the replay",
                                    failure);
                            onFailure.run();
                        });
    }

    /** Starts handing answers to {@code ledger}. */
    void start(ReplayLedger ledger) {
        this.ledger = ledger;
        follower.start();
    }

    private void read(ConsumerRecord<byte[], byte[]> record, long now) {
        try {
            if (record.topic().equals(resultsTopic)) {
                ledger.result(AvroBytes.decode(record.value(), InferenceResult.class), now);
            } else {
                ledger.deadLetter(AvroBytes.decode(record.value(), DeadLetter.class), now);
            }
        } catch (RuntimeException e) {
            if (unreadable++ == 0) {
                LOG.warn(
                        "Skipping a record of {} at offset {} that does not decode: {}",
                        record.topic(),
                        record.offset(),
                        e.toString());
            }
        }
    }

    /** Why reading stopped early, or null. */
    RuntimeException failure() {
        return follower.failure();
    }

    /** Records skipped because they did not decode. */
    int unreadable() {
        return unreadable;
    }

    /** Stops reading; nothing reaches the ledger after this returns. Idempotent. */
    @Override
    public void close() throws InterruptedException {
        follower.close();
    }
}
