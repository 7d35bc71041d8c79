package io.tandem.job.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulateCommandTest {

    @Test
    void writesTheSummaryTheIssueAsksForAndAPlotPerSweep(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");
        Path plots = dir.resolve("plots");

        int exit =
                new CommandLine(new SimulateCommand())
                        .execute(
                                "--scenario",
                                "paper",
                                "--users",
                                "8",
                                "--seeds",
                                "1",
                                "--json",
                                json.toString(),
                                "--plots",
                                plots.toString());

        assertThat(exit).isZero();
        JsonObject summary =
                JsonParser.parseString(Files.readString(json))
                        .getAsJsonObject()
                        .getAsJsonObject("summary");
        assertThat(summary.keySet())
                .contains(
                        "reduction_vs_uniform_bandwidth_pct",
                        "reduction_vs_max_batching_pct",
                        "reduction_vs_fixed_l3_pct",
                        "reduction_vs_fixed_l5_pct",
                        "reduction_vs_ad_pct",
                        "reduction_vs_no_pipelining_pct");
        for (String sweep : new String[] {"users", "bandwidth", "alpha", "speculation-length"}) {
            Path png = plots.resolve("latency-vs-" + sweep + ".png");
            assertThat(png).exists();
            // a PNG signature, not an empty or text file
            assertThat(Files.readAllBytes(png))
                    .startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        }
    }

    @Test
    void rejectsAnUnknownScenario() {
        int exit = new CommandLine(new SimulateCommand()).execute("--scenario", "moon");

        assertThat(exit).isNotZero();
    }
}
