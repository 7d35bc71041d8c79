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

/** {@code bench warm-start} at its smallest: one fresh start, the request answered twice. */
class WarmStartBenchCommandITCase {

    @Test
    void reportsTheFirstRequestAgainstTheSteadyOnes(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("warm-start.json");
        int exit =
                new CommandLine(new WarmStartBenchCommand())
                        .execute(
                                "--runs",
                                "1",
                                "--requests",
                                "2",
                                "--max-new-tokens",
                                "4",
                                "--model-dir",
                                BundledModel.target().toString(),
                                "--draft-dir",
                                BundledModel.draft().toString(),
                                "--set",
                                "tandem.planner.profile=" + BundledModel.pairProfile(),
                                "--json",
                                json.toString());

        assertThat(exit).isZero();
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertThat(report.getAsJsonArray("requests")).hasSize(2);
        JsonObject summary = report.getAsJsonObject("summary");
        assertThat(summary.get("first_request_ms").getAsDouble()).isPositive();
        assertThat(summary.get("steady_request_ms").getAsDouble()).isPositive();
        assertThat(summary.get("first_to_steady_ratio").getAsDouble()).isPositive();
        assertThat(summary.get("warm_up_ms").getAsDouble()).isPositive();
    }
}
