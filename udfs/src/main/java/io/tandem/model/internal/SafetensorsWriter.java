package io.tandem.model.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Writes safetensors files: tensors in map order, all in one dtype, with the header padded with
 * spaces so the data starts 8-byte aligned (as the reference implementation does). The file is
 * written next to its destination and moved into place, so readers never see half a file. Stateless
 * and thread-safe.
 */
public final class SafetensorsWriter {

    private static final int WRITE_CHUNK_ELEMENTS = 1 << 20;

    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors} to {@code path} as {@code dtype}.
     *
     * @param metadata stored under {@code __metadata__}; omitted when empty
     */
    public static void write(
            Path path,
            Map<String, HostTensor> tensors,
            SafetensorsDtype dtype,
            Map<String, String> metadata)
            throws IOException {
        byte[] header = header(tensors, dtype, metadata);
        Path partial = path.resolveSibling(path.getFileName() + ".partial");
        try (FileChannel channel =
                FileChannel.open(
                        partial,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            ByteBuffer prefix =
                    ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(header.length).put(header).flip();
            writeFully(channel, prefix);
            for (HostTensor tensor : tensors.values()) {
                writeValues(channel, tensor.values(), dtype);
            }
        }
        Files.move(
                partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] header(
            Map<String, HostTensor> tensors, SafetensorsDtype dtype, Map<String, String> metadata) {
        JsonObject json = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            json.add(SafetensorsFile.METADATA_KEY, meta);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> entry : tensors.entrySet()) {
            if (entry.getKey().equals(SafetensorsFile.METADATA_KEY)) {
                throw new IllegalArgumentException(
                        SafetensorsFile.METADATA_KEY + " is reserved and cannot name a tensor");
            }
            long bytes = (long) entry.getValue().values().length * dtype.bytes();
            JsonObject info = new JsonObject();
            info.addProperty("dtype", dtype.name());
            JsonArray shape = new JsonArray();
            for (long dimension : entry.getValue().shape()) {
                shape.add(dimension);
            }
            info.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            info.add("data_offsets", offsets);
            json.add(entry.getKey(), info);
            offset += bytes;
        }
        byte[] text = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) / 8 * 8;
        byte[] header = new byte[padded];
        System.arraycopy(text, 0, header, 0, text.length);
        for (int i = text.length; i < padded; i++) {
            header[i] = ' ';
        }
        return header;
    }

    private static void writeValues(FileChannel channel, float[] values, SafetensorsDtype dtype)
            throws IOException {
        ByteBuffer buffer =
                ByteBuffer.allocate(Math.min(values.length, WRITE_CHUNK_ELEMENTS) * dtype.bytes())
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < values.length; from += WRITE_CHUNK_ELEMENTS) {
            int to = Math.min(values.length, from + WRITE_CHUNK_ELEMENTS);
            buffer.clear();
            for (int i = from; i < to; i++) {
                dtype.write(buffer, values[i]);
            }
            writeFully(channel, buffer.flip());
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
