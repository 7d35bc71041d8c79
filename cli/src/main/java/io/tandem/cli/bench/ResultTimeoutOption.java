package io.tandem.cli.bench;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The {@code --timeout} of the benchmarks that run the full path through {@link PipelineRunner}.
 */
final class ResultTimeoutOption {

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "PT60S",
            description =
                    "How long to wait for results after a run's last request, ISO-8601"
                            + " (default: 60 s); what has not come is lost.")
    Duration timeout;
}
