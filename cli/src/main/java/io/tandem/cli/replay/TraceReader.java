package io.tandem.cli.replay;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Reads a trace one line at a time, so a trace of any length replays in bounded memory. A line that
 * does not parse is skipped and reported (its number and why), never fatal; the first {@value
 * #KEPT_PROBLEMS} problems are kept for the report and the rest only counted. Arrival times are
 * made relative to the first request.
 *
 * <p>Not thread-safe.
 */
public final class TraceReader implements Iterator<TraceRequest>, AutoCloseable {

    /** Problems kept with their reason; later ones are counted only. */
    static final int KEPT_PROBLEMS = 100;

    // Azure's 2023 traces write seven fractional digits, the 2024 ones six
    private static final DateTimeFormatter AZURE_TIME =
            new DateTimeFormatterBuilder()
                    .appendPattern("yyyy-MM-dd HH:mm:ss")
                    .optionalStart()
                    .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
                    .optionalEnd()
                    .toFormatter();

    /** A line that was skipped, and why. */
    public record Problem(long line, String reason) {}

    private final BufferedReader in;
    private final TraceFormat format;
    private final List<Problem> problems = new ArrayList<>();
    private long problemCount;
    private long lineNumber;
    private Long firstArrival; // µs
    private TraceRequest next;

    private TraceReader(BufferedReader in, TraceFormat format) {
        this.in = in;
        this.format = format;
    }

    /** Opens {@code file} in {@code format}. */
    public static TraceReader open(Path file, TraceFormat format) throws IOException {
        return new TraceReader(Files.newBufferedReader(file, StandardCharsets.UTF_8), format);
    }

    @Override
    public boolean hasNext() {
        while (next == null) {
            String line;
            try {
                line = in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (line == null) {
                return false;
            }
            lineNumber++;
            if (line.isBlank() || isHeader(line)) {
                continue;
            }
            try {
                next = parse(line);
            } catch (RuntimeException e) {
                problem(e.getMessage() != null ? e.getMessage() : e.toString());
            }
        }
        return true;
    }

    @Override
    public TraceRequest next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        TraceRequest request = next;
        next = null;
        return request;
    }

    /** The first skipped lines, with reasons. */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /** How many lines were skipped. */
    public long problemCount() {
        return problemCount;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private boolean isHeader(String line) {
        return lineNumber == 1 && format == TraceFormat.AZURE && line.startsWith("TIMESTAMP");
    }

    private void problem(String reason) {
        problemCount++;
        if (problems.size() < KEPT_PROBLEMS) {
            problems.add(new Problem(lineNumber, reason));
        }
    }

    private TraceRequest parse(String line) {
        return switch (format) {
            case AZURE -> azure(line);
            case MOONCAKE -> mooncake(json(line));
            case JSONL -> tandem(json(line));
        };
    }

    private TraceRequest azure(String line) {
        String[] fields = line.split(",", -1);
        if (fields.length != 3) {
            throw new IllegalArgumentException(
                    "expected TIMESTAMP,ContextTokens,GeneratedTokens, got "
                            + fields.length
                            + " fields");
        }
        LocalDateTime time;
        try {
            time = LocalDateTime.parse(fields[0].trim(), AZURE_TIME);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad TIMESTAMP " + fields[0].trim());
        }
        long epochMicros = ChronoUnit.MICROS.between(LocalDateTime.of(2000, 1, 1, 0, 0), time);
        return request(
                epochMicros,
                integer(fields[1], "ContextTokens"),
                integer(fields[2], "GeneratedTokens"),
                null,
                0f,
                1f,
                null,
                null);
    }

    private TraceRequest mooncake(JsonObject o) {
        return request(
                1000 * longField(o, "timestamp"),
                intField(o, "input_length"),
                intField(o, "output_length"),
                null,
                0f,
                1f,
                null,
                null);
    }

    private TraceRequest tandem(JsonObject o) {
        String prompt = o.has("prompt") ? o.get("prompt").getAsString() : null;
        if (prompt == null && !o.has("input_tokens")) {
            throw new IllegalArgumentException("needs prompt or input_tokens");
        }
        return request(
                1000 * longField(o, "timestamp_ms"),
                prompt != null
                        ? prompt.getBytes(StandardCharsets.UTF_8).length
                        : intField(o, "input_tokens"),
                intField(o, "max_new_tokens"),
                prompt,
                o.has("temperature") ? o.get("temperature").getAsFloat() : 0f,
                o.has("top_p") ? o.get("top_p").getAsFloat() : 1f,
                o.has("seed") ? o.get("seed").getAsLong() : null,
                o.has("tenant") ? o.get("tenant").getAsString() : null);
    }

    private TraceRequest request(
            long timeMicros,
            int input,
            int output,
            String prompt,
            float temperature,
            float topP,
            Long seed,
            String tenant) {
        if (firstArrival == null) {
            firstArrival = timeMicros;
        }
        long arrivalMicros = timeMicros - firstArrival;
        if (arrivalMicros < 0) {
            throw new IllegalArgumentException(
                    "arrives " + (-arrivalMicros / 1000) + " ms before the trace's first request");
        }
        if (!(temperature >= 0) || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException(
                    "bad sampling: temperature " + temperature + ", top_p " + topP);
        }
        return new TraceRequest(
                lineNumber,
                arrivalMicros / 1000,
                input,
                output,
                prompt,
                temperature,
                topP,
                seed,
                tenant);
    }

    private static JsonObject json(String line) {
        try {
            JsonElement element = JsonParser.parseString(line);
            if (!element.isJsonObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return element.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
    }

    private static long longField(JsonObject o, String name) {
        try {
            return o.get(name).getAsLong();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("missing or bad " + name);
        }
    }

    private static int intField(JsonObject o, String name) {
        try {
            return o.get(name).getAsInt();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("missing or bad " + name);
        }
    }

    private static int integer(String text, String name) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad " + name + " " + text.trim());
        }
    }
}
