package io.tandem.cli.serve;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.job.config.JobConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Where a running {@code ./tandem serve} can be reached: the broker and the three topics, and the
 * serving process, written once it serves and removed when it stops, so that {@code ./tandem send}
 * in another terminal finds it without options.
 */
record ServeFile(
        String bootstrapServers,
        String requestsTopic,
        String resultsTopic,
        String deadLetterTopic,
        long pid) {

    /** The file's place when no {@code --state} is given, in the checkout's run directory. */
    static final String DEFAULT = "run/serve.json";

    /** {@code state} as given if absolute, else in the checkout, wherever the command runs from. */
    static Path locate(Path state) {
        String home = System.getProperty("tandem.home");
        return state.isAbsolute() || home == null ? state : Path.of(home).resolve(state);
    }

    static ServeFile of(JobConfig config) {
        return new ServeFile(
                config.kafka().bootstrapServers(),
                config.kafka().requestsTopic(),
                config.kafka().resultsTopic(),
                config.kafka().deadLetterTopic(),
                ProcessHandle.current().pid());
    }

    /** Writes the file whole or not at all: a reader never sees half of it. */
    void write(Path file) throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("bootstrap_servers", bootstrapServers);
        json.addProperty("requests_topic", requestsTopic);
        json.addProperty("results_topic", resultsTopic);
        json.addProperty("dead_letter_topic", deadLetterTopic);
        json.addProperty("pid", pid);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path partial = Files.createTempFile(parent, "serve", ".json.partial");
        Files.writeString(partial, new GsonBuilder().setPrettyPrinting().create().toJson(json));
        Files.move(
                partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The file's contents if it names a serving process that still runs. */
    static Optional<ServeFile> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        ServeFile serve =
                new ServeFile(
                        json.get("bootstrap_servers").getAsString(),
                        json.get("requests_topic").getAsString(),
                        json.get("results_topic").getAsString(),
                        json.get("dead_letter_topic").getAsString(),
                        json.get("pid").getAsLong());
        // a file left by a serve that was killed outright names a process that is gone
        return ProcessHandle.of(serve.pid()).filter(ProcessHandle::isAlive).map(p -> serve);
    }
}
