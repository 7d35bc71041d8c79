package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.CausalLm;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.AsyncDataStream.OutputMode;
import org.apache.flink.streaming.api.functions.async.AsyncFunction;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The generation operator in a Flink test harness, on the bundled model. */
class GenerateAsyncFunctionITCase {

    private static final Path MODEL = findModel();

    @Test
    void emitsOneResultPerRequestEqualToDecodingTheBatchDirectly() throws Exception {
        Batch batch =
                batch("b-1", request("a", "Mr. Darcy", 12), request("b", "It is a truth", 20));

        List<InferenceResult> results = run(batch);

        assertThat(results)
                .extracting(InferenceResult::getRequestId)
                .containsExactlyInAnyOrder("a", "b");
        try (CausalLm model = CausalLm.load(MODEL)) {
            for (InferenceResult result : results) {
                AdmittedRequest admitted =
                        batch.getRequests().stream()
                                .filter(
                                        r ->
                                                r.getRequest()
                                                        .getRequestId()
                                                        .equals(result.getRequestId()))
                                .findFirst()
                                .orElseThrow();
                int[] expected =
                        model.generate(List.of(GenerateAsyncFunction.toGenerationRequest(admitted)))
                                .get(0)
                                .tokens();
                assertThat(result.getTokenIds())
                        .containsExactlyElementsOf(Arrays.stream(expected).boxed().toList());
                assertThat(result.getText()).isEqualTo(model.tokenizer().decode(expected));
                assertThat(result.getFinishReason()).isIn(FinishReason.EOS, FinishReason.LENGTH);
                assertThat(result.getLatency().getVerifyMs()).isPositive();
                assertThat(result.getMode()).isEqualTo("ad");
            }
        }
    }

    @Test
    void speculativeModeGivesTheSameTokensAndReportsItsRounds() throws Exception {
        Batch batch =
                batch("b-3", request("a", "Mr. Darcy", 30), request("b", "It is a truth", 25));
        List<InferenceResult> plain = run(batch, new GenerateAsyncFunction(MODEL.toString()));

        // The same model drafts for itself: every drafted token must be accepted.
        List<InferenceResult> speculative =
                run(batch, new GenerateAsyncFunction(MODEL.toString(), MODEL.toString(), 4));

        assertThat(speculative).hasSize(2);
        for (InferenceResult result : speculative) {
            InferenceResult reference =
                    plain.stream()
                            .filter(r -> r.getRequestId().equals(result.getRequestId()))
                            .findFirst()
                            .orElseThrow();
            assertThat(result.getTokenIds()).isEqualTo(reference.getTokenIds());
            assertThat(result.getMode()).isEqualTo("sd-fixed");
            assertThat(result.getDraftedTokens()).isPositive();
            assertThat(result.getAcceptedTokens()).isEqualTo(result.getDraftedTokens());
            assertThat(result.getSpeculationLengths()).hasSize(result.getRounds());
            assertThat(result.getSpeculationLengths().stream().mapToInt(Integer::intValue).sum())
                    .isEqualTo(result.getDraftedTokens());
            assertThat(result.getRounds()).isLessThan(reference.getRounds());
            assertThat(result.getPlacement().getDraftTaskManager())
                    .isEqualTo(result.getPlacement().getVerifyTaskManager());
        }
    }

    @Test
    void aFailingModelCallStillGivesEveryRequestAnErrorResult() throws Exception {
        // Prompt plus output beyond the model's context: the model refuses the whole batch.
        Batch batch =
                batch("b-2", request("ok", "Hello", 4), request("too-long", "x".repeat(250), 100));

        List<InferenceResult> results = run(batch);

        assertThat(results)
                .extracting(InferenceResult::getRequestId)
                .containsExactlyInAnyOrder("ok", "too-long");
        assertThat(results)
                .allSatisfy(
                        r -> {
                            assertThat(r.getFinishReason()).isEqualTo(FinishReason.ERROR);
                            assertThat(r.getError()).isNotBlank();
                        });
    }

    @Test
    void unseededSamplingIsSeededByTheRequestId() {
        AdmittedRequest admitted = request("same-id", "Hi", 4);
        admitted.getRequest().getSampling().setTemperature(0.8f);
        GenerationRequest first = GenerateAsyncFunction.toGenerationRequest(admitted);
        GenerationRequest second = GenerateAsyncFunction.toGenerationRequest(admitted);
        assertThat(first.sampling()).isEqualTo(second.sampling());
        assertThat(first.sampling()).isNotEqualTo(SamplingConfig.greedy());
    }

    private static List<InferenceResult> run(Batch batch) throws Exception {
        return run(batch, new GenerateAsyncFunction(MODEL.toString()));
    }

    private static List<InferenceResult> run(
            Batch batch, AsyncFunction<Batch, InferenceResult> function) throws Exception {
        try (OneInputStreamOperatorTestHarness<Batch, InferenceResult> harness =
                new OneInputStreamOperatorTestHarness<>(
                        new AsyncWaitOperatorFactory<>(function, 60_000, 4, OutputMode.UNORDERED),
                        TypeInformation.of(Batch.class)
                                .createSerializer(new SerializerConfigImpl()))) {
            harness.open();
            synchronized (harness.getCheckpointLock()) {
                harness.processElement(batch, 0);
            }
            harness.endInput();
            return new ArrayList<>(harness.extractOutputValues());
        }
    }

    private static Batch batch(String id, AdmittedRequest... requests) {
        return Batch.newBuilder()
                .setBatchId(id)
                .setClosedTime(Instant.now())
                .setRequests(List.of(requests))
                .build();
    }

    private static AdmittedRequest request(String id, String prompt, int maxNewTokens) {
        List<Integer> tokens = new ArrayList<>();
        for (byte b : prompt.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            tokens.add(b & 0xff);
        }
        return AdmittedRequest.newBuilder()
                .setRequest(
                        InferenceRequest.newBuilder()
                                .setRequestId(id)
                                .setPrompt(prompt)
                                .setMaxNewTokens(maxNewTokens)
                                .setClientSendTime(Instant.now())
                                .build())
                .setPromptTokenIds(tokens)
                .setArrivalTime(Instant.now())
                .build();
    }

    private static Path findModel() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("models/austen-tiny/config.json"))) {
                return dir.resolve("models/austen-tiny");
            }
        }
        throw new IllegalStateException("models/austen-tiny not found");
    }
}
