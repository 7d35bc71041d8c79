package io.tandem.cli.cluster;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --dir} of every cluster command: where the cluster's run directory is. */
final class RunDirectoryOption {

    static final String DEFAULT = "run/cluster";

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            defaultValue = DEFAULT,
            description =
                    "The cluster's run directory: its cluster.json, configurations and logs"
                            + " (default: ${DEFAULT-VALUE}).")
    Path dir;
}
