package io.tandem.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * The entry point of a Kafka broker in a process of its own (the broker of {@code ./tandem cluster
 * up}): starts an {@link EmbeddedKafka}, writes its bootstrap address to the file named by the
 * first argument once it accepts clients, and serves until the process is stopped.
 */
public final class KafkaBrokerProcess {

    private KafkaBrokerProcess() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: KafkaBrokerProcess ADDRESS_FILE");
        }
        EmbeddedKafka kafka = EmbeddedKafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "kafka-broker-stop"));
        Path address = Path.of(args[0]);
        Path partial = address.resolveSibling(address.getFileName() + ".tmp");
        Files.writeString(partial, kafka.bootstrapServers());
        // renamed into place, so a reader never sees half an address
        Files.move(partial, address, StandardCopyOption.ATOMIC_MOVE);
        new CountDownLatch(1).await();
    }
}
