package io.tandem.model.internal;

import ai.djl.ndarray.NDManager;
import io.tandem.model.ModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The hyper-parameters of a model of one of the supported architectures, read from a Hugging Face
 * {@code config.json} by its {@code model_type}, and the way from them to the model's weights and
 * forward pass. Implementations are immutable records.
 */
public sealed interface ModelConfig permits Gpt2Config, LlamaConfig {

    String FILE_NAME = "config.json";

    /**
     * Reads {@code config.json}, choosing the architecture by its {@code model_type}; every problem
     * names the file and key.
     */
    static ModelConfig read(Path file) throws ModelException {
        ConfigReader reader = ConfigReader.open(file);
        String modelType = reader.string("model_type", null);
        if (modelType == null) {
            throw new ModelException(file + ": missing required key 'model_type'");
        }
        return switch (modelType) {
            case Gpt2Config.MODEL_TYPE -> Gpt2Config.read(reader);
            case LlamaConfig.LLAMA, LlamaConfig.QWEN2 -> LlamaConfig.read(reader);
            default ->
                    throw new ModelException(
                            file
                                    + ": model_type '"
                                    + modelType
                                    + "' is not supported; supported: "
                                    + Gpt2Config.MODEL_TYPE
                                    + ", "
                                    + LlamaConfig.LLAMA
                                    + ", "
                                    + LlamaConfig.QWEN2);
        };
    }

    /** The {@code model_type} of {@code config.json}. */
    String modelType();

    int vocabSize();

    /** The longest sequence (prompt plus generated tokens) the model supports. */
    int contextLength();

    /** The hidden size, the width of the residual stream. */
    int width();

    int layers();

    /** Attention (query) heads. */
    int heads();

    /** Key/value heads, dividing {@link #heads()}; fewer than it under grouped-query attention. */
    int kvHeads();

    int headDim();

    /** The end-of-sequence token, or -1 if there is none. */
    int eosTokenId();

    /** Number of distinct parameters (tied weights counted once). */
    long parameterCount();

    /**
     * Reads this model's parameters from {@code checkpoint}, under Hugging Face names, checking
     * that every one is present with the shape this config implies.
     */
    Map<String, HostTensor> readParameters(Checkpoint checkpoint)
            throws IOException, ModelException;

    /**
     * Builds the forward pass over {@code parameters} (as returned by {@link #readParameters}),
     * copying what it needs into arrays owned by {@code manager}.
     */
    TransformerNetwork newNetwork(Map<String, HostTensor> parameters, NDManager manager);
}
