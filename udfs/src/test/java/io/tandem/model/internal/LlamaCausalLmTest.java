package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.tandem.model.CausalLm;
import io.tandem.model.FinishReason;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelException;
import io.tandem.model.ModelInfo;
import io.tandem.model.SamplingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loading and generation through {@link CausalLm} on tiny random byte-level Llama models. */
class LlamaCausalLmTest {

    @TempDir static Path root;

    private static CausalLm llama;
    private static CausalLm qwen2;

    @BeforeAll
    static void load() throws Exception {
        llama =
                CausalLm.load(
                        RandomLlama.writeModel(
                                root.resolve("random-llama"), RandomLlama.BYTE_LEVEL_LLAMA, 5));
        qwen2 =
                CausalLm.load(
                        RandomLlama.writeModel(
                                root.resolve("random-qwen2"), RandomLlama.BYTE_LEVEL_QWEN2, 5));
    }

    @AfterAll
    static void close() {
        llama.close();
        qwen2.close();
    }

    /** The model by architecture; tests take names, as JUnit closes AutoCloseable arguments. */
    private static CausalLm model(String architecture) {
        return architecture.equals(LlamaConfig.LLAMA) ? llama : qwen2;
    }

    @Test
    void describesTheLoadedModel() throws Exception {
        LlamaConfig config = RandomLlama.BYTE_LEVEL_LLAMA;

        assertThat(llama.info())
                .isEqualTo(
                        new ModelInfo(
                                "random-llama",
                                "llama",
                                config.parameterCount(),
                                2,
                                32,
                                4,
                                257,
                                64,
                                256));
        assertThat(ModelInfo.read(root.resolve("random-llama"))).isEqualTo(llama.info());
        assertThat(qwen2.info().architecture()).isEqualTo("qwen2");
        assertThat(qwen2.info().parameters())
                .isEqualTo(RandomLlama.BYTE_LEVEL_QWEN2.parameterCount());
    }

    @ParameterizedTest
    @ValueSource(strings = {LlamaConfig.LLAMA, LlamaConfig.QWEN2})
    void greedyDecodingIsDeterministic(String architecture) throws Exception {
        CausalLm model = model(architecture);
        GenerationRequest request = greedy(model, "g", "Emma", 20);

        Generation first = model.generate(List.of(request)).get(0);

        assertThat(first.tokens()).hasSize(20);
        assertThat(first.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(model.generate(List.of(request)).get(0)).isEqualTo(first);
    }

    @ParameterizedTest
    @ValueSource(strings = {LlamaConfig.LLAMA, LlamaConfig.QWEN2})
    void outputDoesNotDependOnTheRestOfTheBatch(String architecture) throws Exception {
        CausalLm model = model(architecture);
        List<GenerationRequest> batch =
                List.of(
                        greedy(model, "long", "It is a truth universally", 6),
                        sampled(model, "hot", "Mr. Knightley", 12, 17),
                        greedy(model, "short", "E", 20),
                        greedy(model, "mid", "Jane Fairfax", 9));

        List<Generation> together = model.generate(batch);

        for (int i = 0; i < batch.size(); i++) {
            assertThat(together.get(i)).isEqualTo(model.generate(List.of(batch.get(i))).get(0));
        }
    }

    @Test
    void loadsShardedCheckpointsLikeSingleFiles(@TempDir Path dir) throws Exception {
        Path sharded = RandomLlama.writeModel(dir, RandomLlama.BYTE_LEVEL_LLAMA, 5);
        shard(sharded);

        List<GenerationRequest> batch =
                List.of(greedy(llama, "a", "Hartfield", 10), sampled(llama, "b", "Elton", 10, 2));
        try (CausalLm fromShards = CausalLm.load(sharded)) {
            assertThat(fromShards.generate(batch)).isEqualTo(llama.generate(batch));
        }
    }

    @Test
    void namesTensorsThatAreMissingOrMisshapen(@TempDir Path dir) throws Exception {
        Path model = RandomLlama.writeModel(dir.resolve("broken"), RandomLlama.BYTE_LEVEL_LLAMA, 5);
        Path config = model.resolve(ModelConfig.FILE_NAME);
        String json = Files.readString(config);

        Files.writeString(
                config, json.replace("\"attention_bias\": false", "\"attention_bias\": true"));
        assertThatThrownBy(() -> CausalLm.load(model))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("checkpoint lacks 8 Llama tensors, e.g.")
                .hasMessageContaining("model.layers.0.self_attn.q_proj.bias");

        Files.writeString(
                config, json.replace("\"intermediate_size\": 48", "\"intermediate_size\": 40"));
        assertThatThrownBy(() -> CausalLm.load(model))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(
                        "tensor 'model.layers.0.mlp.gate_proj.weight' has shape [48, 32] but"
                                + " config.json implies [40, 32]");
    }

    /**
     * Replaces the single weights file by two shards (embedding and first layer, then the rest) and
     * an index, as Hugging Face saves large checkpoints.
     */
    private static void shard(Path directory) throws Exception {
        Path single = directory.resolve(Checkpoint.SINGLE_FILE);
        Map<String, HostTensor> first = new LinkedHashMap<>();
        Map<String, HostTensor> second = new LinkedHashMap<>();
        JsonObject weightMap = new JsonObject();
        try (SafetensorsFile file = SafetensorsFile.open(single)) {
            for (String name : file.names()) {
                boolean early =
                        name.equals(LlamaParameters.EMBEDDING)
                                || name.startsWith(LlamaParameters.layer(0));
                (early ? first : second).put(name, file.read(name));
                weightMap.addProperty(
                        name, "model-0000" + (early ? 1 : 2) + "-of-00002.safetensors");
            }
        }
        Files.delete(single);
        SafetensorsWriter.write(
                directory.resolve("model-00001-of-00002.safetensors"),
                first,
                SafetensorsDtype.F32,
                Map.of());
        SafetensorsWriter.write(
                directory.resolve("model-00002-of-00002.safetensors"),
                second,
                SafetensorsDtype.F32,
                Map.of());
        JsonObject index = new JsonObject();
        index.add("weight_map", weightMap);
        JsonFiles.write(directory.resolve(Checkpoint.INDEX_FILE), index);
    }

    private static GenerationRequest greedy(
            CausalLm model, String id, String prompt, int maxNewTokens) {
        return new GenerationRequest(
                id, model.tokenizer().encode(prompt), maxNewTokens, SamplingConfig.greedy());
    }

    private static GenerationRequest sampled(
            CausalLm model, String id, String prompt, int maxNewTokens, long seed) {
        return new GenerationRequest(
                id,
                model.tokenizer().encode(prompt),
                maxNewTokens,
                new SamplingConfig(1.0, 0.95, seed));
    }
}
