package io.tandem.model;

import io.tandem.model.internal.ModelConfig;
import java.nio.file.Path;

/**
 * What a model is, as far as callers need to know: its identity, size and token limits. Immutable.
 *
 * @param name the model directory's name
 * @param architecture the {@code model_type} of its {@code config.json}: {@code gpt2}, {@code
 *     llama} or {@code qwen2}
 * @param parameters number of distinct weights (tied weights counted once)
 * @param layers transformer blocks
 * @param width hidden size
 * @param heads attention heads
 * @param vocabSize rows of the embedding; valid token ids are {@code 0..vocabSize-1}
 * @param contextLength longest sequence (prompt plus generated tokens) the model supports
 * @param eosTokenId the end-of-sequence token, or -1 if the model has none
 */
public record ModelInfo(
        String name,
        String architecture,
        long parameters,
        int layers,
        int width,
        int heads,
        int vocabSize,
        int contextLength,
        int eosTokenId) {

    /**
     * Describes the model in {@code modelDir} from its {@code config.json}, without loading
     * weights.
     */
    public static ModelInfo read(Path modelDir) throws ModelException {
        return of(modelDir, ModelConfig.read(modelDir.resolve(ModelConfig.FILE_NAME)));
    }

    static ModelInfo of(Path modelDir, ModelConfig config) {
        Path fileName = modelDir.toAbsolutePath().normalize().getFileName();
        return new ModelInfo(
                fileName == null ? modelDir.toString() : fileName.toString(),
                config.modelType(),
                config.parameterCount(),
                config.layers(),
                config.width(),
                config.heads(),
                config.vocabSize(),
                config.contextLength(),
                config.eosTokenId());
    }
}
