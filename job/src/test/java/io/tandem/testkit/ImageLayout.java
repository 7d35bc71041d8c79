package io.tandem.testkit;

import io.tandem.local.StandaloneCluster;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The layout of the container images ({@code docker/Dockerfile}), made from this build: Flink's
 * classes and what they need on the class path, as a Flink distribution's {@code lib/} holds them,
 * with DJL and its natives from {@code target/image/lib/}; and a Flink home whose {@code usrlib/}
 * holds the job jar of {@code target/image/usrlib/}, which Flink loads in a class loader of the
 * job's own. Both halves are written by the job module's {@code package} phase.
 */
public final class ImageLayout {

    private static final Path IMAGE = Path.of("target", "image").toAbsolutePath();

    /**
     * Entries of this JVM's class path that a Flink distribution's {@code lib/} does not hold: the
     * job's own dependencies, which the job jar bundles, and the tests'.
     */
    private static final List<String> NOT_IN_FLINK_LIB =
            List.of(
                    "/io/tandem/",
                    "/target/classes",
                    "/target/test-classes",
                    "/ai/djl/",
                    "/net/java/dev/jna/",
                    "/com/google/code/gson/",
                    "/org/apache/kafka/",
                    "/flink-connector-kafka",
                    "/org/apache/avro/",
                    "/flink-avro",
                    "/com/fasterxml/jackson/",
                    "/info/picocli/",
                    "/flink-test-utils",
                    "/org/junit/",
                    "/org/assertj/",
                    "/org/opentest4j/",
                    "/org/apiguardian/",
                    "/com/tngtech/",
                    "/net/bytebuddy/");

    private ImageLayout() {}

    /**
     * The images' class path: Flink's part of this JVM's, the jars of {@code target/image/lib/},
     * and {@code tandem-local}, whose launcher makes each process exit with the test.
     */
    public static String classPath() throws IOException {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String path = entry.replace(File.separatorChar, '/');
            if (NOT_IN_FLINK_LIB.stream().noneMatch(path::contains)) {
                entries.add(entry);
            }
        }
        try (Stream<Path> jars = Files.list(IMAGE.resolve("lib"))) {
            jars.filter(jar -> jar.toString().endsWith(".jar"))
                    .sorted()
                    .forEach(jar -> entries.add(jar.toString()));
        }
        try {
            entries.add(
                    Path.of(
                                    StandaloneCluster.class
                                            .getProtectionDomain()
                                            .getCodeSource()
                                            .getLocation()
                                            .toURI())
                            .toString());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return String.join(File.pathSeparator, entries);
    }

    /** A Flink home in {@code dir} whose {@code usrlib/} holds the images' job jar. */
    public static Path flinkHome(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("lib"));
        Path usrlib = Files.createDirectories(dir.resolve("usrlib"));
        Files.createSymbolicLink(
                usrlib.resolve("tandem-job.jar"), IMAGE.resolve("usrlib/tandem-job.jar"));
        return dir;
    }
}
