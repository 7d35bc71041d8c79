package io.tandem.cli;

import io.tandem.job.config.OptionDocs;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Prints every setting with its default and meaning. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description =
                "Print the configuration reference (every tandem.* key, its default and meaning) as"
                        + " Markdown.")
public final class ConfigCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.print(OptionDocs.markdownTable());
        return 0;
    }
}
