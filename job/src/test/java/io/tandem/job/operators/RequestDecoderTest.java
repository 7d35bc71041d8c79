package io.tandem.job.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.ReleasedSchemas;
import io.tandem.testkit.Requests;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {

    private final RequestDecoder decoder = new RequestDecoder(4096);

    @Test
    void decodesAValidRecord() throws RejectedException {
        InferenceRequest request = Requests.greedy("r1", "Hello", 8);
        assertThat(decoder.decode(AvroBytes.encode(request))).isEqualTo(request);
    }

    @Test
    void decodesARecordFromAProducerBuiltAgainstTheFirstRelease() throws Exception {
        // deadlineMs and speculation came later: a first-release producer writes neither
        InferenceRequest request = Requests.greedy("old", "Hello", 8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<InferenceRequest>(ReleasedSchemas.of("v1", "InferenceRequest"))
                .write(request, encoder);
        encoder.flush();
        byte[] firstRelease = bytes.toByteArray();

        assertThat(firstRelease.length).isLessThan(AvroBytes.encode(request).length);
        assertThat(decoder.decode(firstRelease)).isEqualTo(request);
    }

    @Test
    void refusesTextThatIsNotAvro() {
        assertCode(
                "{\"prompt\": \"hi\"}".getBytes(StandardCharsets.UTF_8),
                DeadLetterCode.MALFORMED_AVRO);
    }

    @Test
    void refusesAnEmptyValue() {
        RejectedException e =
                catchThrowableOfType(RejectedException.class, () -> decoder.decode(new byte[0]));
        assertThat(e.rejection().code()).isEqualTo(DeadLetterCode.MALFORMED_AVRO);
        assertThat(e.rejection().reason()).contains("no value");
    }

    @Test
    void refusesATruncatedRecord() {
        byte[] full = AvroBytes.encode(Requests.greedy("r1", "Hello there", 8));
        assertCode(Arrays.copyOf(full, full.length / 2), DeadLetterCode.MALFORMED_AVRO);
    }

    @Test
    void refusesTrailingBytesAfterARecord() {
        byte[] full = AvroBytes.encode(Requests.greedy("r1", "Hello", 8));
        byte[] padded = Arrays.copyOf(full, full.length + 3);
        RejectedException e =
                catchThrowableOfType(RejectedException.class, () -> decoder.decode(padded));
        assertThat(e.rejection().reason()).contains("unread data");
    }

    @Test
    void refusesAHugeDeclaredLengthWithoutAllocatingIt() {
        // requestId's length varint claims ~1 GB; the record itself is 6 bytes.
        byte[] bytes = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08, 'x'};
        assertCode(bytes, DeadLetterCode.MALFORMED_AVRO);
    }

    @Test
    void hintsAtSchemaRegistryFraming() {
        byte[] avro = AvroBytes.encode(Requests.greedy("r1", "Hello", 8));
        byte[] framed = new byte[avro.length + 5];
        framed[4] = 7; // magic byte 0, schema id 7
        System.arraycopy(avro, 0, framed, 5, avro.length);
        RejectedException e =
                catchThrowableOfType(RejectedException.class, () -> decoder.decode(framed));
        assertThat(e).isNotNull();
        assertThat(e.rejection().reason()).contains("Schema Registry");
    }

    @Test
    void refusesRecordsOverTheSizeLimitBeforeDecoding() {
        assertCode(new byte[4097], DeadLetterCode.RECORD_TOO_LARGE);
    }

    @Test
    void neverThrowsAnythingButARejectionOnRandomBytes() {
        Random random = new Random(20261125);
        for (int i = 0; i < 2000; i++) {
            byte[] bytes = new byte[1 + random.nextInt(200)];
            random.nextBytes(bytes);
            try {
                decoder.decode(bytes);
            } catch (RejectedException expected) {
                assertThat(expected.rejection().code()).isEqualTo(DeadLetterCode.MALFORMED_AVRO);
            }
        }
    }

    private void assertCode(byte[] bytes, DeadLetterCode code) {
        assertThatThrownBy(() -> decoder.decode(bytes))
                .isInstanceOfSatisfying(
                        RejectedException.class,
                        e -> assertThat(e.rejection().code()).isEqualTo(code));
    }
}
