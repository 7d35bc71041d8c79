package io.tandem.job.kafka;

import io.tandem.schemas.InferenceRequest;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Sends requests (and, for tests and the demo, arbitrary bytes) to a requests topic. */
public final class RequestProducer implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public RequestProducer(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // a retried send is written once: a replay must never produce a request twice
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        this.producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    /** Sends one request, keyed by its id, and waits for the broker's acknowledgement. */
    public void send(InferenceRequest request) {
        sendRaw(request.getRequestId(), AvroBytes.encode(request));
    }

    /**
     * Sends one request, keyed by its id, without waiting; a send that fails for good is reported
     * to {@code onFailure} with the request's id, on the producer's thread.
     */
    public void sendAsync(InferenceRequest request, BiConsumer<String, Exception> onFailure) {
        String id = request.getRequestId();
        producer.send(
                new ProducerRecord<>(
                        topic, id.getBytes(StandardCharsets.UTF_8), AvroBytes.encode(request)),
                (metadata, e) -> {
                    if (e != null) {
                        onFailure.accept(id, e);
                    }
                });
    }

    /** Waits until every request sent so far has been acknowledged or has failed. */
    public void flush() {
        producer.flush();
    }

    /** Sends a value as is, whatever it holds. */
    public void sendRaw(String key, byte[] value) {
        try {
            producer.send(
                            new ProducerRecord<>(
                                    topic,
                                    key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                                    value))
                    .get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Could not send to " + topic + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while sending to " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
