package io.tandem.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.job.config.JobConfig;
import io.tandem.testkit.BundledModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Flags beat --set, which beats the config file, which beats the command's own defaults. */
class JobOptionsTest {

    @Test
    void laterSourcesWin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tandem.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "tandem:",
                        "  batch: {max-size: 12, max-wait: 30 ms}",
                        "  kafka: {results-topic: from-file, requests-topic: from-file}",
                        "  parallelism: 3",
                        ""));
        RunCommand command = new RunCommand();
        new CommandLine(command)
                .parseArgs(
                        "--config", file.toString(),
                        "--set", "tandem.kafka.results-topic=from-set",
                        "--set", "tandem.batch.max-size=20",
                        "--batch-size", "4",
                        "--bootstrap", "broker:9092");

        JobConfig config =
                command.job.resolve(
                        Map.of("tandem.parallelism", "1", "tandem.kafka.group-id", "base"));

        assertThat(config.batching().maxSize()).isEqualTo(4); // flag
        assertThat(config.kafka().resultsTopic()).isEqualTo("from-set"); // --set over file
        assertThat(config.kafka().requestsTopic()).isEqualTo("from-file"); // file
        assertThat(config.batching().maxWait()).isEqualTo(Duration.ofMillis(30)); // file
        assertThat(config.parallelism()).isEqualTo(3); // file over base
        assertThat(config.kafka().groupId()).isEqualTo("base"); // base over default
        assertThat(config.kafka().bootstrapServers()).isEqualTo("broker:9092");
    }

    @Test
    void aRelativeModelDirectoryBecomesAbsolute() {
        RunCommand command = new RunCommand();
        new CommandLine(command).parseArgs("--model-dir", "some/model");

        JobConfig config = command.job.resolve(Map.of());

        assertThat(Path.of(config.generation().modelDir()))
                .isAbsolute()
                .endsWithRaw(Path.of("some/model"));
    }

    @Test
    void emulatedStagesPlanWithTheirOwnProfileUnlessAnotherIsGiven() {
        RunCommand command = new RunCommand();
        new CommandLine(command)
                .parseArgs(
                        "--set",
                        "tandem.model.engine=emulated",
                        "--set",
                        "tandem.model.profile=" + BundledModel.gpuProfile("h200-68m-7b"));

        JobConfig config = command.job.resolve(Map.of());

        assertThat(config.generation().plannerProfile())
                .isEqualTo(config.generation().engine().profile())
                .isEqualTo(BundledModel.gpuProfile("h200-68m-7b").toString());
    }

    @Test
    void theBundledModelIsFoundFromAnyDirectoryThroughTandemHome() {
        Path home = BundledModel.target().getParent().getParent();
        String previous = System.setProperty("tandem.home", home.toString());
        try {
            RunCommand command = new RunCommand();
            new CommandLine(command).parseArgs();

            JobConfig config = command.job.resolve(Map.of());

            assertThat(Path.of(config.generation().modelDir())).isEqualTo(BundledModel.target());
            assertThat(Path.of(config.generation().draftDir())).isEqualTo(BundledModel.draft());
        } finally {
            if (previous == null) {
                System.clearProperty("tandem.home");
            } else {
                System.setProperty("tandem.home", previous);
            }
        }
    }
}
