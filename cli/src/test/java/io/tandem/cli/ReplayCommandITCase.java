package io.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.cli.replay.SampleTraces;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.MiniClusters;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./tandem replay --embedded} end to end: it starts its own broker and the job (here on a
 * MiniCluster), replays the Azure sample at 20x and writes the report; then {@code ./tandem report
 * --compare} reads it back.
 */
class ReplayCommandITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.twoTaskManagers();

    @Test
    void replaysTheAzureSampleEmbeddedAndWritesTheReport(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report");
        Path trace = SampleTraces.file(SampleTraces.AZURE);

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "replay",
                                "--trace",
                                trace.toString(),
                                "--embedded",
                                "--speedup",
                                "20",
                                "--report",
                                report.toString(),
                                "--corpus",
                                BundledModel.heldOut().toString()));
        args.addAll(BundledModel.pairOptions());
        int exit;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = new CommandLine(new TandemCli()).execute(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        stdout.print(out);

        assertThat(exit).isZero();
        assertThat(out).contains("Replay of azure-sample.csv").contains("p50 ms");
        JsonObject summary =
                JsonParser.parseString(Files.readString(report.resolve("summary.json")))
                        .getAsJsonObject();
        long lines;
        try (Stream<String> csv = Files.lines(trace)) {
            lines = csv.count() - 1; // the header
        }
        assertThat(summary.get("requests").getAsLong()).isEqualTo(lines);
        assertThat(summary.get("answered").getAsLong()).isEqualTo(lines);
        assertThat(summary.get("lost").getAsInt()).isZero();
        assertThat(summary.get("duplicated").getAsInt()).isZero();
        assertThat(summary.get("mode").getAsString()).isEqualTo("sd");
        for (String key : List.of("p50_ms", "p90_ms", "p99_ms", "throughput_rps")) {
            assertThat(summary.get(key).getAsDouble()).as(key).isPositive();
        }
        assertThat(summary.get("p99_ms").getAsDouble())
                .isGreaterThanOrEqualTo(summary.get("p50_ms").getAsDouble());
        assertThat(summary.get("acceptance_rate").getAsDouble()).isBetween(0.0, 1.0);
        assertThat(Files.readAllLines(report.resolve("requests.csv"))).hasSize((int) lines + 1);
        try (Stream<Path> files = Files.list(report)) {
            List<Path> plots = files.filter(f -> f.toString().endsWith(".png")).toList();
            assertThat(plots).hasSize(6);
            for (Path plot : plots) {
                BufferedImage image = ImageIO.read(plot.toFile());
                assertThat(image).as(plot.toString()).isNotNull();
            }
        }

        Path comparison = dir.resolve("compare.json");
        int compared =
                new CommandLine(new TandemCli())
                        .execute(
                                "report",
                                "--compare",
                                report.toString(),
                                report.resolve("summary.json").toString(),
                                "--json",
                                comparison.toString());
        assertThat(compared).isZero();
        JsonObject figures =
                JsonParser.parseString(Files.readString(comparison))
                        .getAsJsonObject()
                        .getAsJsonObject("figures");
        assertThat(figures.getAsJsonObject("p50_ms").get("b_over_a").getAsDouble()).isEqualTo(1.0);
    }

    @Test
    void refusesToReplayWithoutATargetOrWithAModeForARunningJob() {
        String trace = SampleTraces.file(SampleTraces.AZURE).toString();

        int neither = new CommandLine(new TandemCli()).execute("replay", "--trace", trace);
        int modeForRunningJob =
                new CommandLine(new TandemCli())
                        .execute(
                                "replay",
                                "--trace",
                                trace,
                                "--bootstrap",
                                "localhost:1",
                                "--mode",
                                "ad");

        assertThat(neither).isEqualTo(2);
        assertThat(modeForRunningJob).isEqualTo(2);
    }
}
