package io.tandem.local;

import java.io.OutputStream;
import java.io.PrintStream;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker (one combined KRaft broker and controller) running inside this JVM on
 * loopback, on ephemeral ports, with its data in a temporary directory removed on close. Used by
 * the demo and the integration tests; production jobs talk to a real cluster.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Formats and starts a single-node cluster and waits until it accepts clients. */
    public static EmbeddedKafka start() {
        return start(null);
    }

    /**
     * Formats and starts a single-node cluster whose clients must connect with SASL over TLS, as
     * {@code secured} describes, and waits until it accepts them.
     */
    public static EmbeddedKafka startSecured(SaslSsl secured) {
        return start(secured);
    }

    private static EmbeddedKafka start(SaslSsl secured) {
        long start = System.nanoTime();
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes.Builder nodes =
                    new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1);
            if (secured != null) {
                // the test kit's broker listener, made SASL_SSL by the listener map SaslSsl sets
                // (the kit itself builds only PLAINTEXT and SASL_PLAINTEXT listeners)
                nodes.setBrokerListenerName(new ListenerName(SaslSsl.LISTENER));
            }
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build());
            if (secured != null) {
                secured.brokerSettings().forEach(builder::setConfigProp);
            }
            cluster =
                    builder.setConfigProp("offsets.topic.replication.factor", "1")
                            .setConfigProp("transaction.state.log.replication.factor", "1")
                            .setConfigProp("transaction.state.log.min.isr", "1")
                            .setConfigProp("group.initial.rebalance.delay.ms", "0")
                            // Topics are the application's to create, with its settings.
                            .setConfigProp("auto.create.topics.enable", "false")
                            // Replayed traces carry old timestamps; time-based retention would
                            // delete them within seconds of start.
                            .setConfigProp("log.retention.ms", "-1")
                            .build();
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            if (secured != null) {
                secured.createUsers(cluster.bootstrapServers());
            }
        } catch (Exception e) {
            closeQuietly(cluster);
            throw new IllegalStateException(
                    "Could not start the embedded Kafka broker: " + e.getMessage(), e);
        }
        EmbeddedKafka kafka = new EmbeddedKafka(cluster);
        LOG.info(
                "Embedded Kafka broker up at {} in {} ms",
                kafka.bootstrapServers(),
                (System.nanoTime() - start) / 1_000_000);
        return kafka;
    }

    /** Kafka's storage formatter prints to standard output; keep that out of the CLI's output. */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        PrintStream stdout = System.out;
        synchronized (System.class) {
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                cluster.format();
            } finally {
                System.setOut(stdout);
            }
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() {
        closeQuietly(cluster);
    }

    private static void closeQuietly(KafkaClusterTestKit cluster) {
        if (cluster == null) {
            return;
        }
        try {
            cluster.close();
        } catch (Exception e) {
            LOG.warn("Embedded Kafka broker did not shut down cleanly: {}", e.toString());
        }
    }
}
