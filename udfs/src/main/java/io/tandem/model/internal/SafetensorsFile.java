package io.tandem.model.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file opened for reading: an 8-byte little-endian header length, a JSON header
 * mapping tensor names to dtype, shape and byte offsets (plus an optional {@code __metadata__}
 * string map), then the raw little-endian data. The header is parsed and checked on open; tensor
 * data is read on demand.
 *
 * <p>Thread-safe: reads use positional channel reads and the header is immutable.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Where one tensor lives in the file. Offsets are relative to the start of the data. */
    public record Entry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {}

    static final String METADATA_KEY = "__metadata__";

    /** The reference implementation's limit; guards against reading garbage as a length. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final int READ_CHUNK_ELEMENTS = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(
            Path path,
            FileChannel channel,
            long dataStart,
            Map<String, Entry> entries,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates {@code path}; the caller closes the returned file. */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = channel.size();
            ByteBuffer lengthBytes = readFully(channel, 0, 8, path);
            long headerLength = lengthBytes.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
                throw new IOException(
                        path
                                + ": invalid safetensors header length "
                                + headerLength
                                + " for a file of "
                                + size
                                + " bytes");
            }
            ByteBuffer headerBytes = readFully(channel, 8, (int) headerLength, path);
            String header = StandardCharsets.UTF_8.decode(headerBytes).toString();
            long dataStart = 8 + headerLength;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Entry> entries = parseHeader(path, header, size - dataStart, metadata);
            return new SafetensorsFile(
                    path,
                    channel,
                    dataStart,
                    Collections.unmodifiableMap(entries),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return entries.keySet();
    }

    /** The {@code __metadata__} map, empty if absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The entry for {@code name}, or {@code null} if the file has no such tensor. */
    public Entry entry(String name) {
        return entries.get(name);
    }

    /** Reads tensor {@code name}, converting its elements to float32. */
    public HostTensor read(String name) throws IOException {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new IOException(path + ": no tensor named '" + name + "'");
        }
        long count = HostTensor.elementCount(entry.shape());
        if (count > Integer.MAX_VALUE - 8) {
            throw new IOException(path + ": tensor '" + name + "' is too large for one array");
        }
        float[] values = new float[(int) count];
        int elementBytes = entry.dtype().bytes();
        for (int from = 0; from < values.length; from += READ_CHUNK_ELEMENTS) {
            int n = Math.min(READ_CHUNK_ELEMENTS, values.length - from);
            ByteBuffer chunk =
                    readFully(
                                    channel,
                                    dataStart + entry.begin() + (long) from * elementBytes,
                                    n * elementBytes,
                                    path)
                            .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                values[from + i] = entry.dtype().read(chunk);
            }
        }
        return new HostTensor(entry.shape().clone(), values);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static Map<String, Entry> parseHeader(
            Path path, String header, long dataLength, Map<String, String> metadata)
            throws IOException {
        JsonObject json;
        try {
            JsonElement root = JsonParser.parseString(header);
            if (!root.isJsonObject()) {
                throw new IOException(path + ": safetensors header is not a JSON object");
            }
            json = root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException(path + ": safetensors header is not valid JSON", e);
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> field : json.entrySet()) {
            String name = field.getKey();
            if (name.equals(METADATA_KEY)) {
                readMetadata(path, field.getValue(), metadata);
            } else {
                entries.put(name, parseEntry(path, name, field.getValue(), dataLength));
            }
        }
        return entries;
    }

    private static void readMetadata(Path path, JsonElement value, Map<String, String> metadata)
            throws IOException {
        if (!value.isJsonObject()) {
            throw new IOException(path + ": " + METADATA_KEY + " must be an object of strings");
        }
        for (Map.Entry<String, JsonElement> item : value.getAsJsonObject().entrySet()) {
            if (!item.getValue().isJsonPrimitive()
                    || !item.getValue().getAsJsonPrimitive().isString()) {
                throw new IOException(
                        path + ": " + METADATA_KEY + "." + item.getKey() + " must be a string");
            }
            metadata.put(item.getKey(), item.getValue().getAsString());
        }
    }

    private static Entry parseEntry(Path path, String name, JsonElement value, long dataLength)
            throws IOException {
        String where = path + ": tensor '" + name + "'";
        if (!value.isJsonObject()) {
            throw new IOException(where + ": malformed header entry " + value);
        }
        JsonObject object = value.getAsJsonObject();
        JsonElement dtypeJson = object.get("dtype");
        if (dtypeJson == null || !dtypeJson.isJsonPrimitive()) {
            throw new IOException(where + ": malformed header entry, no dtype: " + value);
        }
        SafetensorsDtype dtype = SafetensorsDtype.fromHeader(dtypeJson.getAsString());
        if (dtype == null) {
            throw new IOException(
                    where
                            + " has dtype "
                            + dtypeJson.getAsString()
                            + "; supported: "
                            + SafetensorsDtype.supportedNames());
        }
        long[] shape = longs(object.get("shape"), where, "shape");
        long[] offsets = longs(object.get("data_offsets"), where, "data_offsets");
        if (offsets.length != 2) {
            throw new IOException(where + ": data_offsets must have two elements");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < begin || end > dataLength) {
            throw new IOException(
                    where
                            + ": data_offsets ["
                            + begin
                            + ", "
                            + end
                            + "] outside the data section of "
                            + dataLength
                            + " bytes");
        }
        long expected;
        try {
            expected = Math.multiplyExact(HostTensor.elementCount(shape), dtype.bytes());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IOException(where + ": invalid shape " + Arrays.toString(shape), e);
        }
        if (end - begin != expected) {
            throw new IOException(
                    where
                            + ": shape "
                            + Arrays.toString(shape)
                            + " of "
                            + dtype
                            + " needs "
                            + expected
                            + " bytes but data_offsets span "
                            + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of integers, or an IOException naming the entry and key. */
    private static long[] longs(JsonElement json, String where, String key) throws IOException {
        if (json == null || !json.isJsonArray()) {
            throw new IOException(where + ": malformed header entry, " + key + " must be an array");
        }
        JsonArray array = json.getAsJsonArray();
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            JsonElement element = array.get(i);
            if (!element.isJsonPrimitive()
                    || !element.getAsJsonPrimitive().isNumber()
                    || element.getAsDouble() != Math.rint(element.getAsDouble())) {
                throw new IOException(
                        where + ": malformed header entry, " + key + " must hold integers");
            }
            values[i] = element.getAsLong();
        }
        return values;
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length, Path path)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new EOFException(
                        path + ": truncated at byte " + (position + buffer.position()));
            }
        }
        return buffer.flip();
    }
}
