package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
 * {@code ./tandem bench checkpoints} on real parts, kept small: a burst of 24 requests against one
 * batch in flight per loop head, checkpoints every 100 ms, through an embedded Kafka broker and two
 * fresh local jobs. No MiniCluster extension: each run starts its own local cluster, whose REST API
 * the command reads the checkpoint history from.
 */
class CheckpointBenchCommandITCase {

    private static final int REQUESTS = 24;

    @Test
    void comparesBothAdmissionsOnTheSameBurstWithFlinksOwnCheckpointFigures(@TempDir Path dir)
            throws Exception {
        Path json = dir.resolve("bench-checkpoints.json");

        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--requests",
                                String.valueOf(REQUESTS),
                                "--new-tokens",
                                "16",
                                "--max-batches-in-flight",
                                "1",
                                "--checkpoint-interval",
                                "PT0.1S",
                                "--held-out",
                                BundledModel.heldOut().toString(),
                                "--json",
                                json.toString()));
        args.addAll(BundledModel.pairOptions());

        int exit =
                new CommandLine(new CheckpointBenchCommand()).execute(args.toArray(String[]::new));

        assertThat(exit).isZero();
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertThat(report.get("requests").getAsInt()).isEqualTo(REQUESTS);
        assertThat(report.get("checkpoint_interval_ms").getAsLong()).isEqualTo(100);
        assertThat(report.get("max_batches_in_flight").getAsInt()).isEqualTo(1);
        // greedy output does not depend on how the head holds windows back
        assertThat(report.get("token_mismatches").getAsInt()).isZero();

        List<JsonObject> runs = new ArrayList<>();
        for (JsonElement run : report.getAsJsonArray("runs")) {
            runs.add(run.getAsJsonObject());
        }
        assertThat(runs)
                .extracting(r -> r.get("admission").getAsString())
                .containsExactly("blocking", "waiting");
        assertThat(runs.get(0).get("max_waiting_requests").getAsInt()).isZero();
        assertThat(runs.get(1).get("max_waiting_requests").getAsInt()).isPositive();
        for (JsonObject run : runs) {
            String name = run.get("admission").getAsString();
            assertThat(run.get("results").getAsInt()).as(name).isEqualTo(REQUESTS);
            assertThat(run.get("lost").getAsInt()).as(name).isZero();
            // the burst outlasts several intervals, so Flink completed checkpoints during it
            assertThat(run.get("checkpoints").getAsInt()).as(name).isPositive();
            double p50 = run.get("checkpoint_p50_ms").getAsDouble();
            double max = run.get("checkpoint_max_ms").getAsDouble();
            assertThat(p50).as(name).isNotNegative();
            assertThat(run.get("checkpoint_p99_ms").getAsDouble()).as(name).isBetween(p50, max);
            // no request can take longer than the burst it was sent at the start of
            assertThat(run.get("request_p99_ms").getAsDouble())
                    .as(name)
                    .isPositive()
                    .isLessThanOrEqualTo(run.get("burst_ms").getAsDouble());
        }
        JsonObject ratios = report.getAsJsonObject("waiting_over_blocking");
        assertThat(ratios.get("checkpoint_p99").getAsDouble())
                .isCloseTo(
                        runs.get(1).get("checkpoint_p99_ms").getAsDouble()
                                / runs.get(0).get("checkpoint_p99_ms").getAsDouble(),
                        within(1e-9));
    }
}
