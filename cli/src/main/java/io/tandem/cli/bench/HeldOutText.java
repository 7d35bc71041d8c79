package io.tandem.cli.bench;

import io.tandem.job.config.TandemHome;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --held-out} option of the benchmarks: text the training never saw, cut into prompts.
 */
final class HeldOutText {

    @Option(
            names = "--held-out",
            paramLabel = "FILE",
            defaultValue = "models/data/austen-heldout.txt",
            description = "Text the prompts are cut from (default: ${DEFAULT-VALUE}).")
    Path file;

    /** The file, relative paths taken from the Tandem home. */
    Path file() {
        return TandemHome.resolve(file);
    }
}
