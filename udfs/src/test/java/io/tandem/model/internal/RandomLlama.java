package io.tandem.model.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Randomly initialised Llama-family weights and model directories in Hugging Face layout for tests.
 * Spreads are wide so logits differ clearly between tokens and positions, which makes numerical
 * comparisons meaningful.
 */
public final class RandomLlama {

    /**
     * A tiny byte-level Llama: vocab 257 (EOS 256), context 64, width 32, 2 layers, 4 heads sharing
     * 2 key/value heads, tied embeddings, no biases.
     */
    public static final LlamaConfig BYTE_LEVEL_LLAMA =
            new LlamaConfig(
                    LlamaConfig.LLAMA,
                    257,
                    64,
                    32,
                    48,
                    2,
                    4,
                    2,
                    8,
                    1e-5,
                    10_000,
                    false,
                    false,
                    true,
                    256,
                    256);

    /**
     * The Qwen2 variant of {@link #BYTE_LEVEL_LLAMA}: query/key/value biases, an untied LM head and
     * a smaller RoPE base.
     */
    public static final LlamaConfig BYTE_LEVEL_QWEN2 =
            new LlamaConfig(
                    LlamaConfig.QWEN2,
                    257,
                    64,
                    32,
                    48,
                    2,
                    4,
                    2,
                    8,
                    1e-6,
                    500,
                    true,
                    false,
                    false,
                    -1,
                    256);

    private RandomLlama() {}

    public static Map<String, HostTensor> weights(LlamaConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        LlamaParameters.shapes(config)
                .forEach(
                        (name, shape) -> {
                            float[] values = new float[(int) HostTensor.elementCount(shape)];
                            for (int i = 0; i < values.length; i++) {
                                double noise = random.nextGaussian();
                                values[i] =
                                        (float)
                                                (name.endsWith("norm.weight")
                                                        ? 1 + 0.1 * noise
                                                        : name.endsWith(".bias")
                                                                ? 0.1 * noise
                                                                : 0.3 * noise);
                            }
                            weights.put(name, new HostTensor(shape, values));
                        });
        return weights;
    }

    /** Writes a loadable model directory with the byte-level tokenizer. */
    public static Path writeModel(Path directory, LlamaConfig config, long seed)
            throws IOException {
        Files.createDirectories(directory);
        JsonFiles.write(directory.resolve(ModelConfig.FILE_NAME), configJson(config));
        SafetensorsWriter.write(
                directory.resolve(Checkpoint.SINGLE_FILE),
                weights(config, seed),
                SafetensorsDtype.F32,
                Map.of("format", "pt"));
        Files.writeString(
                directory.resolve(ModelDirectory.TOKENIZER_FILE), ByteLevelTokenizerFile.json());
        return directory;
    }

    /** {@code config} as Hugging Face writes it. */
    static JsonObject configJson(LlamaConfig config) {
        boolean qwen2 = LlamaConfig.QWEN2.equals(config.modelType());
        if (qwen2
                ? !config.qkvBias() || config.outputBias()
                : config.qkvBias() != config.outputBias()) {
            throw new IllegalArgumentException("biases not expressible in config.json: " + config);
        }
        JsonObject json = new JsonObject();
        json.addProperty("model_type", config.modelType());
        JsonArray architectures = new JsonArray();
        architectures.add(qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        json.add("architectures", architectures);
        json.addProperty("vocab_size", config.vocabSize());
        json.addProperty("max_position_embeddings", config.contextLength());
        json.addProperty("hidden_size", config.width());
        json.addProperty("intermediate_size", config.innerWidth());
        json.addProperty("num_hidden_layers", config.layers());
        json.addProperty("num_attention_heads", config.heads());
        json.addProperty("num_key_value_heads", config.kvHeads());
        json.addProperty("head_dim", config.headDim());
        json.addProperty("hidden_act", "silu");
        json.addProperty("rms_norm_eps", config.rmsNormEpsilon());
        json.addProperty("rope_theta", config.ropeTheta());
        json.add("rope_scaling", JsonNull.INSTANCE);
        if (!qwen2) {
            json.addProperty("attention_bias", config.qkvBias());
        }
        json.addProperty("tie_word_embeddings", config.tiedEmbeddings());
        if (config.bosTokenId() >= 0) {
            json.addProperty("bos_token_id", config.bosTokenId());
        } else {
            json.add("bos_token_id", JsonNull.INSTANCE);
        }
        if (config.eosTokenId() >= 0) {
            JsonArray eos = new JsonArray(); // a list, as Llama 3 writes it
            eos.add(config.eosTokenId());
            json.add("eos_token_id", eos);
        } else {
            json.add("eos_token_id", JsonNull.INSTANCE);
        }
        json.addProperty("torch_dtype", "float32");
        return json;
    }
}
