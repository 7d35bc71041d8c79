package io.tandem.cli.summary;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SummaryTest {

    @Test
    void aFigureIsNamedOnceAndShownBothWays() {
        Summary summary = new Summary();
        summary.figures("summary", "Summary")
                .asTable()
                .add("p50_ms", "p50 (ms)", 12.345, "<= 20")
                .add("lost", "lost", 0, "0")
                .add("p99_ms", "p99 (ms)", Double.NaN, "<= 50")
                .json("reference", "ad")
                .shown("note", "terminal only");

        JsonObject json = summary.toJson().getAsJsonObject("summary");
        String text = printed(summary);

        assertThat(json.get("p50_ms").getAsDouble()).isEqualTo(12.345);
        assertThat(json.get("lost").getAsInt()).isZero();
        assertThat(json.has("p99_ms")).as("not measured, so left out").isFalse();
        assertThat(json.get("reference").getAsString()).isEqualTo("ad");
        assertThat(json.has("note")).isFalse();
        assertThat(text)
                .contains("Summary", "figure", "goal", "p50 (ms)", "12.3", "<= 20")
                .containsPattern("p99 \\(ms\\) +- +<= 50")
                .contains("terminal only")
                .doesNotContain("reference");
    }

    @Test
    void tablesThatShareAKeyWriteOneArray() {
        Summary summary = new Summary();
        summary.table(
                        "runs",
                        "Full path",
                        Column.of("mode", "mode"),
                        Column.of("lost", "lost"),
                        Column.json("max_send_lag_ms"))
                .row("sd", 0, 1.5);
        summary.table(
                        "runs",
                        "In process",
                        Column.of("mode", "mode"),
                        Column.json("lost"),
                        Column.shown("full/in-process"))
                .row("sd", 0, 1.1);

        JsonObject json = summary.toJson();
        String text = printed(summary);

        assertThat(json.getAsJsonArray("runs")).hasSize(2);
        JsonObject full = json.getAsJsonArray("runs").get(0).getAsJsonObject();
        JsonObject local = json.getAsJsonArray("runs").get(1).getAsJsonObject();
        assertThat(full.keySet()).containsExactly("mode", "lost", "max_send_lag_ms");
        assertThat(local.keySet()).containsExactly("mode", "lost");
        assertThat(text)
                .contains("Full path", "In process", "full/in-process", "1.10")
                .doesNotContain("max_send_lag_ms");
    }

    @Test
    void keyedTablesAreObjectsAndDottedKeysNest() {
        Summary summary = new Summary();
        summary.figures("setup", null).json("users", 8);
        summary.table("setup.fits", "Fits", Column.of("role", "model"), Column.of("fixed_ms", "c0"))
                .keyed()
                .row(new Value(JsonParser.parseString("\"draft\""), "austen-draft"), 0.1);

        JsonObject setup = summary.toJson().getAsJsonObject("setup");

        assertThat(setup.get("users").getAsInt()).isEqualTo(8);
        assertThat(
                        setup.getAsJsonObject("fits")
                                .getAsJsonObject("draft")
                                .get("fixed_ms")
                                .getAsDouble())
                .isEqualTo(0.1);
        assertThat(printed(summary)).contains("austen-draft").doesNotContain("users");
    }

    @Test
    void aRowShowsItsFiguresUnderTheirLabels() {
        Summary summary = new Summary();
        summary.figures("mean_parts_ms", "Where the time went")
                .asRow("mean ms")
                .add("queueing", "queueing", 4.0)
                .add("verify", "verify", 120.0);

        String[] lines = printed(summary).split("\n");

        assertThat(lines[0]).isEqualTo("Where the time went");
        assertThat(lines[1]).contains("queueing", "verify");
        assertThat(lines[3]).contains("mean ms", "4.00", "120");
        assertThat(summary.toJson().getAsJsonObject("mean_parts_ms").keySet())
                .containsExactly("queueing", "verify");
    }

    @Test
    void writesWhenAndWhereItWasMeasured(@TempDir Path dir) throws Exception {
        Summary summary = new Summary();
        summary.figures(null, "Summary").add("requests", "requests", 3);
        Path file = dir.resolve("out/summary.json");

        summary.write(file);

        JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        assertThat(json.get("requests").getAsInt()).isEqualTo(3);
        assertThat(json.keySet()).contains("measured_at", "machine");
    }

    private static String printed(Summary summary) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        summary.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
