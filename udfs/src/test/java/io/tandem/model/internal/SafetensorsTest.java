package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafetensorsTest {

    @TempDir Path dir;

    /** Values every dtype stores exactly. */
    private static Map<String, HostTensor> tensors() {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("scalar", new HostTensor(new long[0], new float[] {1.5f}));
        tensors.put("empty", new HostTensor(new long[] {0, 3}, new float[0]));
        tensors.put(
                "vector",
                new HostTensor(new long[] {5}, new float[] {0f, -0f, 2f, -0.375f, 1024f}));
        tensors.put(
                "cube",
                new HostTensor(new long[] {2, 1, 3}, new float[] {1f, -2f, 0.5f, 0.25f, 3f, -96f}));
        return tensors;
    }

    @ParameterizedTest
    @EnumSource(SafetensorsDtype.class)
    void roundTripsTensorsOfEveryShape(SafetensorsDtype dtype) throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, tensors(), dtype, Map.of("format", "pt"));

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.names()).containsExactly("scalar", "empty", "vector", "cube");
            assertThat(read.metadata()).containsExactly(Map.entry("format", "pt"));
            assertThat(read.entry("cube").dtype()).isEqualTo(dtype);
            for (Map.Entry<String, HostTensor> tensor : tensors().entrySet()) {
                assertThat(read.read(tensor.getKey())).isEqualTo(tensor.getValue());
            }
        }
    }

    @Test
    void startsDataAtAnEightByteBoundary() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, tensors(), SafetensorsDtype.F32, Map.of());

        long headerLength =
                ByteBuffer.wrap(Files.readAllBytes(file), 0, 8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getLong();
        assertThat((8 + headerLength) % 8).isZero();
        assertThat(Files.size(file)).isEqualTo(8 + headerLength + 4L * (1 + 5 + 6));
    }

    @Test
    void readsFilesWrittenByOtherTools() throws IOException {
        // Hand-made as the reference implementation lays it out: header without padding, F16 data.
        String header = "{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        Path file = write(header, new byte[] {0x00, 0x3c, 0x00, (byte) 0xc0}); // 1.0, -2.0

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThat(read.read("w").values()).containsExactly(1f, -2f);
            assertThat(read.metadata()).isEmpty();
        }
    }

    @Test
    void convertsHalfPrecisionWithRoundToNearestEven() {
        assertThat(SafetensorsDtype.halfToFloat(SafetensorsDtype.floatToHalf(65504f)))
                .isEqualTo(65504f);
        assertThat(SafetensorsDtype.halfToFloat(SafetensorsDtype.floatToHalf(70000f))).isInfinite();
        assertThat(SafetensorsDtype.halfToFloat(SafetensorsDtype.floatToHalf(Float.NaN))).isNaN();
        assertThat(SafetensorsDtype.halfToFloat(SafetensorsDtype.floatToHalf(0x1p-24f)))
                .isEqualTo(0x1p-24f);
        assertThat(SafetensorsDtype.halfToFloat(SafetensorsDtype.floatToHalf(3e-5f)))
                .isCloseTo(3e-5f, org.assertj.core.data.Offset.offset(3e-8f));
        // 1 + 2^-11 is halfway between 1 and the next half; ties go to the even mantissa (1.0)
        assertThat(SafetensorsDtype.halfToFloat(SafetensorsDtype.floatToHalf(1 + 0x1p-11f)))
                .isEqualTo(1f);
        assertThat(
                        SafetensorsDtype.halfToFloat(
                                SafetensorsDtype.floatToHalf(1 + 0x1p-11f + 0x1p-20f)))
                .isEqualTo(1 + 0x1p-10f);
        // bfloat16 keeps the float32 exponent and rounds the mantissa to 7 bits
        ByteBuffer buffer = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
        SafetensorsDtype.BF16.write(buffer, 1 + 0x1p-8f + 0x1p-12f);
        assertThat(SafetensorsDtype.BF16.read(buffer.flip())).isEqualTo(1 + 0x1p-7f);
    }

    @Test
    void rejectsAHeaderLengthBeyondTheFile() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(
                file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());

        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("invalid safetensors header length 1000");
    }

    @Test
    void rejectsAHeaderThatIsNotJson() throws IOException {
        Path file = write("{not json", new byte[0]);

        assertThatThrownBy(() -> SafetensorsFile.open(file)).hasMessageContaining("not valid JSON");
    }

    @Test
    void rejectsOffsetsOutsideTheData() throws IOException {
        Path file =
                write(
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                        new byte[4]);

        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("outside the data section of 4 bytes");
    }

    @Test
    void rejectsOffsetsThatDisagreeWithTheShape() throws IOException {
        Path file =
                write(
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                        new byte[8]);

        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .hasMessageContaining("needs 12 bytes but data_offsets span 8");
    }

    @Test
    void rejectsDtypesItCannotReadAsFloats() throws IOException {
        Path file =
                write(
                        "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}",
                        new byte[8]);

        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .hasMessageContaining("tensor 'ids' has dtype I64")
                .hasMessageContaining("supported: F64, F32, F16, BF16");
    }

    @Test
    void rejectsMalformedEntries() throws IOException {
        Path file =
                write(
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}",
                        new byte[8]);

        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .hasMessageContaining("malformed header entry");
    }

    @Test
    void reportsTheFileOfAMissingTensor() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.write(file, tensors(), SafetensorsDtype.F32, Map.of());

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertThatThrownBy(() -> read.read("nope"))
                    .hasMessageContaining(file + ": no tensor named 'nope'");
        }
    }

    @Test
    void readsShardedCheckpointsThroughTheirIndex() throws IOException {
        Map<String, HostTensor> first = new LinkedHashMap<>();
        first.put("a", new HostTensor(new long[] {2}, new float[] {1, 2}));
        Map<String, HostTensor> second = new LinkedHashMap<>();
        second.put("b", new HostTensor(new long[] {1, 2}, new float[] {3, 4}));
        second.put("c", new HostTensor(new long[] {1}, new float[] {5}));
        SafetensorsWriter.write(
                dir.resolve("model-00001-of-00002.safetensors"),
                first,
                SafetensorsDtype.F32,
                Map.of());
        SafetensorsWriter.write(
                dir.resolve("model-00002-of-00002.safetensors"),
                second,
                SafetensorsDtype.BF16,
                Map.of());
        Files.writeString(
                dir.resolve(Checkpoint.INDEX_FILE),
                "{\"metadata\":{\"total_size\":20},\"weight_map\":{"
                        + "\"a\":\"model-00001-of-00002.safetensors\","
                        + "\"b\":\"model-00002-of-00002.safetensors\","
                        + "\"c\":\"model-00002-of-00002.safetensors\"}}");

        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(checkpoint.names()).containsExactly("a", "b", "c");
            assertThat(checkpoint.read("a")).isEqualTo(first.get("a"));
            assertThat(checkpoint.read("b")).isEqualTo(second.get("b"));
            assertThat(checkpoint.shape("c")).containsExactly(1);
        }
    }

    @Test
    void rejectsAnIndexThatMapsATensorToTheWrongShard() throws IOException {
        SafetensorsWriter.write(
                dir.resolve("shard.safetensors"),
                Map.of("a", new HostTensor(new long[] {1}, new float[] {1})),
                SafetensorsDtype.F32,
                Map.of());
        Files.writeString(
                dir.resolve(Checkpoint.INDEX_FILE),
                "{\"weight_map\":{\"z\":\"shard.safetensors\"}}");

        assertThatThrownBy(() -> Checkpoint.open(dir))
                .hasMessageContaining(
                        "tensor 'z' is mapped to shard.safetensors, which does not contain it");
    }

    @Test
    void reportsADirectoryWithoutWeights() {
        assertThatThrownBy(() -> Checkpoint.open(dir))
                .hasMessageContaining(
                        "no weights found; expected model.safetensors or"
                                + " model.safetensors.index.json");
    }

    private Path write(String header, byte[] data) throws IOException {
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file =
                ByteBuffer.allocate(8 + headerBytes.length + data.length)
                        .order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(headerBytes.length).put(headerBytes).put(data);
        Path path = dir.resolve("hand.safetensors");
        Files.write(path, file.array());
        return path;
    }
}
