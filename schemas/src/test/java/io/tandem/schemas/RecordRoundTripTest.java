package io.tandem.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The generated classes fill defaults as documented and survive a binary round trip. */
class RecordRoundTripTest {

    private static final Instant SENT = Instant.parse("2026-11-25T10:15:30.123Z");

    @Test
    void requestBuiltWithRequiredFieldsOnlyGetsDocumentedDefaults() {
        InferenceRequest request =
                InferenceRequest.newBuilder()
                        .setRequestId("r-1")
                        .setPrompt("It is a truth")
                        .setMaxNewTokens(16)
                        .setClientSendTime(SENT)
                        .build();

        assertThat(request.getTenantId()).isEqualTo("default");
        assertThat(request.getSampling().getTemperature()).isZero();
        assertThat(request.getSampling().getTopP()).isEqualTo(1.0f);
        assertThat(request.getSampling().getSeed()).isNull();
        assertThat(request.getUplink()).isNull();
        assertThat(request.getTrace()).isNull();
        assertThat(request.getMetadata()).isEmpty();
    }

    @Test
    void requestWithEveryOptionalPartRoundTrips() throws IOException {
        InferenceRequest request =
                InferenceRequest.newBuilder()
                        .setRequestId("r-2")
                        .setTenantId("acme")
                        .setPrompt("Émilie said 👋")
                        .setMaxNewTokens(8)
                        .setSampling(new Sampling(0.7f, 0.9f, 42L))
                        .setClientSendTime(SENT)
                        .setUplink(new Uplink(12.5, null, 80.0))
                        .setTrace(new TraceInfo(SENT.minusSeconds(60), 512, 128))
                        .setMetadata(Map.of("pipeline", "nightly"))
                        .build();

        assertThat(roundTrip(request)).isEqualTo(request);
    }

    @Test
    void resultRoundTripsWithNestedRecords() throws IOException {
        InferenceResult result =
                InferenceResult.newBuilder()
                        .setRequestId("r-3")
                        .setText("was")
                        .setTokenIds(List.of(119, 97, 115))
                        .setFinishReason(FinishReason.LENGTH)
                        .setGeneratedTokens(3)
                        .setCompletedTime(SENT)
                        .build();

        InferenceResult copy = roundTrip(result);

        assertThat(copy).isEqualTo(result);
        assertThat(copy.getLatency().getTotalMs()).isZero();
        assertThat(copy.getPlacement().getVerifyTaskManager()).isNull();
        assertThat(copy.getMode()).isEqualTo("ad");
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> T roundTrip(T record) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<T>(record.getSchema()).write(record, encoder);
        encoder.flush();
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null);
        return (T) new SpecificDatumReader<>(record.getSchema()).read(null, decoder);
    }
}
