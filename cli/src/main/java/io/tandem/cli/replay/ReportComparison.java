package io.tandem.cli.replay;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.cli.bench.BenchJson;
import io.tandem.cli.bench.TextTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Two replay reports side by side: each figure of their summaries, and B's over A's. Figures where
 * less is better (latency, losses) and where more is (throughput, acceptance) are both shown as
 * plain ratios; the table says which way is better. Immutable.
 */
public final class ReportComparison {

    /** One compared figure; the ratio is NaN when A's figure is 0 or either is missing. */
    public record Row(String figure, double a, double b, boolean lowerIsBetter) {
        public double ratio() {
            return a == 0 || Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : b / a;
        }
    }

    private static final String[][] FIGURES = {
        {"requests", ""},
        {"answered", "higher"},
        {"lost", "lower"},
        {"duplicated", "lower"},
        {"rejected", "lower"},
        {"failed", "lower"},
        {"p50_ms", "lower"},
        {"p90_ms", "lower"},
        {"p99_ms", "lower"},
        {"max_ms", "lower"},
        {"mean_ms", "lower"},
        {"throughput_rps", "higher"},
        {"output_tokens_per_s", "higher"},
        {"acceptance_rate", "higher"},
        {"tokens_per_round", "higher"},
        {"mean_speculation_length", ""},
        {"ms_per_output_token.p50", "lower"},
        {"ms_per_output_token.p90", "lower"},
        {"generation_ms_per_token.p50", "lower"},
        {"mean_parts_ms.kafka_in", "lower"},
        {"mean_parts_ms.batching", "lower"},
        {"mean_parts_ms.waiting", "lower"},
        {"mean_parts_ms.loop_overhead", "lower"},
        {"mean_parts_ms.draft", "lower"},
        {"mean_parts_ms.verify", "lower"},
        {"mean_parts_ms.delivery", "lower"},
    };

    private final String labelA;
    private final String labelB;
    private final JsonObject a;
    private final JsonObject b;

    public ReportComparison(String labelA, JsonObject a, String labelB, JsonObject b) {
        this.labelA = labelA;
        this.labelB = labelB;
        this.a = a;
        this.b = b;
    }

    /** Reads a report: its directory or its {@value ReplayReport#SUMMARY}. */
    public static JsonObject read(Path report) throws IOException {
        Path file = Files.isDirectory(report) ? report.resolve(ReplayReport.SUMMARY) : report;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "No replay report at " + report + " (expected " + ReplayReport.SUMMARY + ")");
        }
        return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                .getAsJsonObject();
    }

    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (String[] figure : FIGURES) {
            double va = value(a, figure[0]);
            double vb = value(b, figure[0]);
            if (!Double.isNaN(va) || !Double.isNaN(vb)) {
                rows.add(new Row(figure[0], va, vb, figure[1].equals("lower")));
            }
        }
        return rows;
    }

    /** Differences that make the comparison unfair, e.g. another trace; empty if none. */
    public List<String> caveats() {
        List<String> caveats = new ArrayList<>();
        for (String key : List.of("trace", "speedup", "limit")) {
            String va = text(a, key);
            String vb = text(b, key);
            boolean same =
                    Double.isNaN(value(a, key))
                            ? va.equals(vb)
                            : value(a, key) == value(b, key); // 20 and 20.0 are one speed-up
            if (!same) {
                caveats.add(key + " differs: " + va + " against " + vb);
            }
        }
        if (a.has("interrupted") && a.get("interrupted").getAsBoolean()
                || b.has("interrupted") && b.get("interrupted").getAsBoolean()) {
            caveats.add("a report is partial (interrupted)");
        }
        return caveats;
    }

    public void print(PrintStream out) {
        TextTable table =
                new TextTable(
                        "Replay reports: A = " + labelA + ", B = " + labelB,
                        "figure",
                        "A",
                        "B",
                        "B/A",
                        "better");
        for (Row row : rows()) {
            table.row(
                    row.figure(),
                    row.a(),
                    row.b(),
                    row.ratio(),
                    row.figure().equals("requests")
                                    || row.figure().equals("mean_speculation_length")
                            ? ""
                            : row.lowerIsBetter() ? "lower" : "higher");
        }
        table.print(out);
        caveats().forEach(c -> out.println("Caveat: " + c));
    }

    /** The comparison as JSON: both labels and every figure with its ratio. */
    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        json.addProperty("a", labelA);
        json.addProperty("b", labelB);
        JsonObject figures = new JsonObject();
        for (Row row : rows()) {
            JsonObject figure = new JsonObject();
            BenchJson.addMeasured(figure, "a", row.a());
            BenchJson.addMeasured(figure, "b", row.b());
            BenchJson.addMeasured(figure, "b_over_a", row.ratio());
            figures.add(row.figure(), figure);
        }
        json.add("figures", figures);
        return json;
    }

    /** A short label for a report: its mode and trace. */
    public static String label(JsonObject summary) {
        return text(summary, "mode") + " on " + Path.of(text(summary, "trace")).getFileName();
    }

    private static double value(JsonObject json, String path) {
        JsonElement element = json;
        for (String key : path.split("\\.")) {
            if (!element.isJsonObject() || !element.getAsJsonObject().has(key)) {
                return Double.NaN;
            }
            element = element.getAsJsonObject().get(key);
        }
        return element.isJsonPrimitive() && element.getAsJsonPrimitive().isNumber()
                ? element.getAsDouble()
                : Double.NaN;
    }

    private static String text(JsonObject json, String key) {
        return json.has(key) ? json.get(key).getAsString() : "-";
    }
}
