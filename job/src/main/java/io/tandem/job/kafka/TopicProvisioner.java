package io.tandem.job.kafka;

import io.tandem.job.config.JobConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the job's topics when they are missing. Existing topics are never altered: their owners
 * may have tuned them.
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Dead letters wait for a person to look at them; keep them a month. */
    private static final Duration DEAD_LETTER_RETENTION = Duration.ofDays(30);

    private TopicProvisioner() {}

    /** Creates whichever of the requests, results and dead-letter topics do not exist yet. */
    public static void ensureTopics(JobConfig.Kafka kafka) {
        try (Admin admin = Admin.create(kafka.clientProperties("admin"))) {
            Set<String> existing =
                    admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            int brokers =
                    admin.describeCluster()
                            .nodes()
                            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                            .size();
            short replication =
                    (short)
                            (kafka.topicReplication() > 0
                                    ? kafka.topicReplication()
                                    : Math.min(3, brokers));
            List<NewTopic> missing = new ArrayList<>();
            for (String topic :
                    List.of(kafka.requestsTopic(), kafka.resultsTopic(), kafka.deadLetterTopic())) {
                if (existing.contains(topic)) {
                    continue;
                }
                NewTopic newTopic = new NewTopic(topic, kafka.topicPartitions(), replication);
                if (topic.equals(kafka.deadLetterTopic())) {
                    newTopic.configs(
                            Map.of(
                                    TopicConfig.RETENTION_MS_CONFIG,
                                    String.valueOf(DEAD_LETTER_RETENTION.toMillis())));
                }
                missing.add(newTopic);
            }
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // Another instance may have created them between our listing and our request.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            for (NewTopic topic : missing) {
                LOG.info(
                        "Created topic {} ({} partitions, replication {})",
                        topic.name(),
                        topic.numPartitions(),
                        topic.replicationFactor());
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "Could not create topics on "
                            + kafka.bootstrapServers()
                            + ": "
                            + e.getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        }
    }
}
