package io.tandem.cli.replay;

import java.nio.file.Path;
import java.util.Locale;

/** The request-trace formats {@code ./tandem replay} reads. */
public enum TraceFormat {
    /** Azure LLM inference trace CSV: {@code TIMESTAMP,ContextTokens,GeneratedTokens}. */
    AZURE,
    /** Mooncake JSONL: {@code timestamp} (ms), {@code input_length}, {@code output_length}. */
    MOONCAKE,
    /** Tandem's JSONL: arrival, prompt text or length, output length, sampling, tenant. */
    JSONL;

    /** The format called {@code name} ({@code azure}, {@code mooncake}, {@code jsonl}). */
    public static TraceFormat of(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Unknown trace format " + name + ": expected azure, mooncake or jsonl", e);
        }
    }

    /**
     * The format a file's name suggests: {@code .csv} is Azure's; JSONL is Tandem's unless the name
     * says Mooncake.
     */
    public static TraceFormat guess(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return AZURE;
        }
        return name.contains("mooncake") ? MOONCAKE : JSONL;
    }
}
