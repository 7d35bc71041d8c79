package io.tandem.testkit;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The start of a command line for a JVM of its own that runs Flink and the models as tests do. */
public final class ChildJvm {

    private ChildJvm() {}

    /**
     * This JVM's {@code java}, the module openings Flink needs on Java 17 as this JVM has them,
     * offline DJL on one PyTorch thread, and {@code -Xmx}{@code heap}; the class path and main
     * class follow.
     */
    public static List<String> java(String heap) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports"))
                .forEach(command::add);
        command.add("-Dai.djl.offline=true");
        command.add("-Dai.djl.pytorch.num_threads=1");
        command.add("-Xmx" + heap);
        return command;
    }
}
