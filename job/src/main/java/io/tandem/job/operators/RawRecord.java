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

    /**
     * A record's topic, partition and offset, read back from its {@link #coordinates()}; topic ""
     * and -1s when they are missing or not in that form (a request from an older state).
     */
    public record Position(String topic, int partition, long offset) {

        public static Position of(String coordinates) {
            int at = coordinates == null ? -1 : coordinates.lastIndexOf('@');
            int dash = at < 0 ? -1 : coordinates.lastIndexOf('-', at);
            if (dash < 0) {
                return new Position("", -1, -1);
            }
            try {
                return new Position(
                        coordinates.substring(0, dash),
                        Integer.parseInt(coordinates.substring(dash + 1, at)),
                        Long.parseLong(coordinates.substring(at + 1)));
            } catch (NumberFormatException e) {
                return new Position("", -1, -1);
            }
        }
    }
}
