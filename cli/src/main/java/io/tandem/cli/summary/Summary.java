package io.tandem.cli.summary;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a command found, built once as data and shown two ways: as tables in the terminal and as
 * JSON for scripts and later comparison. Each figure is named once with both its JSON key and its
 * terminal label, so the two renderings cannot drift apart. Sections print in the order they were
 * added; keys with dots ({@code setup.fits}) nest in the JSON.
 */
public final class Summary {

    private final List<Section> sections = new ArrayList<>();

    /**
     * Adds named figures.
     *
     * @param key where they go in the JSON; null for the top level
     * @param title their heading in the terminal; null to keep them off it
     */
    public Figures figures(String key, String title) {
        Figures figures = new Figures(key, title);
        sections.add(figures);
        return figures;
    }

    /**
     * Adds a table.
     *
     * @param key where its rows go in the JSON; null to keep it out
     * @param title its heading in the terminal; null to keep it off it
     */
    public Table table(String key, String title, Column... columns) {
        Table table = new Table(key, title, Arrays.asList(columns));
        sections.add(table);
        return table;
    }

    /** Adds a table only the terminal shows: a view of figures the JSON holds in another shape. */
    public Table table(String title, String... headers) {
        return table(null, title, Arrays.stream(headers).map(Column::shown).toArray(Column[]::new));
    }

    /** Adds a line of text only the terminal shows: a note, a caveat, an empty line. */
    public Summary line(String text) {
        sections.add(
                new Section() {
                    @Override
                    public void print(PrintStream out) {
                        out.println(text);
                    }

                    @Override
                    public void addTo(JsonObject root) {}
                });
        return this;
    }

    public void print(PrintStream out) {
        sections.forEach(s -> s.print(out));
    }

    public JsonObject toJson() {
        JsonObject root = new JsonObject();
        sections.forEach(s -> s.addTo(root));
        return root;
    }

    /** Writes the JSON, with when and where it was measured, creating the directory if needed. */
    public void write(Path file) throws IOException {
        JsonObject json = toJson();
        JsonObject machine = new JsonObject();
        machine.addProperty("cores", Runtime.getRuntime().availableProcessors());
        machine.addProperty("java", System.getProperty("java.version"));
        machine.addProperty(
                "os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        json.addProperty("measured_at", Instant.now().toString());
        json.add("machine", machine);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n");
    }

    /** The object at {@code path} (dotted) under {@code root}, created where missing. */
    static JsonObject object(JsonObject root, String path) {
        JsonObject at = root;
        for (String name : path.split("\\.")) {
            JsonElement next = at.get(name);
            if (next == null) {
                next = new JsonObject();
                at.add(name, next);
            }
            at = next.getAsJsonObject();
        }
        return at;
    }

    /** The array at {@code path} (dotted) under {@code root}, created where missing. */
    static JsonArray array(JsonObject root, String path) {
        int dot = path.lastIndexOf('.');
        JsonObject parent = dot < 0 ? root : object(root, path.substring(0, dot));
        String name = path.substring(dot + 1);
        if (!parent.has(name)) {
            parent.add(name, new JsonArray());
        }
        return parent.getAsJsonArray(name);
    }
}
