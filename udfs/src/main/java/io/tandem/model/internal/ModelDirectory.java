package io.tandem.model.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a loadable GPT-2 model directory in Hugging Face layout: {@code config.json}, {@code
 * model.safetensors} (float32) and {@code tokenizer.json}. Stateless.
 */
public final class ModelDirectory {

    public static final String TOKENIZER_FILE = "tokenizer.json";

    private ModelDirectory() {}

    /**
     * Writes {@code parameters} (Hugging Face names, see {@link Gpt2Parameters}) with their config
     * and tokenizer into {@code directory}, creating it if needed.
     */
    public static void write(
            Path directory,
            Gpt2Config config,
            Map<String, HostTensor> parameters,
            String tokenizerJson)
            throws IOException {
        Files.createDirectories(directory);
        config.write(directory.resolve(Gpt2Config.FILE_NAME));
        SafetensorsWriter.write(
                directory.resolve(Checkpoint.SINGLE_FILE),
                parameters,
                SafetensorsDtype.F32,
                Map.of("format", "pt"));
        Files.writeString(directory.resolve(TOKENIZER_FILE), tokenizerJson);
    }
}
