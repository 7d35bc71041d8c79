package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.CausalLm;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.schemas.internal.SequenceState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream.OutputMode;
import org.apache.flink.streaming.api.functions.async.AsyncFunction;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The draft and verify stages in Flink test harnesses, on the bundled model, with the loop between
 * them driven by the test: a batch goes draft → verify → draft … until every sequence finished.
 */
class RoundStagesITCase {

    private static final Path MODEL = findModel();
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(1);

    @Test
    void autoregressiveRoundsGiveWhatDecodingTheBatchDirectlyGives() throws Exception {
        RoundBatch batch =
                batch(
                        "b-1",
                        "ad",
                        0,
                        request("a", "Mr. Darcy", 12),
                        request("b", "It is a truth", 20));

        List<InferenceResult> results = loop(batch, false);

        assertThat(results)
                .extracting(InferenceResult::getRequestId)
                .containsExactlyInAnyOrder("a", "b");
        try (CausalLm model = CausalLm.load(MODEL)) {
            for (InferenceResult result : results) {
                AdmittedRequest admitted =
                        batch.getSequences().stream()
                                .map(SequenceState::getAdmitted)
                                .filter(
                                        r ->
                                                r.getRequest()
                                                        .getRequestId()
                                                        .equals(result.getRequestId()))
                                .findFirst()
                                .orElseThrow();
                int[] expected =
                        model.generate(List.of(SequenceStates.request(admitted))).get(0).tokens();
                assertThat(result.getTokenIds())
                        .containsExactlyElementsOf(Arrays.stream(expected).boxed().toList());
                assertThat(result.getText()).isEqualTo(model.tokenizer().decode(expected));
                assertThat(result.getFinishReason()).isIn(FinishReason.EOS, FinishReason.LENGTH);
                assertThat(result.getLatency().getVerifyMs()).isPositive();
                assertThat(result.getMode()).isEqualTo("ad");
                assertThat(result.getSpeculationLengths()).isEmpty();
            }
        }
    }

    @Test
    void speculativeRoundsGiveTheSameTokensAndReportThem() throws Exception {
        RoundBatch plainBatch =
                batch(
                        "b-3",
                        "ad",
                        0,
                        request("a", "Mr. Darcy", 30),
                        request("b", "It is a truth", 25));
        List<InferenceResult> plain = loop(plainBatch, false);

        // The same model drafts for itself: every drafted token must be accepted.
        RoundBatch batch =
                batch(
                        "b-3",
                        "sd-fixed",
                        4,
                        request("a", "Mr. Darcy", 30),
                        request("b", "It is a truth", 25));
        List<InferenceResult> speculative = loop(batch, true);

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
            assertThat(result.getLatency().getDraftMs()).isPositive();
            assertThat(result.getPlacement().getDraftTaskManager()).isNotNull();
            assertThat(result.getPlacement().getVerifyTaskManager()).isNotNull();
        }
    }

    @Test
    void aSequenceWithoutKvSessionsIsRebuiltFromItsTokensWithTheSameOutput() throws Exception {
        RoundBatch batch = batch("b-4", "sd-fixed", 3, request("a", "Elizabeth", 24));
        List<InferenceResult> reference = loop(batch, true);

        // Fresh stages (as after a failover) take the batch over after two rounds.
        List<InferenceResult> resumed = new ArrayList<>();
        RoundBatch partway = batch;
        try (Stage draft =
                        new Stage(
                                new DraftAsyncFunction(
                                        ModelSource.real(MODEL.toString()), CALL_TIMEOUT));
                Stage verify =
                        new Stage(
                                new VerifyAsyncFunction(
                                        ModelSource.real(MODEL.toString()), CALL_TIMEOUT))) {
            for (int round = 0; round < 2; round++) {
                partway = verify.run(draft.run(partway));
                resumed.addAll(partway.getResults());
                partway = next(partway);
            }
        }
        resumed.addAll(loop(partway, true));

        assertThat(resumed).hasSize(1);
        assertThat(resumed.get(0).getTokenIds()).isEqualTo(reference.get(0).getTokenIds());
    }

    @Test
    void batchesThatMeetAtAStageShareItsCallsWithUnchangedOutput() throws Exception {
        RoundBatch speculative =
                batch(
                        "m-1",
                        "sd-fixed",
                        4,
                        request("a", "Mr. Darcy", 30),
                        request("b", "It is", 9));
        RoundBatch plain = batch("m-2", "ad", 0, request("c", "It is a truth", 25));
        Map<String, List<Integer>> separately = new HashMap<>();
        loop(speculative, true).forEach(r -> separately.put(r.getRequestId(), r.getTokenIds()));
        loop(plain, false).forEach(r -> separately.put(r.getRequestId(), r.getTokenIds()));

        Map<String, List<Integer>> together = new HashMap<>();
        DraftAsyncFunction drafter =
                new DraftAsyncFunction(ModelSource.real(MODEL.toString()), CALL_TIMEOUT);
        VerifyAsyncFunction verifier =
                new VerifyAsyncFunction(ModelSource.real(MODEL.toString()), CALL_TIMEOUT);
        try (Stage draft = new Stage(drafter);
                Stage verify = new Stage(verifier)) {
            RoundBatch first = speculative;
            RoundBatch second = plain;
            while (!first.getSequences().isEmpty() || !second.getSequences().isEmpty()) {
                // the speculative batch drafted, then both verified in the same target passes
                List<RoundBatch> waiting = new ArrayList<>();
                if (!first.getSequences().isEmpty()) {
                    waiting.add(drafter.process(List.of(first), new double[1]).get(0));
                }
                if (!second.getSequences().isEmpty()) {
                    waiting.add(second);
                }
                for (RoundBatch verified : verifier.process(waiting, new double[waiting.size()])) {
                    verified.getResults()
                            .forEach(r -> together.put(r.getRequestId(), r.getTokenIds()));
                    if (verified.getBatchId().equals("m-1")) {
                        first = next(verified);
                    } else {
                        second = next(verified);
                    }
                }
            }
        }

        assertThat(together).isEqualTo(separately);
    }

    @Test
    void aRequestBeyondTheContextFailsAloneWithTheReason() throws Exception {
        RoundBatch batch =
                batch(
                        "b-2",
                        "sd-fixed",
                        4,
                        request("ok", "Hello", 4),
                        request("too-long", "x".repeat(250), 400));

        List<InferenceResult> results = loop(batch, true);

        assertThat(results)
                .extracting(InferenceResult::getRequestId)
                .containsExactlyInAnyOrder("ok", "too-long");
        InferenceResult ok =
                results.stream()
                        .filter(r -> r.getRequestId().equals("ok"))
                        .findFirst()
                        .orElseThrow();
        InferenceResult tooLong =
                results.stream()
                        .filter(r -> r.getRequestId().equals("too-long"))
                        .findFirst()
                        .orElseThrow();
        assertThat(ok.getFinishReason()).isIn(FinishReason.EOS, FinishReason.LENGTH);
        assertThat(ok.getGeneratedTokens()).isPositive();
        assertThat(tooLong.getFinishReason()).isEqualTo(FinishReason.ERROR);
        assertThat(tooLong.getError()).contains("exceeds the context length of 256");
    }

    @Test
    void unseededSamplingIsSeededByTheRequestId() {
        AdmittedRequest admitted = request("same-id", "Hi", 4);
        admitted.getRequest().getSampling().setTemperature(0.8f);
        GenerationRequest first = SequenceStates.request(admitted);
        GenerationRequest second = SequenceStates.request(admitted);
        assertThat(first.sampling()).isEqualTo(second.sampling());
        assertThat(first.sampling()).isNotEqualTo(SamplingConfig.greedy());
    }

    /** Runs {@code batch} round after round to the end, as the loop head and tail would. */
    private static List<InferenceResult> loop(RoundBatch batch, boolean draft) throws Exception {
        List<InferenceResult> results = new ArrayList<>();
        try (Stage drafter =
                        draft
                                ? new Stage(
                                        new DraftAsyncFunction(
                                                ModelSource.real(MODEL.toString()), CALL_TIMEOUT))
                                : null;
                Stage verifier =
                        new Stage(
                                new VerifyAsyncFunction(
                                        ModelSource.real(MODEL.toString()), CALL_TIMEOUT))) {
            RoundBatch current = batch;
            while (!current.getSequences().isEmpty()) {
                RoundBatch verified = verifier.run(draft ? drafter.run(current) : current);
                results.addAll(verified.getResults());
                current = next(verified);
            }
        }
        return results;
    }

    private static RoundBatch next(RoundBatch verified) {
        return RoundBatch.newBuilder(verified)
                .setRound(verified.getRound() + 1)
                .setResults(List.of())
                .setReport(RoundReport.newBuilder().build())
                .build();
    }

    /** One stage in an async operator harness. */
    private static final class Stage implements AutoCloseable {
        private final OneInputStreamOperatorTestHarness<RoundBatch, RoundBatch> harness;

        Stage(AsyncFunction<RoundBatch, RoundBatch> function) throws Exception {
            harness =
                    new OneInputStreamOperatorTestHarness<>(
                            new AsyncWaitOperatorFactory<>(
                                    function, 60_000, 4, OutputMode.UNORDERED),
                            new AvroTypeInfo<>(RoundBatch.class)
                                    .createSerializer(new SerializerConfigImpl()));
            harness.open();
        }

        RoundBatch run(RoundBatch batch) throws Exception {
            int before = harness.extractOutputValues().size();
            synchronized (harness.getCheckpointLock()) {
                harness.processElement(batch, 0);
            }
            while (harness.extractOutputValues().size() == before) {
                // completions reach the operator as mails: run them as the task thread would
                var mail = harness.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
                if (mail.isPresent()) {
                    mail.get().run();
                } else {
                    Thread.sleep(1);
                }
            }
            List<RoundBatch> out = harness.extractOutputValues();
            return out.get(out.size() - 1);
        }

        @Override
        public void close() throws Exception {
            harness.close();
        }
    }

    private static RoundBatch batch(
            String id, String mode, int length, AdmittedRequest... requests) {
        return RoundBatch.newBuilder()
                .setBatchId(id)
                .setClosedTime(Instant.now())
                .setBatchSize(requests.length)
                .setMode(mode)
                .setLoopSubtask(0)
                .setRound(0)
                .setSpeculationLength(length)
                .setSequences(Arrays.stream(requests).map(SequenceStates::start).toList())
                .setReport(RoundReport.newBuilder().build())
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
