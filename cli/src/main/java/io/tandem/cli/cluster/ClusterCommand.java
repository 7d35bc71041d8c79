package io.tandem.cli.cluster;

import picocli.CommandLine.Command;

/**
 * {@code ./tandem cluster}: a real multi-process Flink cluster and Kafka broker on this machine.
 */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description =
                "Start, inspect and stop a standalone Flink cluster of separate processes (a"
                        + " JobManager, draft and verify TaskManagers) with a Kafka broker.",
        subcommands = {ClusterUp.class, ClusterStatus.class, ClusterDown.class})
public final class ClusterCommand {}
