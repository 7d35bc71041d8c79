package io.tandem.cli.replay;

import java.nio.file.Files;
import java.nio.file.Path;

/** The sample traces shipped in the repository's {@code traces/}, found from any module. */
public final class SampleTraces {

    public static final String AZURE = "azure-sample.csv";
    public static final String MOONCAKE = "mooncake-sample.jsonl";
    public static final String TANDEM = "tandem-sample.jsonl";

    private SampleTraces() {}

    public static Path dir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("traces"))) {
                return dir.resolve("traces");
            }
        }
        throw new IllegalStateException("traces/ not found above " + Path.of("").toAbsolutePath());
    }

    public static Path file(String name) {
        return dir().resolve(name);
    }
}
