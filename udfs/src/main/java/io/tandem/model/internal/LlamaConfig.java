package io.tandem.model.internal;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import io.tandem.model.ModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The hyper-parameters of a Llama-family model, read from a Hugging Face {@code config.json} with
 * {@code model_type} {@code llama} (Llama, TinyLlama, SmolLM) or {@code qwen2}: pre-RMSNorm blocks,
 * rotary position embeddings, grouped-query attention and a SwiGLU MLP. Unknown keys are ignored;
 * missing or unsupported ones are reported with the file and key. Immutable.
 *
 * @param modelType {@code model_type}: {@link #LLAMA} or {@link #QWEN2}
 * @param vocabSize {@code vocab_size}
 * @param contextLength {@code max_position_embeddings}
 * @param width {@code hidden_size}
 * @param innerWidth {@code intermediate_size}, the MLP hidden size
 * @param layers {@code num_hidden_layers}
 * @param heads {@code num_attention_heads}
 * @param kvHeads {@code num_key_value_heads}, dividing {@code heads}
 * @param headDim {@code head_dim} (Hugging Face default {@code width / heads}), even for RoPE
 * @param rmsNormEpsilon {@code rms_norm_eps}
 * @param ropeTheta {@code rope_theta}, the RoPE base
 * @param qkvBias whether the query, key and value projections have biases ({@code attention_bias}
 *     for Llama, always for Qwen2)
 * @param outputBias whether the attention output projection has a bias ({@code attention_bias} for
 *     Llama, never for Qwen2)
 * @param tiedEmbeddings {@code tie_word_embeddings}: the LM head is the token embedding
 * @param bosTokenId {@code bos_token_id}, -1 if none
 * @param eosTokenId {@code eos_token_id} (the first, if a list), -1 if none
 */
public record LlamaConfig(
        String modelType,
        int vocabSize,
        int contextLength,
        int width,
        int innerWidth,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        double rmsNormEpsilon,
        double ropeTheta,
        boolean qkvBias,
        boolean outputBias,
        boolean tiedEmbeddings,
        int bosTokenId,
        int eosTokenId)
        implements ModelConfig {

    public static final String LLAMA = "llama";
    public static final String QWEN2 = "qwen2";

    public LlamaConfig {
        if (!LLAMA.equals(modelType) && !QWEN2.equals(modelType)) {
            throw new IllegalArgumentException(
                    "model_type '" + modelType + "' is not a Llama-family type");
        }
        requirePositive("vocab_size", vocabSize);
        requirePositive("max_position_embeddings", contextLength);
        requirePositive("hidden_size", width);
        requirePositive("intermediate_size", innerWidth);
        requirePositive("num_hidden_layers", layers);
        requirePositive("num_attention_heads", heads);
        requirePositive("num_key_value_heads", kvHeads);
        requirePositive("head_dim", headDim);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    "num_attention_heads "
                            + heads
                            + " must be a multiple of num_key_value_heads "
                            + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException(
                    "head_dim " + headDim + " must be even: RoPE rotates pairs of dimensions");
        }
        if (!(rmsNormEpsilon > 0)) {
            throw new IllegalArgumentException("rms_norm_eps must be > 0, got " + rmsNormEpsilon);
        }
        if (!(ropeTheta > 0)) {
            throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
        }
        requireTokenId("bos_token_id", bosTokenId, vocabSize);
        requireTokenId("eos_token_id", eosTokenId, vocabSize);
    }

    /** Query heads sharing one key/value head. */
    public int groups() {
        return heads / kvHeads;
    }

    @Override
    public long parameterCount() {
        long queryWidth = (long) heads * headDim;
        long kvWidth = (long) kvHeads * headDim;
        long perLayer =
                2L * width // input_layernorm, post_attention_layernorm
                        + width * (queryWidth + 2 * kvWidth) // q_proj, k_proj, v_proj
                        + (qkvBias ? queryWidth + 2 * kvWidth : 0)
                        + queryWidth * width // o_proj
                        + (outputBias ? width : 0)
                        + 3L * width * innerWidth; // gate_proj, up_proj, down_proj
        long embedding = (long) vocabSize * width;
        return embedding + layers * perLayer + width + (tiedEmbeddings ? 0 : embedding);
    }

    @Override
    public Map<String, HostTensor> readParameters(Checkpoint checkpoint)
            throws IOException, ModelException {
        return checkpoint.read(LlamaParameters.shapes(this), "Llama");
    }

    @Override
    public TransformerNetwork newNetwork(Map<String, HostTensor> parameters, NDManager manager) {
        return LlamaNetwork.of(this, parameters, manager);
    }

    /** Reads {@code config.json}; every problem names the file and key. */
    public static LlamaConfig read(Path file) throws ModelException {
        return read(ConfigReader.open(file));
    }

    /** Reads a parsed {@code config.json} whose {@code model_type} must be llama or qwen2. */
    static LlamaConfig read(ConfigReader reader) throws ModelException {
        Path file = reader.file();
        String modelType = reader.string("model_type", null);
        if (!LLAMA.equals(modelType) && !QWEN2.equals(modelType)) {
            throw new ModelException(
                    file
                            + ": model_type '"
                            + modelType
                            + "' is not supported; supported: "
                            + LLAMA
                            + ", "
                            + QWEN2);
        }
        rejectUnsupportedVariants(reader, modelType);
        int width = reader.integer("hidden_size", null);
        int heads = reader.integer("num_attention_heads", null);
        int headDim;
        if (reader.element("head_dim") != null) {
            headDim = reader.integer("head_dim", null);
        } else if (heads > 0 && width % heads == 0) {
            headDim = width / heads;
        } else {
            throw new ModelException(
                    file
                            + ": hidden_size "
                            + width
                            + " must be a multiple of num_attention_heads "
                            + heads
                            + " (or set head_dim)");
        }
        boolean attentionBias = reader.bool("attention_bias", false);
        boolean qwen2 = QWEN2.equals(modelType);
        try {
            return new LlamaConfig(
                    modelType,
                    reader.integer("vocab_size", null),
                    reader.integer("max_position_embeddings", null),
                    width,
                    reader.integer("intermediate_size", null),
                    reader.integer("num_hidden_layers", null),
                    heads,
                    reader.integer("num_key_value_heads", heads),
                    headDim,
                    reader.number("rms_norm_eps", 1e-6),
                    ropeTheta(reader),
                    qwen2 || attentionBias,
                    !qwen2 && attentionBias,
                    reader.bool("tie_word_embeddings", false),
                    reader.tokenId("bos_token_id"),
                    reader.tokenId("eos_token_id"));
        } catch (IllegalArgumentException e) {
            throw new ModelException(file + ": " + e.getMessage(), e);
        }
    }

    /** Refuses settings that change the math this implementation does. */
    private static void rejectUnsupportedVariants(ConfigReader reader, String modelType)
            throws ModelException {
        JsonElement ropeScaling = reader.element("rope_scaling");
        if (ropeScaling != null) {
            throw reader.error(
                    "rope_scaling",
                    "is "
                            + ropeScaling
                            + ", which is not supported: only plain RoPE (rope_scaling null)");
        }
        String activation = reader.string("hidden_act", "silu");
        if (!"silu".equals(activation)) {
            throw reader.error(
                    "hidden_act", "'" + activation + "' is not supported; supported: silu");
        }
        if (reader.bool("mlp_bias", false)) {
            throw reader.error("mlp_bias", "true is not supported");
        }
        if (QWEN2.equals(modelType) && reader.bool("use_sliding_window", false)) {
            throw reader.error("use_sliding_window", "true is not supported");
        }
    }

    /**
     * {@code rope_theta}, or, in configs written by newer Hugging Face versions, the {@code
     * rope_theta} of a {@code rope_parameters} object of the default type.
     */
    private static double ropeTheta(ConfigReader reader) throws ModelException {
        ConfigReader parameters = reader.object("rope_parameters");
        if (parameters == null) {
            return reader.number("rope_theta", 10_000);
        }
        String type = parameters.string("rope_type", "default");
        if (!"default".equals(type)) {
            throw parameters.error(
                    "rope_type",
                    "'" + type + "' is not supported: only plain RoPE (rope_type default)");
        }
        return parameters.number("rope_theta", 10_000);
    }

    private static void requirePositive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }

    private static void requireTokenId(String key, int id, int vocabSize) {
        if (id < -1 || id >= vocabSize) {
            throw new IllegalArgumentException(
                    key + " " + id + " is outside the vocabulary of " + vocabSize);
        }
    }
}
