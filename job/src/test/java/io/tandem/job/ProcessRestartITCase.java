package io.tandem.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.local.StandaloneCluster;
import io.tandem.local.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The faults {@code ./tandem bench faults} injects, on the processes of a standalone cluster: a
 * killed broker restarted on its address with its records, and a killed TaskManager restarted under
 * its resource id.
 */
class ProcessRestartITCase {

    private static final String TOPIC = "restart-test";

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aKilledBrokerComesBackOnItsAddressWithItsRecordsAndAKilledTaskManagerRegistersAgain()
            throws Exception {
        try (StandaloneCluster cluster =
                StandaloneCluster.builder().kafkaBroker().taskManager("tm-1", 0.5, 64, 1).start()) {
            String bootstrap = cluster.bootstrapServers();
            try (Admin admin = Admin.create(client(bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            send(bootstrap, "before");
            long brokerPid = cluster.pids().get("kafka");

            cluster.kill("kafka");
            cluster.restart("kafka");
            send(bootstrap, "after");

            assertThat(cluster.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(cluster.pids().get("kafka")).isNotEqualTo(brokerPid);
            assertThat(
                            TopicReader.read(
                                    bootstrap,
                                    TOPIC,
                                    2,
                                    Duration.ofSeconds(30),
                                    b -> new String(b, StandardCharsets.UTF_8)))
                    .containsExactly("before", "after");

            long taskManagerPid = cluster.pids().get("tm-1");
            cluster.kill("tm-1");
            assertThat(ProcessHandle.of(taskManagerPid)).isEmpty();
            cluster.restart("tm-1");
            cluster.waitForTaskManagers(1, Duration.ofSeconds(60));
            assertThat(ProcessHandle.of(cluster.pids().get("tm-1")))
                    .hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        }
    }

    private static void send(String bootstrap, String value) throws Exception {
        Properties props = client(bootstrap);
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, value)).get(60, TimeUnit.SECONDS);
        }
    }

    private static Properties client(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        return props;
    }
}
