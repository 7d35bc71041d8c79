package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.internal.Checkpoint;
import io.tandem.model.internal.Gpt2Config;
import io.tandem.model.internal.HostTensor;
import io.tandem.model.internal.RandomGpt2;
import io.tandem.model.internal.SafetensorsDtype;
import io.tandem.model.internal.SafetensorsFile;
import io.tandem.model.internal.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation on a tiny randomly initialised byte-level GPT-2 (context 32). */
class CausalLmTest {

    private static final Gpt2Config CONFIG = RandomGpt2.BYTE_LEVEL_CONFIG;

    @TempDir static Path root;

    private static Path modelDir;
    private static CausalLm model;

    @BeforeAll
    static void load() throws Exception {
        modelDir = RandomGpt2.writeModel(root.resolve("random-gpt2"), CONFIG, 5);
        model = CausalLm.load(modelDir);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void describesTheLoadedModel() throws Exception {
        ModelInfo info = model.info();

        assertThat(info)
                .isEqualTo(
                        new ModelInfo(
                                "random-gpt2",
                                "gpt2",
                                CONFIG.parameterCount(),
                                2,
                                32,
                                4,
                                257,
                                32,
                                256));
        assertThat(ModelInfo.read(modelDir)).isEqualTo(info);
        assertThat(model.tokenizer().vocabSize()).isEqualTo(257);
    }

    @Test
    void returnsOneGenerationPerRequestInOrder() throws Exception {
        List<Generation> generations =
                model.generate(
                        List.of(
                                greedy("a", "Hello", 4),
                                greedy("b", "Hi", 7),
                                greedy("c", "Hey there", 1)));

        assertThat(generations).extracting(Generation::id).containsExactly("a", "b", "c");
        assertThat(generations).extracting(g -> g.tokens().length).containsExactly(4, 7, 1);
        assertThat(generations)
                .extracting(Generation::finishReason)
                .containsOnly(FinishReason.LENGTH);
        assertThat(model.generate(List.of())).isEmpty();
    }

    @Test
    void greedyDecodingIsDeterministicAndPicksTheArgmax() throws Exception {
        GenerationRequest request = greedy("g", "Emma", 10);
        int[] first = model.generate(List.of(request)).get(0).tokens();

        assertThat(model.generate(List.of(request)).get(0).tokens()).isEqualTo(first);
        assertThat(first).doesNotContain(CONFIG.eosTokenId());
    }

    @Test
    void outputDoesNotDependOnTheRestOfTheBatch() throws Exception {
        List<GenerationRequest> batch =
                List.of(
                        greedy("long", "It is a truth universally", 6),
                        sampled("hot", "Mr. Knightley", 12, 1.3, 1.0, 17),
                        greedy("short", "E", 20),
                        sampled("nucleus", "Harriet said", 15, 0.8, 0.9, 99),
                        greedy("mid", "Jane Fairfax", 9));

        List<Generation> together = model.generate(batch);

        for (int i = 0; i < batch.size(); i++) {
            assertThat(together.get(i)).isEqualTo(model.generate(List.of(batch.get(i))).get(0));
        }
    }

    @Test
    void theSameSeedSamplesTheSameTokensAndAnotherSeedOthers() throws Exception {
        Generation first = model.generate(List.of(sampled("s", "Frank", 20, 1.0, 1.0, 3))).get(0);
        Generation again = model.generate(List.of(sampled("s", "Frank", 20, 1.0, 1.0, 3))).get(0);
        Generation other = model.generate(List.of(sampled("s", "Frank", 20, 1.0, 1.0, 4))).get(0);

        assertThat(again).isEqualTo(first);
        assertThat(other.tokens()).isNotEqualTo(first.tokens());
    }

    @Test
    void stopsAtTheEndOfSequenceTokenWithoutEmittingIt(@TempDir Path dir) throws Exception {
        int[] unstopped = model.generate(List.of(greedy("x", "Box Hill", 12))).get(0).tokens();
        int stop = lastFirstOccurrence(unstopped);
        // the same weights, with the token greedy decoding reaches at `stop` declared
        // end-of-sequence
        Path withEos = RandomGpt2.writeModel(dir, CONFIG, 5);
        Path config = withEos.resolve("config.json");
        Files.writeString(
                config,
                Files.readString(config)
                        .replace("\"eos_token_id\": 256", "\"eos_token_id\": " + unstopped[stop]));

        try (CausalLm stopping = CausalLm.load(withEos)) {
            Generation generation = stopping.generate(List.of(greedy("x", "Box Hill", 12))).get(0);

            assertThat(generation.finishReason()).isEqualTo(FinishReason.EOS);
            assertThat(generation.tokens()).isEqualTo(Arrays.copyOf(unstopped, stop));

            GenerationRequest ignoring =
                    new GenerationRequest(
                            "x",
                            model.tokenizer().encode("Box Hill"),
                            12,
                            SamplingConfig.greedy(),
                            true);
            Generation past = stopping.generate(List.of(ignoring)).get(0);
            assertThat(past.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(past.tokens()).isEqualTo(unstopped);
        }
    }

    @Test
    void rejectsRequestsThatRunPastTheContext() {
        int[] prompt = model.tokenizer().encode("0123456789012345678901234"); // 25 tokens

        assertThatThrownBy(
                        () ->
                                model.generate(
                                        List.of(greedy("ok", "a", 3), request("long", prompt, 8))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "request long: prompt of 25 tokens plus 8 new tokens exceeds the context"
                                + " length of 32");
        assertThatCode(() -> model.generate(List.of(request("fits", prompt, 7))))
                .doesNotThrowAnyException();
    }

    @Test
    void rejectsTokensOutsideTheVocabulary() {
        assertThatThrownBy(() -> model.generate(List.of(request("bad", new int[] {1, 257}, 2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("request bad: token id 257 is outside the vocabulary of 257");
    }

    @Test
    void generatesConcurrentlyFromSeveralThreads() throws Exception {
        List<GenerationRequest> batch =
                List.of(
                        greedy("a", "Highbury", 15),
                        sampled("b", "Randalls", 15, 1.0, 0.95, 8),
                        greedy("c", "Donwell Abbey", 10));
        List<Generation> expected = model.generate(batch);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<List<Generation>>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Callable<List<Generation>> call = () -> model.generate(batch);
                results.add(pool.submit(call));
            }
            for (Future<List<Generation>> result : results) {
                assertThat(result.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void loadsShardedCheckpointsLikeSingleFiles(@TempDir Path dir) throws Exception {
        Path sharded = RandomGpt2.writeModel(dir, CONFIG, 5);
        Map<String, HostTensor> first = new LinkedHashMap<>();
        Map<String, HostTensor> second = new LinkedHashMap<>();
        StringBuilder weightMap = new StringBuilder();
        try (SafetensorsFile single =
                SafetensorsFile.open(sharded.resolve(Checkpoint.SINGLE_FILE))) {
            for (String name : single.names()) {
                boolean early = name.startsWith("w") || name.startsWith("h.0.");
                (early ? first : second).put(name, single.read(name));
                weightMap
                        .append(weightMap.length() == 0 ? "" : ",")
                        .append('"')
                        .append(name)
                        .append("\":\"model-0000")
                        .append(early ? 1 : 2)
                        .append("-of-00002.safetensors\"");
            }
        }
        Files.delete(sharded.resolve(Checkpoint.SINGLE_FILE));
        SafetensorsWriter.write(
                sharded.resolve("model-00001-of-00002.safetensors"),
                first,
                SafetensorsDtype.F32,
                Map.of());
        SafetensorsWriter.write(
                sharded.resolve("model-00002-of-00002.safetensors"),
                second,
                SafetensorsDtype.F32,
                Map.of());
        Files.writeString(
                sharded.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\":{" + weightMap + "}}");

        List<GenerationRequest> batch =
                List.of(greedy("a", "Hartfield", 10), sampled("b", "Mr. Elton", 10, 1, 1, 2));
        try (CausalLm fromShards = CausalLm.load(sharded)) {
            assertThat(fromShards.generate(batch)).isEqualTo(model.generate(batch));
        }
    }

    @Test
    void namesTheModelWhenWeightsAreMissing(@TempDir Path dir) throws Exception {
        Path broken = RandomGpt2.writeModel(dir.resolve("broken"), CONFIG, 5);
        Files.delete(broken.resolve(Checkpoint.SINGLE_FILE));

        assertThatThrownBy(() -> CausalLm.load(broken))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("broken: cannot read weights")
                .hasMessageContaining("no weights found");
    }

    @Test
    void refusesToGenerateAfterClose(@TempDir Path dir) throws Exception {
        CausalLm closed = CausalLm.load(RandomGpt2.writeModel(dir.resolve("closed"), CONFIG, 5));
        closed.close();

        assertThatThrownBy(() -> closed.generate(List.of(greedy("a", "b", 1))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("model closed is closed");
    }

    @Test
    void requestsValidateAndCopyTheirTokens() {
        int[] prompt = {1, 2, 3};
        GenerationRequest request = new GenerationRequest("r", prompt, 5, SamplingConfig.greedy());
        prompt[0] = 99;
        request.promptTokens()[1] = 99;

        assertThat(request.promptTokens()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> new GenerationRequest("r", new int[0], 5, SamplingConfig.greedy()))
                .hasMessageContaining("request r: prompt must not be empty");
        assertThatThrownBy(
                        () -> new GenerationRequest("r", new int[] {1}, 0, SamplingConfig.greedy()))
                .hasMessageContaining("request r: maxNewTokens must be >= 1, got 0");
    }

    /** The last index whose token does not occur earlier in {@code tokens}. */
    private static int lastFirstOccurrence(int[] tokens) {
        int last = 0;
        for (int i = 1; i < tokens.length; i++) {
            int token = tokens[i];
            if (Arrays.stream(tokens, 0, i).noneMatch(t -> t == token)) {
                last = i;
            }
        }
        return last;
    }

    private static GenerationRequest greedy(String id, String prompt, int maxNewTokens) {
        return request(id, model.tokenizer().encode(prompt), maxNewTokens);
    }

    private static GenerationRequest request(String id, int[] prompt, int maxNewTokens) {
        return new GenerationRequest(id, prompt, maxNewTokens, SamplingConfig.greedy());
    }

    private static GenerationRequest sampled(
            String id,
            String prompt,
            int maxNewTokens,
            double temperature,
            double topP,
            long seed) {
        return new GenerationRequest(
                id,
                model.tokenizer().encode(prompt),
                maxNewTokens,
                new SamplingConfig(temperature, topP, seed));
    }
}
