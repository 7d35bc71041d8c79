package io.tandem.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.testkit.BundledModel;
import io.tandem.testkit.ChildJvm;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged provider ({@code target/tandem-sql-provider.jar}, built at {@code package}) carries
 * everything the provider needs beside Flink: {@link ProviderJarProbe} runs in a JVM of its own
 * whose class path is this one's less Tandem's modules, DJL, Avro and Gson, plus the jar.
 */
class ProviderJarITCase {

    private static final Path JAR = Path.of("target", "tandem-sql-provider.jar");

    @Test
    void aJvmWithFlinkAndTheJarAloneServesAndChecksATandemModel(@TempDir Path dir)
            throws Exception {
        assertThat(JAR).as("built by mvn package").isRegularFile();
        List<String> command = new ArrayList<>(ChildJvm.java("1g"));
        command.add("-cp");
        command.add(classPath());
        command.add(ProviderJarProbe.class.getName());
        command.add(BundledModel.target().toAbsolutePath().toString());
        Path log = dir.resolve("probe.log");
        Process probe =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        boolean ended = probe.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            probe.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);

        assertThat(ended).as("probe ended; it printed:%n%s", output).isTrue();
        assertThat(probe.exitValue()).as(output).isZero();
        assertThat(output)
                .containsPattern(
                        "provider from file:.*"
                                + Pattern.quote(JAR.toAbsolutePath().toString())
                                + "\\R")
                .contains("row +I[1, ")
                .contains("row +I[2, ")
                .contains("option 'top-p' is '2.0'");
        assertThat(output.lines().filter(l -> l.startsWith("row ")))
                .allSatisfy(row -> assertThat(row).endsWith(", 6]"));
    }

    /** This JVM's class path without Tandem's modules and what the jar must bring, plus the jar. */
    private static String classPath() {
        List<String> entries =
                Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                        .filter(ProviderJarITCase::keep)
                        .collect(Collectors.toCollection(ArrayList::new));
        entries.add(JAR.toAbsolutePath().toString());
        return String.join(File.pathSeparator, entries);
    }

    private static boolean keep(String entry) {
        String path = entry.replace(File.separatorChar, '/');
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (path.endsWith("/test-classes")) {
            return path.contains("/sql/"); // the probe
        }
        return !path.endsWith("/classes")
                && !name.startsWith("tandem-")
                && !path.contains("/ai/djl/")
                && !path.contains("/org/apache/avro/")
                && !path.contains("/com/google/code/gson/");
    }
}
