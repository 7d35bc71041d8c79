package io.tandem.job.operators;

/**
 * A Kafka record as read, before decoding: the value bytes and where they came from, so that a
 * record that fails to decode can still be dead-lettered with its coordinates.
 *
 * @param value the record value; empty for a null (tombstone) value
 */
public record RawRecord(String topic, int partition, long offset, long timestamp, byte[] value) {

    /** "topic-partition@offset", the form used in logs and dead letters. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}
