package io.tandem.cli.replay;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
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

    /**
     * One compared figure; the ratio is NaN when A's figure is 0 or either is missing.
     *
     * @param better which way is better: {@code lower}, {@code higher}, or empty for neither
     */
    public record Row(String figure, double a, double b, String better) {
        public double ratio() {
            return a == 0 || Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : b / a;
        }
    }

    /** Each figure compared, with which way is better; then every part of the latency. */
    private static final List<String[]> FIGURES = figures();

    private static List<String[]> figures() {
        List<String[]> figures =
                new ArrayList<>(
                        List.of(
                                new String[] {"requests", ""},
                                new String[] {"answered", "higher"},
                                new String[] {"lost", "lower"},
                                new String[] {"duplicated", "lower"},
                                new String[] {"rejected", "lower"},
                                new String[] {"failed", "lower"},
                                new String[] {"p50_ms", "lower"},
                                new String[] {"p90_ms", "lower"},
                                new String[] {"p99_ms", "lower"},
                                new String[] {"max_ms", "lower"},
                                new String[] {"mean_ms", "lower"},
                                new String[] {"throughput_rps", "higher"},
                                new String[] {"output_tokens_per_s", "higher"},
                                new String[] {"acceptance_rate", "higher"},
                                new String[] {"tokens_per_round", "higher"},
                                new String[] {"mean_speculation_length", ""},
                                new String[] {"ms_per_output_token.p50", "lower"},
                                new String[] {"ms_per_output_token.p90", "lower"},
                                new String[] {"generation_ms_per_token.p50", "lower"}));
        for (ReplayOutcome.Part part : ReplayOutcome.Part.values()) {
            figures.add(new String[] {"mean_parts_ms." + part.key(), "lower"});
        }
        return figures;
    }

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
                rows.add(new Row(figure[0], va, vb, figure[1]));
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
        summary().print(out);
    }

    /** The comparison as JSON: both labels and every figure with its ratio. */
    public JsonObject toJson() {
        return summary().toJson();
    }

    public void write(Path file) throws IOException {
        summary().write(file);
    }

    private Summary summary() {
        Summary summary = new Summary();
        summary.figures(null, null).json("a", labelA).json("b", labelB);
        Table table =
                summary.table(
                                "figures",
                                "Replay reports: A = " + labelA + ", B = " + labelB,
                                Column.shown("figure"),
                                Column.of("a", "A"),
                                Column.of("b", "B"),
                                Column.of("b_over_a", "B/A"),
                                Column.shown("better"))
                        .keyed();
        for (Row row : rows()) {
            table.row(row.figure(), row.a(), row.b(), row.ratio(), row.better());
        }
        caveats().forEach(c -> summary.line("Caveat: " + c));
        return summary;
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
