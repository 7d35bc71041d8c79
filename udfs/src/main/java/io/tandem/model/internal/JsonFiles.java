package io.tandem.model.internal;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the JSON files of a model directory the way Hugging Face tools do: pretty, nulls kept. */
public final class JsonFiles {

    private JsonFiles() {}

    public static void write(Path file, JsonElement json) throws IOException {
        String text =
                new GsonBuilder()
                        .setPrettyPrinting()
                        .serializeNulls()
                        .disableHtmlEscaping()
                        .create()
                        .toJson(json);
        Files.writeString(file, text + "\n");
    }
}
