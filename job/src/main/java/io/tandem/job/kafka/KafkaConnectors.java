package io.tandem.job.kafka;

import io.tandem.job.config.JobConfig;
import io.tandem.job.operators.RawRecord;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceResult;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** Builds the job's real Kafka source and sinks from its configuration. */
public final class KafkaConnectors {

    private KafkaConnectors() {}

    /**
     * The requests source. It resumes from the group's committed offsets (earliest when there are
     * none); a bounded source stops at the offsets that were latest when the job started.
     */
    // The connector's only way to name the reset strategy is Kafka's deprecated enum.
    @SuppressWarnings("deprecation")
    public static KafkaSource<RawRecord> requestsSource(JobConfig.Kafka kafka, boolean bounded) {
        var builder =
                KafkaSource.<RawRecord>builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setTopics(kafka.requestsTopic())
                        .setGroupId(kafka.groupId())
                        .setProperties(kafka.clientProperties("source"))
                        .setStartingOffsets(
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                        .setDeserializer(new RawRecordDeserializer());
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    public static KafkaSink<InferenceResult> resultsSink(JobConfig.Kafka kafka) {
        return KafkaSink.<InferenceResult>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setKafkaProducerConfig(producerProperties(kafka, "results"))
                .setDeliveryGuarantee(kafka.deliveryGuarantee())
                .setTransactionalIdPrefix(kafka.groupId() + "-results")
                .setRecordSerializer(
                        new AvroRecordSerializer<>(
                                kafka.resultsTopic(),
                                InferenceResult.class,
                                InferenceResult::getRequestId,
                                r -> r.getCompletedTime().toEpochMilli()))
                .build();
    }

    public static KafkaSink<DeadLetter> deadLetterSink(JobConfig.Kafka kafka) {
        return KafkaSink.<DeadLetter>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setKafkaProducerConfig(producerProperties(kafka, "dead-letters"))
                .setDeliveryGuarantee(kafka.deliveryGuarantee())
                .setTransactionalIdPrefix(kafka.groupId() + "-dead-letters")
                .setRecordSerializer(
                        new AvroRecordSerializer<>(
                                kafka.deadLetterTopic(),
                                DeadLetter.class,
                                DeadLetter::getRequestId,
                                d -> d.getTime().toEpochMilli()))
                .build();
    }

    private static Properties producerProperties(JobConfig.Kafka kafka, String name) {
        Properties props = kafka.clientProperties(name);
        // Kafka 4 lingers 5 ms by default; a result should leave as soon as it exists.
        props.putIfAbsent("linger.ms", "0");
        // The sink asks for transactions of an hour, which brokers refuse unless raised from
        // their default maximum (transaction.max.timeout.ms, 15 minutes). A transaction spans a
        // checkpoint interval, and must outlive a restart for the restored job to commit it.
        props.putIfAbsent(
                "transaction.timeout.ms", String.valueOf(Duration.ofMinutes(15).toMillis()));
        return props;
    }
}
