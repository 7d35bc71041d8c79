package io.tandem.local;

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
import org.apache.kafka.common.errors.TimeoutException;
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
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return read(props, topic, expected, timeout, decoder);
    }

    /** As {@link #read(String, String, int, Duration, Function)}, with the cluster's settings. */
    public static <T> List<T> read(
            Properties clientProperties,
            String topic,
            int expected,
            Duration timeout,
            Function<byte[], T> decoder) {
        List<T> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                open(clientProperties, List.of(topic), true, timeout)) {
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
        return open(props, topics, fromStart, timeout);
    }

    /**
     * As {@link #open(String, List, boolean, Duration)}, with the cluster's client settings
     * (bootstrap servers, security), e.g. the job's {@code kafka.clientProperties}. Reads committed
     * records only, unless the settings say {@code isolation.level=read_uncommitted}: a job that
     * writes exactly once aborts the transactions of a failed attempt.
     */
    public static KafkaConsumer<byte[], byte[]> open(
            Properties clientProperties, List<String> topics, boolean fromStart, Duration timeout) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromStart ? "earliest" : "latest");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos;
                try {
                    infos = consumer.partitionsFor(topic, timeout);
                } catch (TimeoutException e) {
                    throw new IllegalStateException(
                            "No answer from Kafka at "
                                    + props.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)
                                    + " within "
                                    + timeout.toSeconds()
                                    + " s about topic "
                                    + topic
                                    + ": is the broker up?",
                            e);
                }
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException(
                            "Topic "
                                    + topic
                                    + " does not exist on "
                                    + props.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
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
