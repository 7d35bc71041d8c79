package io.tandem.cli.example;

import picocli.CommandLine.Command;

/** {@code ./tandem example}: small programs of a user's own with Tandem inside. */
@Command(
        name = "example",
        mixinStandardHelpOptions = true,
        description = "Small programs of your own with Tandem inside (see docs/sql.md).",
        subcommands = {DataStreamExample.class})
public final class ExampleCommand {}
