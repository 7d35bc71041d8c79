package io.tandem.cli.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.planner.sim.Scheme;
import io.tandem.testkit.ModelProfiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulateCommandTest {

    @Test
    void comparesEverySchemeConsistentlyAndPlotsEachSweep(@TempDir Path dir) throws Exception {
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
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonObject summary = report.getAsJsonObject("summary");
        Map<String, JsonObject> schemes = new LinkedHashMap<>();
        report.getAsJsonArray("schemes")
                .forEach(
                        s ->
                                schemes.put(
                                        s.getAsJsonObject().get("scheme").getAsString(),
                                        s.getAsJsonObject()));
        assertThat(schemes.keySet())
                .containsExactlyInAnyOrder(
                        Arrays.stream(Scheme.values()).map(Scheme::label).toArray(String[]::new));
        for (JsonObject scheme : schemes.values()) {
            // a mean lies under the 99th percentile of the same latencies, and no request ends
            // after the last one does
            double mean = scheme.get("mean_s").getAsDouble();
            assertThat(mean).isPositive();
            assertThat(scheme.get("p99_s").getAsDouble()).isGreaterThanOrEqualTo(mean);
            assertThat(scheme.get("makespan_s").getAsDouble())
                    .isGreaterThanOrEqualTo(scheme.get("p99_s").getAsDouble());
            assertThat(scheme.get("batches_first_seed").getAsInt()).isBetween(1, 8);
        }
        double joint = schemes.get(Scheme.JOINT.label()).get("mean_s").getAsDouble();
        Map<String, Scheme> reductions =
                Map.of(
                        "reduction_vs_uniform_bandwidth_pct", Scheme.UNIFORM_BANDWIDTH,
                        "reduction_vs_max_batching_pct", Scheme.MAX_BATCHING,
                        "reduction_vs_fixed_l3_pct", Scheme.FIXED_L3,
                        "reduction_vs_fixed_l5_pct", Scheme.FIXED_L5,
                        "reduction_vs_ad_pct", Scheme.AUTOREGRESSIVE,
                        "reduction_vs_no_pipelining_pct", Scheme.NO_PIPELINING);
        reductions.forEach(
                (key, other) -> {
                    double theirs = schemes.get(other.label()).get("mean_s").getAsDouble();
                    assertThat(summary.get(key).getAsDouble())
                            .as(key)
                            .isCloseTo(100 * (theirs - joint) / theirs, within(1e-9));
                });
        // the joint DP searches every batching and speculation length these fix, with the
        // optimal bandwidth split: at 8 users it is exact, so none of them may beat it
        for (Scheme restricted :
                new Scheme[] {
                    Scheme.UNIFORM_BANDWIDTH, Scheme.MAX_BATCHING, Scheme.FIXED_L3, Scheme.FIXED_L5
                }) {
            assertThat(schemes.get(restricted.label()).get("mean_s").getAsDouble())
                    .as(restricted.label())
                    .isGreaterThanOrEqualTo(joint * (1 - 1e-9));
        }
        JsonObject sweeps = report.getAsJsonObject("sweeps");
        // more band and likelier acceptance never make the optimum slower
        assertThat(jointSeries(sweeps, "bandwidth")).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(jointSeries(sweeps, "alpha")).isSortedAccordingTo(Comparator.reverseOrder());
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

    /** The joint optimizer's mean latency at each point of {@code sweep}. */
    private static List<Double> jointSeries(JsonObject sweeps, String sweep) {
        List<Double> means = new ArrayList<>();
        sweeps.getAsJsonObject(sweep)
                .getAsJsonObject("mean_s")
                .getAsJsonArray(Scheme.JOINT.label())
                .forEach(v -> means.add(v.getAsDouble()));
        return means;
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
