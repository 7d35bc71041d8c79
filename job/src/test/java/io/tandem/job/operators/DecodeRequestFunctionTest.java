package io.tandem.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.job.config.JobConfig.Generation;
import io.tandem.job.config.JobConfig.Limits;
import io.tandem.local.RequestFuzzer;
import io.tandem.local.RequestFuzzer.Kind;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.Requests;
import io.tandem.udfs.ModelEngine;
import io.tandem.udfs.ServingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admission function in a harness, with the bundled model's tokenizer (no weights are loaded).
 */
class DecodeRequestFunctionTest {

    private OneInputStreamOperatorTestHarness<RawRecord, AdmittedRequest> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness =
                ProcessFunctionTestHarnesses.forProcessFunction(
                        new DecodeRequestFunction(
                                new Limits(100, 50, 4096, 2f),
                                new Generation(
                                        ServingMode.AD,
                                        BundledModel.tiny().toString(),
                                        null,
                                        4,
                                        null,
                                        1,
                                        16,
                                        0,
                                        0,
                                        0,
                                        16,
                                        8192,
                                        Duration.ofMinutes(1),
                                        Duration.ofMinutes(1),
                                        0,
                                        ModelEngine.DJL)));
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void admitsAValidRequestWithItsTokensAndSource() throws Exception {
        harness.processElement(record(7, AvroBytes.encode(Requests.greedy("r1", "Héllo", 8))));

        assertThat(harness.extractOutputValues())
                .singleElement()
                .satisfies(
                        admitted -> {
                            assertThat(admitted.getRequest().getRequestId()).isEqualTo("r1");
                            // byte-level tokenizer: one token per UTF-8 byte
                            assertThat(admitted.getPromptTokenIds())
                                    .hasSize("Héllo".getBytes(StandardCharsets.UTF_8).length);
                            assertThat(admitted.getSource()).isEqualTo("requests-0@7");
                        });
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void sendsEveryBadRecordToTheSideOutputAndKeepsGoing() throws Exception {
        byte[] garbage = {1, 2, 3};
        byte[] empty = AvroBytes.encode(Requests.greedy("r2", "", 8));
        harness.processElement(record(1, garbage));
        harness.processElement(record(2, empty));
        harness.processElement(record(3, AvroBytes.encode(Requests.greedy("r3", "Hi", 8))));

        assertThat(harness.extractOutputValues())
                .extracting(a -> a.getRequest().getRequestId())
                .containsExactly("r3");
        List<DeadLetter> deadLetters = deadLetters();
        assertThat(deadLetters)
                .extracting(DeadLetter::getErrorCode)
                .containsExactly(DeadLetterCode.MALFORMED_AVRO, DeadLetterCode.PROMPT_EMPTY);
        assertThat(deadLetters).extracting(DeadLetter::getOffset).containsExactly(1L, 2L);
        assertThat(deadLetters.get(0).getOriginalBytes()).isEqualTo(ByteBuffer.wrap(garbage));
        assertThat(deadLetters.get(1).getRequestId()).isEqualTo("r2");
    }

    @Test
    void promptPlusOutputMustFitTheModelsContext() throws Exception {
        // The limits allow 100 prompt and 50 new tokens; the bundled model has 256 positions.
        harness.processElement(
                record(1, AvroBytes.encode(Requests.greedy("fits", "x".repeat(100), 50))));
        harness.processElement(
                record(2, AvroBytes.encode(Requests.greedy("long", "x".repeat(101), 1))));

        assertThat(harness.extractOutputValues())
                .extracting(a -> a.getRequest().getRequestId())
                .containsExactly("fits");
        assertThat(deadLetters())
                .extracting(DeadLetter::getErrorCode)
                .containsExactly(DeadLetterCode.PROMPT_TOO_LONG);
    }

    @Test
    void tenThousandFuzzedRecordsAreEachAdmittedOrDeadLetteredWithAReason() throws Exception {
        List<InferenceRequest> valid =
                List.of(
                        Requests.greedy("v", "It is a truth universally acknowledged", 16),
                        Requests.builder("v", "She said", 24)
                                .setSampling(new Sampling(0.9f, 0.95f, 11L))
                                .setMetadata(Map.of("trace", "t-1"))
                                .setDeadlineMs(2000)
                                .setSpeculation("4")
                                .build());
        List<RequestFuzzer.FuzzRecord> fuzz = new RequestFuzzer(7).records(valid, 10_000);

        for (int i = 0; i < fuzz.size(); i++) {
            harness.processElement(record(i, fuzz.get(i).bytes()));
        }

        List<AdmittedRequest> admitted = harness.extractOutputValues();
        List<DeadLetter> deadLetters = deadLetters();
        assertThat(admitted.size() + deadLetters.size()).isEqualTo(fuzz.size());
        assertThat(deadLetters)
                .allSatisfy(
                        d -> {
                            assertThat(d.getReason()).isNotBlank();
                            assertThat(d.getErrorCode()).isNotEqualTo(DeadLetterCode.UNKNOWN);
                        });
        Map<Long, DeadLetterCode> codeByOffset =
                deadLetters.stream()
                        .collect(Collectors.toMap(DeadLetter::getOffset, DeadLetter::getErrorCode));
        Map<RequestFuzzer.Kind, Set<DeadLetterCode>> codesByKind = new EnumMap<>(Kind.class);
        Map<RequestFuzzer.Kind, Integer> admittedByKind = new EnumMap<>(Kind.class);
        for (int i = 0; i < fuzz.size(); i++) {
            DeadLetterCode code = codeByOffset.get((long) i);
            Kind kind = fuzz.get(i).kind();
            if (code == null) {
                admittedByKind.merge(kind, 1, Integer::sum);
            } else {
                codesByKind
                        .computeIfAbsent(kind, k -> EnumSet.noneOf(DeadLetterCode.class))
                        .add(code);
            }
        }
        // only a flipped bit (a letter of the prompt) or a cut where the first release's fields
        // end (a complete first-release record) may leave a request that is still valid
        assertThat(admittedByKind.keySet()).isSubsetOf(Kind.BIT_FLIP, Kind.TRUNCATED);
        assertThat(admittedByKind).containsKey(Kind.BIT_FLIP);
        assertThat(codesByKind.get(Kind.TRUNCATED)).containsOnly(DeadLetterCode.MALFORMED_AVRO);
        assertThat(codesByKind.get(Kind.HUGE_LENGTH)).containsOnly(DeadLetterCode.MALFORMED_AVRO);
        assertThat(codesByKind.get(Kind.JSON)).containsOnly(DeadLetterCode.MALFORMED_AVRO);
        assertThat(codesByKind.get(Kind.INVALID_UTF8)).containsOnly(DeadLetterCode.MALFORMED_AVRO);
        assertThat(codesByKind.get(Kind.NEWER_SCHEMA)).containsOnly(DeadLetterCode.MALFORMED_AVRO);
        assertThat(codesByKind.get(Kind.BAD_NUMBERS)).containsOnly(DeadLetterCode.BAD_PARAMETER);
        assertThat(codesByKind.get(Kind.UNKNOWN_SYMBOL)).containsOnly(DeadLetterCode.BAD_PARAMETER);
        assertThat(codesByKind.get(Kind.OVERSIZED_PROMPT))
                .isSubsetOf(DeadLetterCode.PROMPT_TOO_LONG, DeadLetterCode.RECORD_TOO_LARGE);
        assertThat(deadLetters)
                .filteredOn(d -> fuzz.get((int) d.getOffset()).kind() == Kind.NEWER_SCHEMA)
                .allSatisfy(d -> assertThat(d.getReason()).contains("newer schema"));
        assertThat(deadLetters)
                .filteredOn(
                        d -> fuzz.get((int) d.getOffset()).kind() == Kind.SCHEMA_REGISTRY_FRAMING)
                .allSatisfy(d -> assertThat(d.getReason()).contains("Schema Registry"));
        assertThat(codesByKind.get(Kind.SCHEMA_REGISTRY_FRAMING))
                .containsOnly(DeadLetterCode.MALFORMED_AVRO);
        assertThat(admitted).allSatisfy(a -> assertThat(a.getPromptTokenIds()).isNotEmpty());
    }

    private List<DeadLetter> deadLetters() {
        var side = harness.getSideOutput(DecodeRequestFunction.DEAD_LETTERS);
        return side == null
                ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    private static StreamRecord<RawRecord> record(long offset, byte[] value) {
        return new StreamRecord<>(new RawRecord("requests", 0, offset, 0L, value));
    }
}
