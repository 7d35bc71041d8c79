package io.tandem.cli.summary;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of figures under {@link Column}s: a titled table in the terminal, an array of objects (one
 * per row) in the JSON. Tables that share a key add their rows to one array, so the terminal can
 * show groups of rows apart that the JSON lists together. A {@link #keyed()} table is an object in
 * the JSON instead, with a member per row named by its first cell.
 */
public final class Table implements Section {

    private final String key;
    private final String title;
    private final List<Column> columns;
    private final List<Value[]> rows = new ArrayList<>();
    private boolean keyed;

    Table(String key, String title, List<Column> columns) {
        this.key = key;
        this.title = title;
        this.columns = List.copyOf(columns);
    }

    /** Adds a row, a cell per column; each cell as {@link Value#of(Object)} takes it. */
    public Table row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException(
                    cells.length + " cells for " + columns.size() + " columns");
        }
        rows.add(Arrays.stream(cells).map(Value::of).toArray(Value[]::new));
        return this;
    }

    /** Makes the JSON an object with a member per row, named by the row's first cell. */
    public Table keyed() {
        keyed = true;
        return this;
    }

    @Override
    public void print(PrintStream out) {
        if (title == null) {
            return;
        }
        List<Integer> shown = new ArrayList<>();
        for (int c = 0; c < columns.size(); c++) {
            if (columns.get(c).header() != null) {
                shown.add(c);
            }
        }
        TextTable table =
                new TextTable(
                        title,
                        shown.stream().map(c -> columns.get(c).header()).toArray(String[]::new));
        for (Value[] row : rows) {
            table.row(shown.stream().map(c -> row[c].text()).toArray(String[]::new));
        }
        table.print(out);
    }

    @Override
    public void addTo(JsonObject root) {
        if (key == null) {
            return;
        }
        if (keyed) {
            JsonObject members = Summary.object(root, key);
            for (Value[] row : rows) {
                members.add(row[0].json().getAsString(), fields(row, 1));
            }
        } else {
            JsonArray array = Summary.array(root, key);
            rows.forEach(row -> array.add(fields(row, 0)));
        }
    }

    private JsonObject fields(Value[] row, int from) {
        JsonObject json = new JsonObject();
        for (int c = from; c < columns.size(); c++) {
            if (columns.get(c).key() != null && row[c].json() != null) {
                json.add(columns.get(c).key(), row[c].json());
            }
        }
        return json;
    }
}
