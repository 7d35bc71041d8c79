package io.tandem.cli;

import io.tandem.cli.bench.BenchCommand;
import io.tandem.cli.cluster.ClusterCommand;
import io.tandem.cli.example.ExampleCommand;
import io.tandem.cli.serve.SendCommand;
import io.tandem.cli.serve.ServeCommand;
import io.tandem.cli.simulate.SimulateCommand;
import io.tandem.cli.sql.SqlCommand;
import io.tandem.job.RunCommand;
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
            ServeCommand.class,
            SendCommand.class,
            TrainCommand.class,
            BenchCommand.class,
            SimulateCommand.class,
            ReplayCommand.class,
            SqlCommand.class,
            ExampleCommand.class,
            ClusterCommand.class,
            ReportCommand.class,
            ConfigCommand.class
        })
public final class TandemCli {

    public static void main(String[] args) {
        System.exit(
                new CommandLine(new TandemCli())
                        .setExecutionExceptionHandler(TandemCli::explain)
                        .execute(args));
    }

    /**
     * A failed command says what went wrong, causes included, in a few lines; the stack trace is
     * for developers and comes with {@code TANDEM_DEBUG=1}.
     */
    private static int explain(
            Exception failure, CommandLine command, CommandLine.ParseResult parsed) {
        StringBuilder message = new StringBuilder(command.getCommandName() + ": ");
        String separator = "";
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String text = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (!message.toString().contains(text)) {
                message.append(separator).append(text);
                separator = "\n  caused by: ";
            }
        }
        // on a line of its own: a progress bar may have left the cursor mid-line
        command.getErr().println(System.lineSeparator() + message);
        if (System.getenv("TANDEM_DEBUG") != null) {
            failure.printStackTrace(command.getErr());
        } else {
            command.getErr().println("(TANDEM_DEBUG=1 shows the stack trace)");
        }
        return command.getCommandSpec().exitCodeOnExecutionException();
    }
}
