package io.tandem.cli.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.testkit.ModelProfiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
    void plansWithMeasuredCostsFromAProfile(@TempDir Path dir) throws Exception {
        Path profile = ModelProfiles.write(dir);
        Path json = dir.resolve("out.json");

        JsonObject setup =
                simulate(json, "--profile", profile.toString(), "--users", "8", "--seeds", "1");

        assertThat(setup.get("costs").getAsString()).isEqualTo("measured");
        assertThat(setup.get("profile").getAsString()).isEqualTo(profile.toString());
        assertThat(setup.get("alpha").getAsDouble()).isEqualTo(ModelProfiles.ALPHA);
        assertThat(setup.get("max_input_tokens").getAsInt()).isEqualTo(256);
        assertThat(setup.get("output_tokens").getAsInt()).isEqualTo(128);
        assertThat(
                        setup.getAsJsonObject("fits")
                                .getAsJsonObject("target")
                                .get("fixed_ms")
                                .getAsDouble())
                .isCloseTo(ModelProfiles.TARGET.fixedMillis(), within(1e-6));
    }

    @Test
    void overridesPromptAndOutputLengths(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");

        JsonObject setup =
                simulate(
                        json,
                        "--users",
                        "8",
                        "--seeds",
                        "1",
                        "--min-prompt",
                        "8",
                        "--max-prompt",
                        "64",
                        "--output-tokens",
                        "32");

        assertThat(setup.get("costs").getAsString()).isEqualTo("roofline");
        assertThat(setup.get("min_input_tokens").getAsInt()).isEqualTo(8);
        assertThat(setup.get("max_input_tokens").getAsInt()).isEqualTo(64);
        assertThat(setup.get("output_tokens").getAsInt()).isEqualTo(32);
    }

    @Test
    void tellsHowToWriteAMissingProfile(@TempDir Path dir) {
        String missing = dir.resolve("nowhere.json").toString();
        StringWriter err = new StringWriter();

        int exit =
                new CommandLine(new SimulateCommand())
                        .setErr(new PrintWriter(err))
                        .execute("--profile", missing);

        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("./tandem bench models --json " + missing);
    }

    @Test
    void rejectsRequestsLongerThanTheMeasuredModelsContext(@TempDir Path dir) throws Exception {
        Path profile = ModelProfiles.write(dir);
        StringWriter err = new StringWriter();

        int exit =
                new CommandLine(new SimulateCommand())
                        .setErr(new PrintWriter(err))
                        .execute("--profile", profile.toString(), "--max-prompt", "480");

        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("context of " + ModelProfiles.CONTEXT_LENGTH);
    }

    @Test
    void rejectsAGpuOptionWithAProfile(@TempDir Path dir) throws Exception {
        Path profile = ModelProfiles.write(dir);

        int exit =
                new CommandLine(new SimulateCommand())
                        .setErr(new PrintWriter(new StringWriter()))
                        .execute("--profile", profile.toString(), "--pair", "1.1b-7b");

        assertThat(exit).isNotZero();
    }

    @Test
    void rejectsAnUnknownScenario() {
        int exit = new CommandLine(new SimulateCommand()).execute("--scenario", "moon");

        assertThat(exit).isNotZero();
    }

    /** Runs simulate with {@code args} and {@code --json json}; returns the JSON's setup. */
    private static JsonObject simulate(Path json, String... args) throws Exception {
        String[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--json";
        all[args.length + 1] = json.toString();

        assertThat(new CommandLine(new SimulateCommand()).execute(all)).isZero();
        return JsonParser.parseString(Files.readString(json))
                .getAsJsonObject()
                .getAsJsonObject("setup");
    }
}
