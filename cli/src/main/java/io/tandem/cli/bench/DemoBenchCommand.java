package io.tandem.cli.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.planner.stats.Percentiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tandem demo} of this checkout against the demo of another one (a previous revision, say)
 * on the same machine in one run: the runs alternate, so drift in the machine's load falls on both
 * alike, and each run is a fresh process, as a user's would be. Each demo builds itself on first
 * use through its own {@code ./tandem}; the demo's own summary (its {@code --json}) is what is
 * compared.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "./tandem demo of this checkout against another checkout's, alternating, in one"
                        + " run: the demo burst's p50 and max latency and their ratio.")
public final class DemoBenchCommand implements Callable<Integer> {

    private static final long RUN_TIMEOUT_MINUTES = 10;

    @Option(
            names = "--baseline",
            paramLabel = "DIR",
            required = true,
            description =
                    "Checkout to compare with, e.g. from `git worktree add /tmp/prev <rev>`; its"
                            + " ./tandem builds it on first use.")
    Path baseline;

    @Option(
            names = "--runs",
            paramLabel = "N",
            defaultValue = "3",
            description = "Demos per checkout (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary as JSON.")
    Path json;

    /** One demo's figures. */
    record DemoRun(String checkout, int run, double p50Ms, double maxMs, boolean complete) {}

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path self = Path.of(System.getProperty("tandem.home", ".")).toAbsolutePath().normalize();
        Path other = baseline.toAbsolutePath().normalize();
        if (!Files.isExecutable(other.resolve("tandem"))) {
            throw new IllegalArgumentException(other + " has no ./tandem: not a Tandem checkout");
        }
        out.printf(
                "Tandem bench demo: %s against %s, %d runs each, alternating%n", self, other, runs);
        List<DemoRun> demos = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            demos.add(demo("baseline", other, run));
            demos.add(demo("this", self, run));
        }
        Summary summary = summary(self, other, demos);
        summary.print(out);
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        return demos.stream().allMatch(DemoRun::complete) ? 0 : 1;
    }

    private DemoRun demo(String checkout, Path dir, int run)
            throws IOException, InterruptedException {
        Path report = Files.createTempFile("tandem-demo-", ".json");
        Path log = Files.createTempFile("tandem-demo-", ".log");
        try {
            Process process =
                    new ProcessBuilder(
                                    dir.resolve("tandem").toString(),
                                    "demo",
                                    "--json",
                                    report.toString())
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            if (!process.waitFor(RUN_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "the demo in " + dir + " ran past " + RUN_TIMEOUT_MINUTES + " minutes");
            }
            if (Files.size(report) == 0) {
                throw new IllegalStateException(
                        "the demo in "
                                + dir
                                + " wrote no summary; its output:\n"
                                + Files.readString(log));
            }
            JsonObject summary = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
            JsonObject latency = summary.getAsJsonObject("latency_ms");
            DemoRun result =
                    new DemoRun(
                            checkout,
                            run,
                            latency.get("p50").getAsDouble(),
                            latency.get("max").getAsDouble(),
                            process.exitValue() == 0 && summary.get("complete").getAsBoolean());
            System.out.printf(
                    "  %s run %d: p50 %.0f ms, max %.0f ms%n",
                    checkout, run, result.p50Ms(), result.maxMs());
            return result;
        } finally {
            Files.deleteIfExists(report);
            Files.deleteIfExists(log);
        }
    }

    private Summary summary(Path self, Path other, List<DemoRun> demos) {
        Summary summary = new Summary();
        summary.figures(null, null)
                .json("benchmark", "demo")
                .json("this", self.toString())
                .json("baseline", other.toString())
                .json("runs", runs);
        Table table =
                summary.table(
                        "demos",
                        "The demo burst, end-to-end latency (ms)",
                        Column.of("checkout", "checkout"),
                        Column.of("run", "run"),
                        Column.of("p50_ms", "p50"),
                        Column.of("max_ms", "max"),
                        Column.of("complete", "complete"));
        demos.forEach(d -> table.row(d.checkout(), d.run(), d.p50Ms(), d.maxMs(), d.complete()));
        double baselineP50 = median(demos, "baseline");
        double thisP50 = median(demos, "this");
        summary.figures(null, "Median over runs")
                .add("baseline_p50_ms", "baseline p50", Value.number(baselineP50, "%.0f ms"))
                .add("this_p50_ms", "this checkout p50", Value.number(thisP50, "%.0f ms"))
                .add(
                        "this_over_baseline_p50",
                        "this / baseline p50",
                        Value.number(thisP50 / baselineP50, "%.3fx"));
        return summary;
    }

    private static double median(List<DemoRun> demos, String checkout) {
        return Percentiles.median(
                demos.stream()
                        .filter(d -> d.checkout().equals(checkout))
                        .mapToDouble(DemoRun::p50Ms)
                        .toArray());
    }
}
