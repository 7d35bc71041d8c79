package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportComparisonTest {

    private static final JsonObject AD =
            JsonParser.parseString(
                            "{\"trace\":\"traces/azure-sample.csv\",\"mode\":\"ad\",\"speedup\":20,"
                                    + "\"requests\":24,\"lost\":0,\"p50_ms\":400,\"p99_ms\":900,"
                                    + "\"throughput_rps\":2.0,"
                                    + "\"mean_parts_ms\":{\"verify\":300}}")
                    .getAsJsonObject();
    private static final JsonObject SD =
            JsonParser.parseString(
                            "{\"trace\":\"traces/azure-sample.csv\",\"mode\":\"sd\",\"speedup\":20,"
                                    + "\"requests\":24,\"lost\":0,\"p50_ms\":300,\"p99_ms\":990,"
                                    + "\"throughput_rps\":2.5,\"acceptance_rate\":0.6,"
                                    + "\"mean_parts_ms\":{\"verify\":150}}")
                    .getAsJsonObject();

    @Test
    void comparesEveryFigureEitherReportHasWithBOverA() {
        ReportComparison comparison = new ReportComparison("ad", AD, "sd", SD);

        assertThat(comparison.rows())
                .extracting(ReportComparison.Row::figure)
                .containsExactly(
                        "requests",
                        "lost",
                        "p50_ms",
                        "p99_ms",
                        "throughput_rps",
                        "acceptance_rate",
                        "mean_parts_ms.verify");
        JsonObject figures = comparison.toJson().getAsJsonObject("figures");
        assertThat(figures.getAsJsonObject("p50_ms").get("b_over_a").getAsDouble())
                .isCloseTo(0.75, within(1e-9));
        assertThat(figures.getAsJsonObject("mean_parts_ms.verify").get("b_over_a").getAsDouble())
                .isCloseTo(0.5, within(1e-9));
        // 0 lost in A: no ratio; only in B: no ratio
        assertThat(figures.getAsJsonObject("lost").has("b_over_a")).isFalse();
        assertThat(figures.getAsJsonObject("acceptance_rate").has("a")).isFalse();
        assertThat(comparison.caveats()).isEmpty();
    }

    @Test
    void warnsWhenTheReportsDidNotReplayTheSameThing() {
        JsonObject other = SD.deepCopy();
        other.addProperty("speedup", 5);
        other.addProperty("interrupted", true);

        assertThat(new ReportComparison("ad", AD, "sd", other).caveats())
                .containsExactly(
                        "speedup differs: 20 against 5", "a report is partial (interrupted)");
    }

    @Test
    void readsAReportFromItsDirectoryOrSummaryAndExplainsAMissingOne(@TempDir Path dir)
            throws Exception {
        Files.writeString(dir.resolve("summary.json"), SD.toString());

        assertThat(ReportComparison.read(dir)).isEqualTo(SD);
        assertThat(ReportComparison.read(dir.resolve("summary.json"))).isEqualTo(SD);
        assertThatThrownBy(() -> ReportComparison.read(dir.resolve("nowhere")))
                .hasMessageContaining("No replay report at");
    }
}
