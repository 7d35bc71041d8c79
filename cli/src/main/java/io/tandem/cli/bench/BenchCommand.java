package io.tandem.cli.bench;

import picocli.CommandLine.Command;

/** {@code ./tandem bench}: benchmarks that print tables and write JSON. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks: print a table, optionally write JSON.",
        subcommands = {
            ModelBenchCommand.class,
            PlannerBenchCommand.class,
            PipelineBenchCommand.class,
            LoadBenchCommand.class,
            CheckpointBenchCommand.class,
            FaultBenchCommand.class,
            TenantBenchCommand.class,
            ScaleBenchCommand.class,
            SqlBenchCommand.class,
            WarmStartBenchCommand.class,
            DemoBenchCommand.class
        })
public final class BenchCommand {}
