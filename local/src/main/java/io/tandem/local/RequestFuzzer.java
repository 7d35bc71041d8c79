package io.tandem.local;

import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.io.BinaryData;

/**
 * Broken and hostile request records derived from valid ones, for testing that bad input is
 * answered or dead-lettered and never stops the job. Deterministic for a seed. Every record gets a
 * request id of its own where it still has one, so that what comes back can be matched to it.
 */
public final class RequestFuzzer {

    /** What was done to a valid record. */
    public enum Kind {
        /** One to three bits flipped anywhere. */
        BIT_FLIP,
        /** Cut short at a random length. */
        TRUNCATED,
        /** The first string's length prefix replaced by one of about a gigabyte. */
        HUGE_LENGTH,
        /** Schema Registry framing: a zero magic byte and a 4-byte schema id before the record. */
        SCHEMA_REGISTRY_FRAMING,
        /** The request as JSON text. */
        JSON,
        /** A prompt whose bytes are not UTF-8. */
        INVALID_UTF8,
        /** A prompt longer than any limit, in a record that still fits. */
        OVERSIZED_PROMPT,
        /** NaN or negative temperature or top-p, or a negative token budget. */
        BAD_NUMBERS,
        /** A symbol the {@code speculation} field does not know. */
        UNKNOWN_SYMBOL,
        /** Written with a newer schema that appends a field: a record followed by more data. */
        NEWER_SCHEMA
    }

    /** One fuzzed record, and the id of the request it was derived from. */
    public record FuzzRecord(Kind kind, String requestId, byte[] bytes) {}

    private final Random random;

    public RequestFuzzer(long seed) {
        this.random = new Random(seed);
    }

    /** {@code count} records, the kinds in turn, each derived from a valid request in turn. */
    public List<FuzzRecord> records(List<InferenceRequest> valid, int count) {
        if (valid.isEmpty()) {
            throw new IllegalArgumentException("need at least one valid request to derive from");
        }
        Kind[] kinds = Kind.values();
        List<FuzzRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            InferenceRequest base = valid.get(i % valid.size());
            String id = "fuzz-" + i;
            InferenceRequest renamed = InferenceRequest.newBuilder(base).setRequestId(id).build();
            Kind kind = kinds[i % kinds.length];
            records.add(new FuzzRecord(kind, id, fuzz(kind, renamed)));
        }
        return records;
    }

    private byte[] fuzz(Kind kind, InferenceRequest request) {
        byte[] bytes = AvroBytes.encode(request);
        return switch (kind) {
            case BIT_FLIP -> flipBits(bytes);
            case TRUNCATED -> Arrays.copyOf(bytes, 1 + random.nextInt(bytes.length - 1));
            case HUGE_LENGTH -> hugeFirstLength(bytes, request);
            case SCHEMA_REGISTRY_FRAMING -> concat(new byte[] {0, 0, 0, 0, 42}, bytes);
            case JSON -> request.toString().getBytes(StandardCharsets.UTF_8);
            case INVALID_UTF8 -> invalidUtf8Prompt(request);
            case OVERSIZED_PROMPT ->
                    AvroBytes.encode(
                            InferenceRequest.newBuilder(request)
                                    .setPrompt("long ".repeat(600 + random.nextInt(400)))
                                    .build());
            case BAD_NUMBERS -> AvroBytes.encode(badNumbers(request));
            case UNKNOWN_SYMBOL ->
                    AvroBytes.encode(
                            InferenceRequest.newBuilder(request).setSpeculation("fastest").build());
            case NEWER_SCHEMA -> concat(bytes, appendedStringField("priority: high"));
        };
    }

    private byte[] flipBits(byte[] bytes) {
        byte[] flipped = bytes.clone();
        int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips; i++) {
            int bit = random.nextInt(flipped.length * 8);
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return flipped;
    }

    /** The request id comes first; its length prefix becomes about 2^30 bytes. */
    private static byte[] hugeFirstLength(byte[] bytes, InferenceRequest request) {
        int idBytes = request.getRequestId().getBytes(StandardCharsets.UTF_8).length;
        int prefix = zigZagVarint(idBytes).length;
        return concat(zigZagVarint(1 << 30), Arrays.copyOfRange(bytes, prefix, bytes.length));
    }

    /** The prompt's bytes replaced by ones that are not UTF-8, keeping the record's shape. */
    private static byte[] invalidUtf8Prompt(InferenceRequest request) {
        String marker = "\u0001".repeat(8);
        byte[] bytes =
                AvroBytes.encode(
                        InferenceRequest.newBuilder(request)
                                .setPrompt("Emma " + marker + " Woodhouse")
                                .build());
        byte[] invalid = {(byte) 0xC3, 0x28, (byte) 0xA0, (byte) 0xA1, (byte) 0xFF, (byte) 0xFE};
        int at = indexOf(bytes, marker.getBytes(StandardCharsets.UTF_8));
        System.arraycopy(invalid, 0, bytes, at, invalid.length);
        return bytes;
    }

    private InferenceRequest badNumbers(InferenceRequest request) {
        InferenceRequest.Builder builder = InferenceRequest.newBuilder(request);
        switch (random.nextInt(4)) {
            case 0 -> builder.setSampling(new Sampling(Float.NaN, 1f, null));
            case 1 -> builder.setSampling(new Sampling(-0.5f, 1f, 7L));
            case 2 -> builder.setSampling(new Sampling(0.8f, Float.NaN, 7L));
            default -> builder.setMaxNewTokens(-1 - random.nextInt(1000));
        }
        return builder.build();
    }

    /** A string field's encoding, as a newer schema's appended field would write it. */
    private static byte[] appendedStringField(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        return concat(zigZagVarint(utf8.length), utf8);
    }

    private static byte[] zigZagVarint(long value) {
        byte[] buffer = new byte[10];
        return Arrays.copyOf(buffer, BinaryData.encodeLong(value, buffer, 0));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("marker not found in the encoded request");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
