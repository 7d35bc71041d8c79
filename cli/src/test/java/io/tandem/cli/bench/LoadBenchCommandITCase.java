package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonElement;
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
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./tandem bench load} on real parts, kept small: eight requests at two rates in every mode,
 * through an embedded Kafka broker and the job on a two-TaskManager MiniCluster, on the bundled
 * pair (its capacity measured by a burst) and on stages emulated from the H200 profile (its
 * capacity and SLO given).
 */
class LoadBenchCommandITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.twoTaskManagers();

    private static final int REQUESTS = 8;
    private static final double GPU_CAPACITY = 20;
    private static final double GPU_SLO_MS = 1000;

    @Test
    void sweepsBothPairsServingEveryRequestOnceWithFiguresTakenFromTheRuns(@TempDir Path dir)
            throws Exception {
        Path json = dir.resolve("bench-load.json");
        Path plots = dir.resolve("plots");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--pairs",
                                "cpu,gpu",
                                "--requests",
                                String.valueOf(REQUESTS),
                                "--factors",
                                "0.5,1",
                                "--capacity-requests",
                                String.valueOf(REQUESTS),
                                "--gpu-capacity",
                                String.valueOf(GPU_CAPACITY),
                                "--gpu-tpot-slo-ms",
                                String.valueOf(GPU_SLO_MS),
                                "--new-tokens",
                                "16",
                                "--held-out",
                                BundledModel.heldOut().toString(),
                                "--gpu-profile",
                                BundledModel.gpuProfile("h200-68m-7b").toString(),
                                "--json",
                                json.toString(),
                                "--plots",
                                plots.toString()));
        // the bundled pair plans with its own profile; the emulated one must not follow it
        args.addAll(BundledModel.pairOptions());

        int exit = new CommandLine(new LoadBenchCommand()).execute(args.toArray(String[]::new));

        assertThat(exit).isZero();
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonObject summary = report.getAsJsonObject("summary");
        assertThat(summary.keySet())
                .contains(
                        "cpu_sd_ad_p50_ratio_max",
                        "cpu_sd_ad_p99_ratio_max",
                        "cpu_sd_ad_p50_ratio_low",
                        "gpu_sd_ad_p50_ratio_max",
                        "gpu_sd_ad_p50_ratio_low",
                        "gpu_sd_ad_goodput_ratio_at_capacity",
                        "lost",
                        "duplicated",
                        "greedy_identical");
        assertThat(summary.get("lost").getAsInt()).isZero();
        assertThat(summary.get("duplicated").getAsInt()).isZero();
        assertThat(summary.get("errors").getAsInt()).isZero();
        assertThat(summary.get("greedy_identical").getAsBoolean()).isTrue();

        JsonObject pairs = report.getAsJsonObject("pairs");
        JsonObject cpu = pairs.getAsJsonObject("cpu");
        JsonObject gpu = pairs.getAsJsonObject("gpu");
        assertThat(cpu.get("capacity_from").getAsString()).isEqualTo("burst of 8 in ad");
        assertThat(cpu.get("capacity_per_s").getAsDouble()).isPositive();
        assertThat(cpu.get("saturation_lost").getAsInt()).isZero();
        assertThat(cpu.get("saturation_duplicated").getAsInt()).isZero();
        assertThat(cpu.get("planner_profile").getAsString())
                .isEqualTo(BundledModel.pairProfile().toAbsolutePath().normalize().toString());
        assertThat(gpu.get("capacity_from").getAsString()).isEqualTo("given");
        assertThat(gpu.get("capacity_per_s").getAsDouble()).isEqualTo(GPU_CAPACITY);
        assertThat(gpu.get("engine").getAsString()).startsWith("emulated from ");
        assertThat(gpu.get("planner_profile").getAsString()).endsWith("h200-68m-7b.json");
        assertThat(gpu.get("tpot_slo_ms").getAsDouble()).isEqualTo(GPU_SLO_MS);

        // pair -> factor -> mode -> run
        Map<String, Map<Double, Map<String, JsonObject>>> runs = new LinkedHashMap<>();
        for (JsonElement element : report.getAsJsonArray("runs")) {
            JsonObject run = element.getAsJsonObject();
            runs.computeIfAbsent(run.get("pair").getAsString(), p -> new LinkedHashMap<>())
                    .computeIfAbsent(run.get("factor").getAsDouble(), f -> new LinkedHashMap<>())
                    .put(run.get("mode").getAsString(), run);
        }
        assertThat(runs.keySet()).containsExactly("cpu", "gpu");
        for (String pair : runs.keySet()) {
            double capacity = pairs.getAsJsonObject(pair).get("capacity_per_s").getAsDouble();
            assertThat(runs.get(pair).keySet()).as(pair).containsExactly(0.5, 1.0);
            runs.get(pair)
                    .forEach(
                            (factor, modes) -> {
                                assertThat(modes.keySet()).containsExactly("ad", "sd-fixed", "sd");
                                modes.forEach(
                                        (mode, run) ->
                                                assertAnsweredOnceAndConsistent(
                                                        pair + " " + mode + " x" + factor,
                                                        run,
                                                        factor * capacity,
                                                        modes.get("ad")));
                            });
        }

        // the default SLO is twice ad's median TPOT at the lowest rate
        assertThat(cpu.get("tpot_slo_ms").getAsDouble())
                .isCloseTo(2 * number(run(runs, "cpu", 0.5, "ad"), "tpot_ms_p50"), within(1e-9));
        // every emulated result takes far less than the given second a token
        runs.get("gpu").values().stream()
                .flatMap(modes -> modes.values().stream())
                .forEach(run -> assertThat(number(run, "goodput_share")).isEqualTo(1.0));

        // the summary's ratios are the runs' own figures
        assertThat(number(summary, "cpu_sd_ad_p50_ratio_low"))
                .isCloseTo(ratio(runs, "cpu", 0.5, "p50_ms"), within(1e-9));
        assertThat(number(summary, "cpu_sd_ad_p50_ratio_max"))
                .isCloseTo(
                        Math.max(
                                ratio(runs, "cpu", 0.5, "p50_ms"),
                                ratio(runs, "cpu", 1.0, "p50_ms")),
                        within(1e-9));
        assertThat(number(summary, "cpu_sd_ad_p99_ratio_max"))
                .isCloseTo(
                        Math.max(
                                ratio(runs, "cpu", 0.5, "p99_ms"),
                                ratio(runs, "cpu", 1.0, "p99_ms")),
                        within(1e-9));
        assertThat(number(summary, "gpu_sd_ad_p50_ratio_low"))
                .isCloseTo(ratio(runs, "gpu", 0.5, "p50_ms"), within(1e-9));
        assertThat(number(summary, "gpu_sd_ad_p50_ratio_max"))
                .isCloseTo(
                        Math.max(
                                ratio(runs, "gpu", 0.5, "p50_ms"),
                                ratio(runs, "gpu", 1.0, "p50_ms")),
                        within(1e-9));
        assertThat(number(summary, "gpu_sd_ad_goodput_ratio_at_capacity"))
                .isCloseTo(ratio(runs, "gpu", 1.0, "goodput_per_s"), within(1e-9));

        assertThat(plots.resolve("load-cpu.png")).isRegularFile();
        assertThat(plots.resolve("load-gpu.png")).isRegularFile();
    }

    /** What any run must satisfy, however fast the machine. */
    private static void assertAnsweredOnceAndConsistent(
            String name, JsonObject run, double rate, JsonObject ad) {
        assertThat(run.get("requests").getAsInt()).as(name).isEqualTo(REQUESTS);
        assertThat(run.get("results").getAsInt()).as(name).isEqualTo(REQUESTS);
        assertThat(run.get("lost").getAsInt()).as(name).isZero();
        assertThat(run.get("duplicated").getAsInt()).as(name).isZero();
        assertThat(number(run, "rate_per_s")).as(name).isCloseTo(rate, within(1e-9));

        double p50 = number(run, "p50_ms");
        assertThat(p50).as(name).isPositive();
        assertThat(number(run, "p99_ms")).as(name).isGreaterThanOrEqualTo(p50);
        assertThat(number(run, "tpot_ms_p50")).as(name).isPositive();
        double throughput = number(run, "throughput_per_s");
        assertThat(number(run, "goodput_per_s")).as(name).isBetween(0.0, throughput);
        assertThat(number(run, "goodput_share")).as(name).isBetween(0.0, 1.0);
        // at most 16 tokens a request
        assertThat(number(run, "tokens_per_s"))
                .as(name)
                .isPositive()
                .isLessThanOrEqualTo(16 * throughput + 1e-9);
        if (run == ad) {
            assertThat(run.has("p50_vs_ad")).as(name).isFalse();
        } else {
            assertThat(number(run, "p50_vs_ad"))
                    .as(name)
                    .isCloseTo(p50 / number(ad, "p50_ms"), within(1e-9));
            assertThat(number(run, "p99_vs_ad"))
                    .as(name)
                    .isCloseTo(number(run, "p99_ms") / number(ad, "p99_ms"), within(1e-9));
        }
    }

    private static JsonObject run(
            Map<String, Map<Double, Map<String, JsonObject>>> runs,
            String pair,
            double factor,
            String mode) {
        return runs.get(pair).get(factor).get(mode);
    }

    /** sd's {@code key} over ad's, on {@code pair} at {@code factor} times its capacity. */
    private static double ratio(
            Map<String, Map<Double, Map<String, JsonObject>>> runs,
            String pair,
            double factor,
            String key) {
        return number(run(runs, pair, factor, "sd"), key)
                / number(run(runs, pair, factor, "ad"), key);
    }

    private static double number(JsonObject json, String key) {
        assertThat(json.has(key)).as(key).isTrue();
        return json.get(key).getAsDouble();
    }
}
