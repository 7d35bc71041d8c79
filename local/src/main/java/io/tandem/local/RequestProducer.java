package io.tandem.local;

import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.InferenceRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Sends requests (and, for tests and the demo, arbitrary bytes) to a requests topic. */
public final class RequestProducer implements AutoCloseable {

    private static final Duration MAX_BLOCK = Duration.ofSeconds(15);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public RequestProducer(String bootstrapServers, String topic) {
        this(bootstrap(bootstrapServers), topic);
    }

    /**
     * @param clientProperties the cluster's client settings (bootstrap servers, security), e.g. the
     *     job's {@code kafka.clientProperties}
     */
    public RequestProducer(Properties clientProperties, String topic) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // a retried send is written once: a replay must never produce a request twice
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // a missing topic or broker fails a send in seconds instead of blocking it for a minute
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(MAX_BLOCK.toMillis()));
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
        sendRawAsync(request.getRequestId(), AvroBytes.encode(request), onFailure);
    }

    /**
     * Sends a value as is without waiting; a send that fails for good goes to {@code onFailure}.
     */
    public void sendRawAsync(String key, byte[] value, BiConsumer<String, Exception> onFailure) {
        producer.send(
                new ProducerRecord<>(
                        topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                (metadata, e) -> {
                    if (e != null) {
                        onFailure.accept(key, e);
                    }
                });
    }

    /** Fails unless the topic exists: the first send would otherwise wait and fail later. */
    public void checkTopic() {
        try {
            producer.partitionsFor(topic);
        } catch (KafkaException e) {
            throw new IllegalStateException(
                    "Topic "
                            + topic
                            + " is not there ("
                            + e.getMessage()
                            + "); is the job running?",
                    e);
        }
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

    /** Closes, giving requests still in the buffer a few seconds to be acknowledged. */
    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }

    private static Properties bootstrap(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }
}
