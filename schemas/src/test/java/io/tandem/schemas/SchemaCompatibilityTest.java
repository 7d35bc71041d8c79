package io.tandem.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guards the wire contract of the public topics: the current schemas must read everything written
 * with every released version (backward) and be readable by consumers still on a released version
 * (forward). Released versions are frozen in {@link ReleasedSchemas}; add a new version there when
 * a schema change ships.
 */
class SchemaCompatibilityTest {

    private static final List<String> RELEASED = ReleasedSchemas.VERSIONS;

    static Stream<Schema> publicSchemas() {
        return Stream.of(
                InferenceRequest.getClassSchema(),
                InferenceResult.getClassSchema(),
                DeadLetter.getClassSchema());
    }

    @ParameterizedTest
    @MethodSource("publicSchemas")
    void currentSchemaReadsEveryReleasedVersion(Schema current) {
        for (String version : RELEASED) {
            Schema released = released(version, current.getName());
            assertCompatible(SchemaCompatibility.checkReaderWriterCompatibility(current, released));
        }
    }

    @ParameterizedTest
    @MethodSource("publicSchemas")
    void everyReleasedVersionReadsCurrentSchema(Schema current) {
        for (String version : RELEASED) {
            Schema released = released(version, current.getName());
            assertCompatible(SchemaCompatibility.checkReaderWriterCompatibility(released, current));
        }
    }

    @ParameterizedTest
    @MethodSource("publicSchemas")
    void addingAFieldWithADefaultStaysCompatibleBothWays(Schema current) {
        Schema grown = withExtraField(current, ", \"default\": 0");
        assertCompatible(SchemaCompatibility.checkReaderWriterCompatibility(grown, current));
        assertCompatible(SchemaCompatibility.checkReaderWriterCompatibility(current, grown));
    }

    @ParameterizedTest
    @MethodSource("publicSchemas")
    void addingAFieldWithoutADefaultIsCaught(Schema current) {
        Schema grown = withExtraField(current, "");
        SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(grown, current);
        assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void aReleasedRequestReadsWithoutADeadlineAndWithAutomaticSpeculation() throws IOException {
        Schema v1 = released("v1", "InferenceRequest");
        GenericRecord old = new GenericData.Record(v1);
        old.put("requestId", "r1");
        old.put("prompt", "Emma");
        old.put("maxNewTokens", 8);
        old.put("clientSendTime", 1000L);
        for (Schema.Field field : v1.getFields()) {
            if (old.get(field.pos()) == null && field.hasDefaultValue()) {
                old.put(field.pos(), GenericData.get().getDefaultValue(field));
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(v1).write(old, encoder);
        encoder.flush();

        InferenceRequest read =
                new SpecificDatumReader<InferenceRequest>(v1, InferenceRequest.getClassSchema())
                        .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));

        assertThat(read.getRequestId()).isEqualTo("r1");
        assertThat(read.getDeadlineMs()).isNull();
        assertThat(read.getSpeculation()).isNull();
    }

    @Test
    void enumsFallBackToADefaultSymbolForUnknownValues() {
        assertThat(FinishReason.getClassSchema().getEnumDefault()).isEqualTo("UNKNOWN");
        assertThat(DeadLetterCode.getClassSchema().getEnumDefault()).isEqualTo("UNKNOWN");
    }

    @Test
    void aCodeAddedSinceV1ReadsAsUnknownWithOrWithoutTheWritersSchema() throws IOException {
        Schema v1 = released("v1", "DeadLetter");
        DeadLetter overloaded =
                DeadLetter.newBuilder()
                        .setOriginalBytes(java.nio.ByteBuffer.wrap(new byte[0]))
                        .setTopic("requests")
                        .setPartition(0)
                        .setOffset(7)
                        .setErrorCode(DeadLetterCode.OVERLOADED)
                        .setReason("full")
                        .setTime(java.time.Instant.EPOCH)
                        .build();
        byte[] bytes = AvroBytes.encode(overloaded);

        // a consumer built on v1 that decodes with its own schema alone
        GenericRecord alone =
                new org.apache.avro.generic.GenericDatumReader<GenericRecord>(v1)
                        .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        // and one that resolves against the writer's schema
        GenericRecord resolved =
                new org.apache.avro.generic.GenericDatumReader<GenericRecord>(
                                DeadLetter.getClassSchema(), v1)
                        .read(null, DecoderFactory.get().binaryDecoder(bytes, null));

        assertThat(alone.get("errorCode").toString()).isEqualTo("UNKNOWN");
        assertThat(resolved.get("errorCode").toString()).isEqualTo("UNKNOWN");
        assertThat(alone.get("offset")).isEqualTo(7L);
    }

    private static Schema withExtraField(Schema schema, String defaultClause) {
        String json = schema.toString();
        int fieldsStart = json.indexOf("\"fields\":[") + "\"fields\":[".length();
        String extra = "{\"name\":\"addedLater\",\"type\":\"int\"" + defaultClause + "},";
        return new Schema.Parser()
                .parse(json.substring(0, fieldsStart) + extra + json.substring(fieldsStart));
    }

    private static Schema released(String version, String name) {
        return ReleasedSchemas.of(version, name);
    }

    private static void assertCompatible(SchemaPairCompatibility result) {
        assertThat(result.getType())
                .as(result.getDescription() + " " + result.getResult().getIncompatibilities())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }
}
