package io.tandem.model.internal;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.tandem.model.ModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The hyper-parameters of a GPT-2 model, read from and written to a Hugging Face {@code
 * config.json} ({@code model_type: gpt2}). Unknown keys are ignored; missing or unsupported ones
 * are reported with the file and key. Immutable.
 *
 * @param vocabSize {@code vocab_size}
 * @param contextLength {@code n_positions}: learned positions, so the longest usable sequence
 * @param width {@code n_embd}
 * @param layers {@code n_layer}
 * @param heads {@code n_head}, dividing {@code width}
 * @param innerWidth {@code n_inner}, the MLP hidden size (HF default {@code 4 * width})
 * @param layerNormEpsilon {@code layer_norm_epsilon}
 * @param activation {@code activation_function}
 * @param bosTokenId {@code bos_token_id}, -1 if none
 * @param eosTokenId {@code eos_token_id}, -1 if none
 */
public record Gpt2Config(
        int vocabSize,
        int contextLength,
        int width,
        int layers,
        int heads,
        int innerWidth,
        double layerNormEpsilon,
        Activation activation,
        int bosTokenId,
        int eosTokenId)
        implements ModelConfig {

    public static final String MODEL_TYPE = "gpt2";

    /** The MLP activations GPT-2 checkpoints use. */
    public enum Activation {
        /** Exact GELU, {@code x * Phi(x)}: one native op. What our trainer uses. */
        GELU("gelu"),
        /** OpenAI GPT-2's tanh approximation ({@code gelu_new}, HF's default for gpt2). */
        GELU_TANH("gelu_new");

        private final String hfName;

        Activation(String hfName) {
            this.hfName = hfName;
        }

        public String hfName() {
            return hfName;
        }

        static Activation fromHf(String name) {
            return switch (name) {
                case "gelu" -> GELU;
                case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
                default -> null;
            };
        }
    }

    public Gpt2Config {
        requirePositive("vocabSize", vocabSize);
        requirePositive("contextLength", contextLength);
        requirePositive("width", width);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("innerWidth", innerWidth);
        if (width % heads != 0) {
            throw new IllegalArgumentException(
                    "width " + width + " must be a multiple of heads " + heads);
        }
        if (!(layerNormEpsilon > 0)) {
            throw new IllegalArgumentException("layerNormEpsilon must be > 0");
        }
        requireTokenId("bosTokenId", bosTokenId, vocabSize);
        requireTokenId("eosTokenId", eosTokenId, vocabSize);
    }

    /** A config with GPT-2's defaults for everything but the shape and special tokens. */
    public static Gpt2Config of(
            int vocabSize, int contextLength, int width, int layers, int heads, int eosTokenId) {
        return new Gpt2Config(
                vocabSize,
                contextLength,
                width,
                layers,
                heads,
                4 * width,
                1e-5,
                Activation.GELU,
                eosTokenId,
                eosTokenId);
    }

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    /** GPT-2 has one key/value head per attention head. */
    @Override
    public int kvHeads() {
        return heads;
    }

    @Override
    public int headDim() {
        return width / heads;
    }

    /** Number of distinct parameters (the LM head is tied to the token embedding). */
    @Override
    public long parameterCount() {
        long perLayer =
                2L * width // ln_1
                        + (long) width * 3 * width
                        + 3L * width // attn.c_attn
                        + (long) width * width
                        + width // attn.c_proj
                        + 2L * width // ln_2
                        + (long) width * innerWidth
                        + innerWidth // mlp.c_fc
                        + (long) innerWidth * width
                        + width; // mlp.c_proj
        return (long) vocabSize * width
                + (long) contextLength * width
                + layers * perLayer
                + 2L * width;
    }

    @Override
    public Map<String, HostTensor> readParameters(Checkpoint checkpoint)
            throws IOException, ModelException {
        return Gpt2Parameters.read(checkpoint, this);
    }

    @Override
    public TransformerNetwork newNetwork(Map<String, HostTensor> parameters, NDManager manager) {
        return Gpt2Network.of(this, Gpt2Parameters.upload(parameters, manager), manager);
    }

    /** Reads {@code config.json}; every problem names the file and key. */
    public static Gpt2Config read(Path file) throws ModelException {
        return read(ConfigReader.open(file));
    }

    /** Reads a parsed {@code config.json} whose {@code model_type} must be {@code gpt2}. */
    static Gpt2Config read(ConfigReader reader) throws ModelException {
        Path file = reader.file();
        String modelType = reader.string("model_type", null);
        if (!MODEL_TYPE.equals(modelType)) {
            throw new ModelException(
                    file
                            + ": model_type '"
                            + modelType
                            + "' is not supported; supported: "
                            + MODEL_TYPE);
        }
        if (!reader.bool("tie_word_embeddings", true)) {
            throw new ModelException(
                    file + ": tie_word_embeddings=false is not supported (GPT-2 ties its LM head)");
        }
        if (!reader.bool("scale_attn_weights", true)
                || reader.bool("scale_attn_by_inverse_layer_idx", false)
                || reader.bool("reorder_and_upcast_attn", false)) {
            throw new ModelException(
                    file
                            + ": only standard attention scaling is supported"
                            + " (scale_attn_weights=true, scale_attn_by_inverse_layer_idx=false,"
                            + " reorder_and_upcast_attn=false)");
        }
        String activationName = reader.string("activation_function", Activation.GELU_TANH.hfName());
        Activation activation = Activation.fromHf(activationName);
        if (activation == null) {
            throw new ModelException(
                    file
                            + ": activation_function '"
                            + activationName
                            + "' is not supported; supported: gelu, gelu_new, gelu_pytorch_tanh");
        }
        int width = reader.integer("n_embd", null);
        try {
            return new Gpt2Config(
                    reader.integer("vocab_size", null),
                    reader.integer("n_positions", null),
                    width,
                    reader.integer("n_layer", null),
                    reader.integer("n_head", null),
                    reader.integer("n_inner", 4 * width),
                    reader.number("layer_norm_epsilon", 1e-5),
                    activation,
                    reader.integer("bos_token_id", -1),
                    reader.integer("eos_token_id", -1));
        } catch (IllegalArgumentException e) {
            throw new ModelException(file + ": " + e.getMessage(), e);
        }
    }

    /** Writes this config as a Hugging Face GPT-2 {@code config.json}. */
    public void write(Path file) throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("model_type", MODEL_TYPE);
        JsonArray architectures = new JsonArray();
        architectures.add("GPT2LMHeadModel");
        json.add("architectures", architectures);
        json.addProperty("vocab_size", vocabSize);
        json.addProperty("n_positions", contextLength);
        json.addProperty("n_ctx", contextLength);
        json.addProperty("n_embd", width);
        json.addProperty("n_layer", layers);
        json.addProperty("n_head", heads);
        json.addProperty("n_inner", innerWidth);
        json.addProperty("activation_function", activation.hfName());
        json.addProperty("layer_norm_epsilon", layerNormEpsilon);
        json.add("bos_token_id", tokenIdJson(bosTokenId));
        json.add("eos_token_id", tokenIdJson(eosTokenId));
        json.addProperty("tie_word_embeddings", true);
        json.addProperty("torch_dtype", "float32");
        JsonFiles.write(file, json);
    }

    private static JsonElement tokenIdJson(int id) {
        return id < 0 ? JsonNull.INSTANCE : new JsonPrimitive(id);
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    private static void requireTokenId(String name, int id, int vocabSize) {
        if (id < -1 || id >= vocabSize) {
            throw new IllegalArgumentException(
                    name + " " + id + " is outside the vocabulary of " + vocabSize);
        }
    }
}
