package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.testkit.BundledModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench faults} as a short seeded campaign: on a cluster of separate processes, the
 * fault-free exactly-once run, then the same requests while the draft and the verify TaskManager
 * are killed, the broker is stopped and started, and a burst arrives, close enough together that
 * one recovery may meet the next fault. Every request is answered exactly once with the fault-free
 * run's tokens. (The bench's own campaign runs 1,000 requests and 10,000 fuzzed records; {@code
 * TandemJobITCase} covers fuzzed input.)
 */
class FaultBenchCommandITCase {

    @Test
    void everyRequestIsAnsweredOnceWithUnchangedOutputThroughEveryFault(@TempDir Path dir)
            throws Exception {
        Path json = dir.resolve("bench-faults.json");
        int exit =
                new CommandLine(new FaultBenchCommand())
                        .execute(
                                "--runs", "exactly-once,faults",
                                "--requests", "60",
                                "--rate", "3",
                                "--fault-gap", "PT4S",
                                "--burst", "PT1S",
                                "--broker-down", "PT2S",
                                "--new-tokens", "8",
                                "--seed", "3",
                                "--target", BundledModel.target().toString(),
                                "--draft", BundledModel.draft().toString(),
                                "--held-out", BundledModel.heldOut().toString(),
                                "--pair-profile", BundledModel.pairProfile().toString(),
                                "--json", json.toString());

        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonObject summary = report.getAsJsonObject("summary");
        assertThat(summary.get("lost").getAsInt()).isZero();
        assertThat(summary.get("duplicated").getAsInt()).isZero();
        assertThat(summary.get("greedy_identical").getAsBoolean()).isTrue();
        assertThat(summary.get("restarts").getAsLong())
                .as("the kills failed the job over")
                .isPositive();
        List<String> faults = new ArrayList<>();
        for (JsonElement fault : report.getAsJsonArray("faults")) {
            JsonObject f = fault.getAsJsonObject();
            faults.add(f.get("fault").getAsString());
            assertThat(f.get("recovery_s").getAsDouble()).as(f.toString()).isPositive();
        }
        assertThat(faults)
                .containsExactlyInAnyOrder(
                        "kill-draft-task-manager",
                        "kill-verify-task-manager",
                        "broker-restart",
                        "burst");
        assertThat(exit).isZero();
    }
}
