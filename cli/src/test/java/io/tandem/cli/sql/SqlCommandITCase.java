package io.tandem.cli.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.testkit.BundledModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ./tandem sql examples/sql/austen.sql}, the documented example: prompts through Kafka,
 * {@code ML_PREDICT} with the bundled pair, completions back through Kafka and printed; the empty
 * prompt is dropped, the rest answered.
 */
class SqlCommandITCase {

    @Test
    void theExampleScriptServesItsPromptsThroughKafka() throws Exception {
        Path home = BundledModel.target().getParent().getParent();
        String before = System.getProperty("tandem.home");
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int exit;
        try {
            System.setProperty("tandem.home", home.toString());
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            exit =
                    new CommandLine(new SqlCommand())
                            .execute(home.resolve("examples/sql/austen.sql").toString());
        } finally {
            System.setOut(stdout);
            if (before == null) {
                System.clearProperty("tandem.home");
            } else {
                System.setProperty("tandem.home", before);
            }
        }
        String output = printed.toString(StandardCharsets.UTF_8);

        assertThat(exit).as(output).isZero();
        assertThat(output).contains("with topics [sql-prompts, sql-completions]");
        // five prompts served (the empty one is dropped), 24 tokens or an end of sequence each
        assertThat(output).contains("5 rows in set");
        assertThat(output.lines().filter(l -> l.startsWith("| +I |")).count()).isEqualTo(5);
    }
}
