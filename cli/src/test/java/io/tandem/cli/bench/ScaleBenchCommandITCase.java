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
 * {@code bench scale} at its smallest: one draft and one verify TaskManager process with emulated
 * stages, one rising phase per mode and the phase at half of it. Every request is answered once
 * with the emulated target's tokens, and the figures of the summary come from the phases.
 */
class ScaleBenchCommandITCase {

    @Test
    void measuresEachModeOnARealClusterAndReportsTheGoals(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench-scale.json");
        Path root = BundledModel.target().getParent().getParent();
        int exit =
                new CommandLine(new ScaleBenchCommand())
                        .execute(
                                "--sizes", "1",
                                "--modes", "sd,ad",
                                "--max-phases", "1",
                                "--start-rate", "4",
                                "--phase-seconds", "1",
                                "--min-requests", "8",
                                "--slo-p99-ms", "60000",
                                "--profile", BundledModel.gpuProfile("h200-68m-7b").toString(),
                                "--trace", root.resolve("traces/azure-sample.csv").toString(),
                                "--corpus", BundledModel.heldOut().toString(),
                                "--model-dir", BundledModel.target().toString(),
                                "--json", json.toString(),
                                "--plots", dir.resolve("plots").toString());

        assertThat(exit).isZero();
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        List<JsonObject> phases = new ArrayList<>();
        for (JsonElement phase : report.getAsJsonArray("phases")) {
            phases.add(phase.getAsJsonObject());
        }
        // per mode: the rising phase within the (generous) SLO, then the one at half its rate
        assertThat(phases)
                .extracting(p -> p.get("mode").getAsString() + "@" + p.get("rate").getAsDouble())
                .containsExactly("sd@4.0", "sd@2.0", "ad@4.0", "ad@2.0");
        for (JsonObject phase : phases) {
            assertThat(phase.get("requests").getAsInt()).isEqualTo(8);
            assertThat(phase.get("lost").getAsInt()).isZero();
            assertThat(phase.get("duplicated").getAsInt()).isZero();
            assertThat(phase.get("p99_ms").getAsDouble())
                    .isGreaterThanOrEqualTo(phase.get("p50_ms").getAsDouble())
                    .isPositive();
        }
        JsonObject summary = report.getAsJsonObject("summary");
        assertThat(summary.get("greedy_identical").getAsBoolean()).isTrue();
        assertThat(summary.get("lost").getAsInt()).isZero();
        assertThat(summary.get("scaling_efficiency_1").getAsDouble()).isEqualTo(1.0);
        assertThat(summary.get("sd_ad_p50_ratio_gpu").getAsDouble())
                .isEqualTo(
                        phases.get(0).get("p50_ms").getAsDouble()
                                / phases.get(2).get("p50_ms").getAsDouble());
        assertThat(summary.get("round_overhead_ms_p50").getAsDouble()).isPositive();
        assertThat(summary.get("memory_rss_mb_1").getAsDouble()).isPositive();
        assertThat(dir.resolve("plots/scale-throughput.png")).isRegularFile();
    }
}
