package io.tandem.cli.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** Writes a benchmark's JSON: its results plus when and where it ran. */
public final class BenchJson {

    private BenchJson() {}

    /** Adds a number, leaving out what was not measured (NaN, infinite) rather than writing it. */
    public static void addMeasured(JsonObject json, String key, double value) {
        if (Double.isFinite(value)) {
            json.addProperty(key, value);
        }
    }

    public static void write(Path file, JsonObject results) throws IOException {
        JsonObject machine = new JsonObject();
        machine.addProperty("cores", Runtime.getRuntime().availableProcessors());
        machine.addProperty("java", System.getProperty("java.version"));
        machine.addProperty(
                "os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        results.addProperty("measured_at", Instant.now().toString());
        results.add("machine", machine);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(
                file, new GsonBuilder().setPrettyPrinting().create().toJson(results) + "\n");
    }
}
