package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.testkit.BundledModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench sql} at its smallest: every run of mode ad serves every row, the bundled pair's with
 * the target's greedy output, and the report has the goal keys and the emulated GPU pair's.
 */
class SqlBenchCommandITCase {

    @Test
    void bothRunsServeEveryRowAsTheTargetAlone(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench-sql.json");
        int exit =
                new CommandLine(new SqlBenchCommand())
                        .execute(
                                "--rows",
                                "6",
                                "--new-tokens",
                                "8",
                                "--batch",
                                "2,4",
                                "--modes",
                                "ad",
                                "--threads",
                                "2",
                                "--target",
                                BundledModel.target().toString(),
                                "--draft",
                                BundledModel.draft().toString(),
                                "--profile",
                                BundledModel.pairProfile().toString(),
                                "--held-out",
                                BundledModel.heldOut().toString(),
                                "--gpu-profile",
                                BundledModel.gpuProfile("h200-68m-7b").toString(),
                                "--json",
                                json.toString());

        assertThat(exit).isZero();
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        // per pair: a batched run at each batch size and one run of a row per call
        assertThat(report.getAsJsonArray("runs")).hasSize(6);
        JsonObject summary = report.getAsJsonObject("summary");
        assertThat(summary.get("rows").getAsInt()).isEqualTo(6);
        assertThat(summary.get("greedy_identical").getAsBoolean()).isTrue();
        assertThat(summary.get("batched_per_row_throughput_ratio").getAsDouble()).isPositive();
        assertThat(summary.get("batched_per_row_throughput_ratio_ad").getAsDouble()).isPositive();
        assertThat(summary.get("batched_per_row_throughput_ratio_gpu_ad").getAsDouble())
                .isPositive();
    }
}
