package io.tandem.job.cli;

import io.tandem.job.bench.BenchCommand;
import io.tandem.job.simulate.SimulateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./tandem}: the command line of Tandem. */
@Command(
        name = "tandem",
        mixinStandardHelpOptions = true,
        version = "tandem 0.1.0",
        description = "Speculative-decoding LLM serving as an Apache Flink job.",
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            TrainCommand.class,
            BenchCommand.class,
            SimulateCommand.class,
            ReplayCommand.class,
            ReportCommand.class,
            ConfigCommand.class
        })
public final class TandemCli {

    public static void main(String[] args) {
        System.exit(new CommandLine(new TandemCli()).execute(args));
    }
}
