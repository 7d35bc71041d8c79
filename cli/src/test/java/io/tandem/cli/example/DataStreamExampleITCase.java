package io.tandem.cli.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.testkit.BundledModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ./tandem example datastream} on the documented prompts file: each prompt's completion
 * printed, the blank line dead-lettered as an empty prompt.
 */
class DataStreamExampleITCase {

    @Test
    void theExampleJobPrintsACompletionPerPromptAndTheEmptyOnesDeadLetter() {
        List<String> args = new ArrayList<>(BundledModel.pairOptions());
        args.addAll(
                List.of(
                        "--prompts",
                        BundledModel.target()
                                .getParent()
                                .getParent()
                                .resolve("examples/datastream/prompts.txt")
                                .toString(),
                        "--max-new-tokens",
                        "8"));
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new DataStreamExample()).execute(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        String output = printed.toString(StandardCharsets.UTF_8);

        assertThat(exit).as(output).isZero();
        for (String line : List.of("line-1", "line-2", "line-3", "line-5")) {
            assertThat(output).containsPattern(line + " \\| (EOS|LENGTH) \\| ");
        }
        assertThat(output).contains("line-4 | dead letter PROMPT_EMPTY");
    }
}
