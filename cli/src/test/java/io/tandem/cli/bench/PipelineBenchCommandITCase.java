package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.MiniClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./tandem bench pipeline} on real parts, kept small: four requests at one rate in modes ad
 * and sd, through an embedded Kafka broker and the job on a two-TaskManager MiniCluster, and in
 * process with the bundled pair.
 */
class PipelineBenchCommandITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.twoTaskManagers();

    @Test
    void servesEveryRequestOnceInEveryModeAndWritesTheSummary(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench-pipeline.json");
        Path models = BundledModel.target().getParent();

        int exit =
                new CommandLine(new PipelineBenchCommand())
                        .execute(
                                "--requests",
                                "4",
                                "--rates",
                                "4",
                                "--modes",
                                "ad,sd",
                                "--new-tokens",
                                "24",
                                "--held-out",
                                models.resolve("data/austen-heldout.txt").toString(),
                                "--set",
                                "tandem.model.dir=" + BundledModel.target(),
                                "--set",
                                "tandem.model.draft-dir=" + BundledModel.draft(),
                                "--set",
                                "tandem.planner.profile=" + BundledModel.pairProfile(),
                                "--json",
                                json.toString());

        assertThat(exit).isZero();
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonObject summary = report.getAsJsonObject("summary");
        assertThat(summary.get("lost").getAsInt()).isZero();
        assertThat(summary.get("duplicated").getAsInt()).isZero();
        assertThat(summary.get("greedy_identical").getAsBoolean()).isTrue();
        assertThat(summary.get("sd_ad_p50_ratio").getAsDouble()).isPositive();
        assertThat(summary.get("pipeline_inprocess_ratio").getAsDouble()).isPositive();
        // measured on every trip around the loop: never negative, and far below a model round
        assertThat(summary.get("loop_overhead_ms_p50").getAsDouble()).isBetween(0.0, 50.0);
        assertThat(summary.get("loop").getAsString()).startsWith("in-memory");
        // ad and sd, each through the full path and in process
        assertThat(report.getAsJsonArray("runs")).hasSize(4);
        report.getAsJsonArray("runs")
                .forEach(run -> assertThat(run.getAsJsonObject().get("lost").getAsInt()).isZero());
    }
}
