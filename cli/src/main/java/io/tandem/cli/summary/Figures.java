package io.tandem.cli.summary;

import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Named figures: an object in the JSON (or members of the top level when the key is null), and in
 * the terminal a list of labelled values, a table of figures and their goals ({@link #asTable()})
 * or a single row under the labels ({@link #asRow(String)}).
 */
public final class Figures implements Section {

    private enum Layout {
        LIST,
        TABLE,
        ROW
    }

    /** One figure; a null key keeps it out of the JSON, a null label off the terminal. */
    private record Figure(String key, String label, Value value, String goal) {}

    private final String key;
    private final String title;
    private final List<Figure> figures = new ArrayList<>();
    private Layout layout = Layout.LIST;
    private String rowLabel;

    Figures(String key, String title) {
        this.key = key;
        this.title = title;
    }

    /** A figure both renderings show. */
    public Figures add(String key, String label, Object value) {
        return add(key, label, value, null);
    }

    /**
     * @param goal what the figure should reach, shown beside it (reported, never asserted)
     */
    public Figures add(String key, String label, Object value, String goal) {
        figures.add(new Figure(key, label, Value.of(value), goal));
        return this;
    }

    /** A figure only the JSON has. */
    public Figures json(String key, Object value) {
        return add(key, null, value, null);
    }

    /** A figure only the terminal shows. */
    public Figures shown(String label, Object value) {
        return add(null, label, value, null);
    }

    /** Shows the figures as a table of figure, value and goal. */
    public Figures asTable() {
        layout = Layout.TABLE;
        return this;
    }

    /**
     * Shows the figures as one row under their labels.
     *
     * @param rowLabel the row's name in a first column, or null for none
     */
    public Figures asRow(String rowLabel) {
        layout = Layout.ROW;
        this.rowLabel = rowLabel;
        return this;
    }

    @Override
    public void print(PrintStream out) {
        List<Figure> shown = figures.stream().filter(f -> f.label() != null).toList();
        if (title == null || shown.isEmpty()) {
            return;
        }
        switch (layout) {
            case LIST -> {
                int width = shown.stream().mapToInt(f -> f.label().length()).max().orElse(0);
                out.println(title);
                for (Figure f : shown) {
                    out.println(
                            "  "
                                    + f.label()
                                    + " ".repeat(width + 1 - f.label().length())
                                    + f.value().text());
                }
            }
            case TABLE -> {
                boolean goals = shown.stream().anyMatch(f -> f.goal() != null);
                TextTable table =
                        goals
                                ? new TextTable(title, "figure", "value", "goal")
                                : new TextTable(title, "figure", "value");
                for (Figure f : shown) {
                    String goal = f.goal() == null ? "" : f.goal();
                    table.row(
                            goals
                                    ? new String[] {f.label(), f.value().text(), goal}
                                    : new String[] {f.label(), f.value().text()});
                }
                table.print(out);
            }
            case ROW -> {
                List<String> header = new ArrayList<>();
                List<String> row = new ArrayList<>();
                if (rowLabel != null) {
                    header.add("");
                    row.add(rowLabel);
                }
                shown.forEach(f -> header.add(f.label()));
                shown.forEach(f -> row.add(f.value().text()));
                new TextTable(title, header.toArray(String[]::new))
                        .row(row.toArray(String[]::new))
                        .print(out);
            }
        }
    }

    @Override
    public void addTo(JsonObject root) {
        if (figures.stream().noneMatch(f -> f.key() != null)) {
            return;
        }
        JsonObject json = key == null ? root : Summary.object(root, key);
        for (Figure f : figures) {
            if (f.key() != null && f.value().json() != null) {
                json.add(f.key(), f.value().json());
            }
        }
    }
}
