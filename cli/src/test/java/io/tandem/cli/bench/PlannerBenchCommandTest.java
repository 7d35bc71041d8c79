package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PlannerBenchCommandTest {

    @Test
    void reportsPlanningTimesAndTheGapToTheExactDp(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("planner.json");

        int exit =
                new CommandLine(new PlannerBenchCommand())
                        .execute(
                                "--sizes",
                                "10,100",
                                "--seeds",
                                "1",
                                "--repetitions",
                                "1",
                                "--json",
                                json.toString());

        assertThat(exit).isZero();
        JsonObject summary =
                JsonParser.parseString(Files.readString(json))
                        .getAsJsonObject()
                        .getAsJsonObject("summary");
        assertThat(summary.get("plan_ms_k100").getAsDouble()).isPositive();
        // the fast planner never beats the exact DP on the DP's own objective
        assertThat(summary.get("gap_to_exact_pct_max").getAsDouble()).isBetween(0.0, 1.0);
        assertThat(summary.has("plan_ms_k1000")).as("not measured, so not reported").isFalse();
    }
}
