package io.tandem.job.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic from the beginning without a consumer group, for the demo, tests and tools that
 * need everything a job wrote.
 */
public final class TopicReader {

    private TopicReader() {}

    /**
     * Reads {@code topic} from its start until {@code expected} records have been read or {@code
     * timeout} has passed, decoding each value with {@code decoder}; returns what was read.
     */
    public static <T> List<T> read(
            String bootstrapServers,
            String topic,
            int expected,
            Duration timeout,
            Function<byte[], T> decoder) {
        List<T> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                open(bootstrapServers, List.of(topic), true, timeout)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(200))) {
                    values.add(decoder.apply(record.value()));
                }
            }
        }
        return values;
    }

    /**
     * A consumer without a group, assigned every partition of {@code topics} and positioned at
     * their start, or at their end (positions fixed before this returns, so nothing written after
     * it is missed). Topics must exist within {@code timeout}.
     */
    public static KafkaConsumer<byte[], byte[]> open(
            String bootstrapServers, List<String> topics, boolean fromStart, Duration timeout) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromStart ? "earliest" : "latest");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException(
                            "Topic " + topic + " does not exist on " + bootstrapServers);
                }
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            if (fromStart) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            partitions.forEach(consumer::position); // seeks are lazy; resolve them now
            return consumer;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }
}
