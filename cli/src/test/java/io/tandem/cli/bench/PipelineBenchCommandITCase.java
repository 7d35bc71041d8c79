package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.MiniClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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

    // the rounding of two millisecond timestamps (send and result) in a request's remainder parts
    private static final double WALL_CLOCK_ROUNDING_MS = 2.0;

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.twoTaskManagers();

    private static final int REQUESTS = 4;

    @Test
    void servesEveryRequestOnceWithFiguresThatAddUpAndStayInsideTheirBounds(@TempDir Path dir)
            throws Exception {
        Path json = dir.resolve("bench-pipeline.json");

        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--requests",
                                String.valueOf(REQUESTS),
                                "--rates",
                                "4",
                                "--modes",
                                "ad,sd",
                                "--new-tokens",
                                "24",
                                "--held-out",
                                BundledModel.heldOut().toString(),
                                "--json",
                                json.toString()));
        args.addAll(BundledModel.pairOptions());

        int exit = new CommandLine(new PipelineBenchCommand()).execute(args.toArray(String[]::new));

        assertThat(exit).isZero();
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonObject summary = report.getAsJsonObject("summary");
        assertThat(summary.get("lost").getAsInt()).isZero();
        assertThat(summary.get("duplicated").getAsInt()).isZero();
        assertThat(summary.get("errors").getAsInt()).isZero();
        assertThat(summary.get("greedy_identical").getAsBoolean()).isTrue();
        assertThat(summary.get("inprocess_greedy_identical").getAsBoolean()).isTrue();
        assertThat(summary.get("loop").getAsString()).startsWith("in-memory");

        // ad and sd, each through the full path and in process
        Map<String, JsonObject> runs = new LinkedHashMap<>();
        report.getAsJsonArray("runs")
                .forEach(
                        r -> {
                            JsonObject run = r.getAsJsonObject();
                            runs.put(
                                    run.get("path").getAsString()
                                            + "/"
                                            + run.get("mode").getAsString(),
                                    run);
                        });
        assertThat(runs.keySet())
                .containsExactlyInAnyOrder(
                        "pipeline/ad", "pipeline/sd", "inprocess/ad", "inprocess/sd");
        runs.forEach(PipelineBenchCommandITCase::assertPhysicallyPossible);

        // the headline ratios are the runs' own figures, not numbers of their own
        JsonObject sd = runs.get("pipeline/sd");
        assertThat(summary.get("sd_ad_p50_ratio").getAsDouble())
                .isCloseTo(ms(sd, "p50_ms") / ms(runs.get("pipeline/ad"), "p50_ms"), within(1e-9));
        assertThat(summary.get("pipeline_inprocess_ratio").getAsDouble())
                .isCloseTo(ms(sd, "p50_ms") / ms(runs.get("inprocess/sd"), "p50_ms"), within(1e-9));
        assertThat(summary.get("loop_overhead_ms_p50").getAsDouble())
                .isEqualTo(ms(sd, "loop_overhead_ms_p50"));
    }

    /** What any run must satisfy, however fast the machine. */
    private static void assertPhysicallyPossible(String name, JsonObject run) {
        boolean pipeline = name.startsWith("pipeline/");
        boolean speculative = name.endsWith("/sd");
        assertThat(run.get("results").getAsInt()).as(name).isEqualTo(REQUESTS);
        assertThat(run.get("lost").getAsInt()).as(name).isZero();
        assertThat(run.get("duplicated").getAsInt()).as(name).isZero();

        double p50 = ms(run, "p50_ms");
        double max = ms(run, "max_ms");
        assertThat(p50).as(name).isPositive();
        assertThat(ms(run, "p90_ms")).as(name).isBetween(p50, max);
        assertThat(ms(run, "p99_ms")).as(name).isBetween(ms(run, "p90_ms"), max);
        // the last result comes no sooner than the slowest request's latency after the first send
        assertThat(run.get("throughput_per_s").getAsDouble())
                .as(name)
                .isPositive()
                .isLessThanOrEqualTo(REQUESTS * 1000 / max + 1e-9);

        // the parts of a request's latency add up to it (the loop overhead lies within waiting)
        JsonObject parts = run.getAsJsonObject("mean_ms");
        double sum = 0;
        for (String part :
                List.of("queueing", "batching", "admission", "waiting", "model", "delivery")) {
            assertThat(parts.get(part).getAsDouble()).as(name + " " + part).isNotNegative();
            sum += parts.get(part).getAsDouble();
        }
        assertThat(sum).as(name + " parts").isCloseTo(ms(parts, "total"), within(1.0));
        assertThat(ms(parts, "model")).as(name).isPositive();
        // waiting is what remains of millisecond timestamps, the overhead is timed in nanoseconds:
        // the remainder can fall short of the overhead by the roundings (as in TandemJobITCase)
        assertThat(ms(parts, "loop_overhead"))
                .as(name)
                .isBetween(0.0, ms(parts, "waiting") + WALL_CLOCK_ROUNDING_MS);
        if (pipeline) {
            assertThat(ms(run, "loop_overhead_ms_p50")).as(name).isBetween(0.0, max);
        } else {
            // in process nothing crosses Kafka or goes round a loop
            assertThat(ms(parts, "queueing")).as(name).isZero();
            assertThat(ms(parts, "delivery")).as(name).isZero();
            assertThat(ms(parts, "loop_overhead")).as(name).isZero();
        }

        // every batch counted once under the length it drafted; the planner may split a window
        int batches = run.get("batches").getAsInt();
        long counted =
                run.getAsJsonObject("batches_by_speculation_length").entrySet().stream()
                        .mapToLong(e -> e.getValue().getAsLong())
                        .sum();
        assertThat(counted).as(name).isEqualTo(batches);
        assertThat(batches).as(name).isBetween(run.get("windows").getAsInt(), REQUESTS);
        double tokensPerRound = run.get("tokens_per_round").getAsDouble();
        if (speculative) {
            // a verification keeps at most every drafted token and adds the target's own
            int longest =
                    Stream.of("rounds_by_speculation_length", "batches_by_speculation_length")
                            .flatMap(key -> run.getAsJsonObject(key).keySet().stream())
                            .mapToInt(Integer::parseInt)
                            .max()
                            .orElseThrow();
            assertThat(tokensPerRound).as(name).isBetween(1.0, longest + 1.0);
            assertThat(run.get("acceptance").getAsDouble()).as(name).isBetween(0.0, 1.0);
        } else {
            assertThat(tokensPerRound).as(name).isEqualTo(1.0);
            assertThat(run.has("acceptance")).as(name).isFalse();
            assertThat(run.getAsJsonObject("batches_by_speculation_length").keySet())
                    .as(name)
                    .containsExactly("0");
        }
    }

    private static double ms(JsonObject json, String key) {
        assertThat(json.has(key)).as(key).isTrue();
        return json.get(key).getAsDouble();
    }
}
