package io.tandem.job.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.formats.avro.AvroSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a specific Avro record as plain Avro binary, keyed by one of its fields, with the Kafka
 * timestamp taken from the record itself (completion or rejection time) rather than from the stream
 * element, whose timestamp may be a timer's.
 */
final class AvroRecordSerializer<T extends SpecificRecord>
        implements KafkaRecordSerializationSchema<T> {

    private final String topic;
    private final AvroSerializationSchema<T> values;
    private final SerializableFunction<T, String> key;
    private final SerializableFunction<T, Long> timestampMillis;

    AvroRecordSerializer(
            String topic,
            Class<T> type,
            SerializableFunction<T, String> key,
            SerializableFunction<T, Long> timestampMillis) {
        this.topic = topic;
        this.values = AvroSerializationSchema.forSpecific(type);
        this.key = key;
        this.timestampMillis = timestampMillis;
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext)
            throws Exception {
        values.open(context);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            T element, KafkaSinkContext context, Long timestamp) {
        String k = key.apply(element);
        return new ProducerRecord<>(
                topic,
                null,
                timestampMillis.apply(element),
                k == null ? null : k.getBytes(StandardCharsets.UTF_8),
                values.serialize(element));
    }
}
