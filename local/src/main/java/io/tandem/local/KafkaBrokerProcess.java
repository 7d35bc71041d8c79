package io.tandem.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * The entry point of a Kafka broker in a process of its own (the broker of {@code ./tandem cluster
 * up}): a single KRaft node, broker and controller, on loopback.
 *
 * <p>It keeps its settings, ports and logs in the directory next to its address file, so a broker
 * killed and started again (by {@link StandaloneCluster#restart(String)}, as a supervisor would)
 * comes back on the same address with the same topics, records and committed offsets, and clients
 * reconnect to it: the first start picks two free ports and formats the storage, a later start
 * reads both back. It writes its bootstrap address to the file named by its argument once it
 * accepts clients, and serves until the process is stopped.
 */
public final class KafkaBrokerProcess {

    private static final String HOST = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    /** Where, next to its address file, the broker keeps its settings and storage. */
    static final String HOME_DIRECTORY = "kafka-broker";

    private KafkaBrokerProcess() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: KafkaBrokerProcess ADDRESS_FILE");
        }
        Path address = Path.of(args[0]);
        Path home = address.resolveSibling(HOME_DIRECTORY);
        Properties settings = settings(home);
        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(settings, false), Time.SYSTEM);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    server.shutdown();
                                    server.awaitShutdown();
                                },
                                "kafka-broker-stop"));
        server.startup();
        String bootstrap = settings.getProperty("advertised.listeners").split("//")[1];
        awaitClients(bootstrap);
        Path partial = address.resolveSibling(address.getFileName() + ".tmp");
        Files.writeString(partial, bootstrap);
        // renamed into place, so a reader never sees half an address
        Files.move(partial, address, StandardCopyOption.ATOMIC_MOVE);
        server.awaitShutdown();
    }

    /** The broker's settings in {@code home}: read back, or made and formatted on first start. */
    private static Properties settings(Path home) throws IOException {
        Path file = home.resolve("server.properties");
        Properties settings = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader in = Files.newBufferedReader(file)) {
                settings.load(in);
            }
            return settings;
        }
        Files.createDirectories(home);
        int port = LoopbackPorts.free();
        int controllerPort = LoopbackPorts.free();
        while (controllerPort == port) {
            controllerPort = LoopbackPorts.free();
        }
        settings.put("process.roles", "broker,controller");
        settings.put("node.id", "1");
        settings.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        settings.put(
                "listeners",
                "PLAINTEXT://"
                        + HOST
                        + ":"
                        + port
                        + ",CONTROLLER://"
                        + HOST
                        + ":"
                        + controllerPort);
        settings.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        settings.put("controller.listener.names", "CONTROLLER");
        settings.put("inter.broker.listener.name", "PLAINTEXT");
        settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        settings.put("log.dirs", home.resolve("data").toString());
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        settings.put("group.initial.rebalance.delay.ms", "0");
        // topics are the application's to create, with its settings
        settings.put("auto.create.topics.enable", "false");
        // replayed traces carry old timestamps; time-based retention would delete them at once
        settings.put("log.retention.ms", "-1");
        Path partial = home.resolve("server.properties.tmp");
        try (Writer out = Files.newBufferedWriter(partial)) {
            settings.store(out, "Tandem's Kafka broker: ports and storage kept across restarts");
        }
        format(partial);
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        return settings;
    }

    private static void format(Path settings) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status =
                StorageTool.execute(
                        new String[] {
                            "format",
                            "--cluster-id",
                            Uuid.randomUuid().toString(),
                            "--config",
                            settings.toString()
                        },
                        new PrintStream(output, true, StandardCharsets.UTF_8));
        if (status != 0) {
            throw new IllegalStateException(
                    "Formatting the broker's storage failed: "
                            + output.toString(StandardCharsets.UTF_8));
        }
    }

    /** Waits until the broker answers a client, so the address is only written when it works. */
    private static void awaitClients(String bootstrap) throws Exception {
        Properties client = new Properties();
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(client)) {
            admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
