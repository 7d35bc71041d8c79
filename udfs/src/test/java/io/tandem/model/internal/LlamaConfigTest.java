package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigTest {

    /** TinyLlama-1.1B's config.json, as published. */
    private static final String TINY_LLAMA =
            """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 1,
             "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 2048,
             "initializer_range": 0.02, "intermediate_size": 5632,
             "max_position_embeddings": 2048, "model_type": "llama", "num_attention_heads": 32,
             "num_hidden_layers": 22, "num_key_value_heads": 4, "pretraining_tp": 1,
             "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0,
             "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true,
             "vocab_size": 32000}
            """;

    @TempDir Path dir;

    @Test
    void readsTinyLlama() throws Exception {
        LlamaConfig config = read(TINY_LLAMA);

        assertThat(config)
                .isEqualTo(
                        new LlamaConfig(
                                "llama", 32000, 2048, 2048, 5632, 22, 32, 4, 64, 1e-5, 10_000,
                                false, false, false, 1, 2));
        assertThat(config.groups()).isEqualTo(8);
        assertThat(config.parameterCount()).isEqualTo(1_100_048_384L);
    }

    @Test
    void readsSmolLmWithTiedEmbeddings() throws Exception {
        LlamaConfig config =
                read(
                        """
                        {"model_type": "llama", "vocab_size": 49152, "hidden_size": 576,
                         "intermediate_size": 1536, "num_hidden_layers": 30,
                         "num_attention_heads": 9, "num_key_value_heads": 3,
                         "max_position_embeddings": 2048, "rms_norm_eps": 1e-05,
                         "rope_theta": 10000.0, "tie_word_embeddings": true,
                         "bos_token_id": 0, "eos_token_id": 0}
                        """);

        assertThat(config.tiedEmbeddings()).isTrue();
        assertThat(config.parameterCount()).isEqualTo(134_515_008L); // SmolLM-135M
    }

    @Test
    void givesQwen2QueryKeyValueBiasesButNoOutputBias() throws Exception {
        LlamaConfig config =
                read(
                        """
                        {"model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896,
                         "intermediate_size": 4864, "num_hidden_layers": 24,
                         "num_attention_heads": 14, "num_key_value_heads": 2,
                         "max_position_embeddings": 32768, "rms_norm_eps": 1e-06,
                         "rope_theta": 1000000.0, "sliding_window": 32768,
                         "use_sliding_window": false, "tie_word_embeddings": true,
                         "bos_token_id": 151643, "eos_token_id": 151643}
                        """);

        assertThat(config.qkvBias()).isTrue();
        assertThat(config.outputBias()).isFalse();
        assertThat(config.ropeTheta()).isEqualTo(1e6);
        assertThat(config.parameterCount()).isEqualTo(494_032_768L); // Qwen2-0.5B
    }

    @Test
    void givesLlamaAttentionBiasToAllFourProjections() throws Exception {
        LlamaConfig config = read(minimal("\"attention_bias\": true"));

        assertThat(config.qkvBias()).isTrue();
        assertThat(config.outputBias()).isTrue();
    }

    @Test
    void appliesHuggingFaceDefaults() throws Exception {
        LlamaConfig config = read(minimal(""));

        assertThat(config.kvHeads()).isEqualTo(2);
        assertThat(config.headDim()).isEqualTo(4);
        assertThat(config.rmsNormEpsilon()).isEqualTo(1e-6);
        assertThat(config.ropeTheta()).isEqualTo(10_000);
        assertThat(config.tiedEmbeddings()).isFalse();
        assertThat(config.qkvBias()).isFalse();
        assertThat(config.bosTokenId()).isEqualTo(-1);
        assertThat(config.eosTokenId()).isEqualTo(-1);
    }

    @Test
    void takesTheFirstOfSeveralEndOfSequenceTokens() throws Exception {
        assertThat(read(minimal("\"eos_token_id\": [7, 8, 9]")).eosTokenId()).isEqualTo(7);
        assertThat(read(minimal("\"eos_token_id\": null")).eosTokenId()).isEqualTo(-1);
        assertThatThrownBy(() -> read(minimal("\"eos_token_id\": \"</s>\"")))
                .hasMessageContaining(
                        "key 'eos_token_id' must be an integer, a list of integers or null");
        assertThatThrownBy(() -> read(minimal("\"eos_token_id\": [10]")))
                .hasMessageContaining("eos_token_id 10 is outside the vocabulary of 10");
    }

    @Test
    void readsRopeThetaFromRopeParameters() throws Exception {
        String plain = "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 500.0}";
        String scaled = "\"rope_parameters\": {\"rope_type\": \"llama3\", \"factor\": 8.0}";

        assertThat(read(minimal(plain)).ropeTheta()).isEqualTo(500);
        assertThatThrownBy(() -> read(minimal(scaled)))
                .hasMessageContaining(
                        "key 'rope_parameters.rope_type' 'llama3' is not supported: only plain"
                                + " RoPE");
    }

    @Test
    void namesTheFileAndKeyThatIsMissing() {
        assertThatThrownBy(
                        () ->
                                read(
                                        """
                                        {"model_type": "llama", "vocab_size": 10,
                                         "hidden_size": 8, "num_hidden_layers": 1,
                                         "num_attention_heads": 2,
                                         "max_position_embeddings": 16}
                                        """))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("missing required key 'intermediate_size'");
    }

    @Test
    void rejectsRopeScaling() {
        assertThatThrownBy(
                        () ->
                                read(
                                        minimal(
                                                "\"rope_scaling\": {\"rope_type\": \"llama3\","
                                                        + " \"factor\": 8.0}")))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining(
                        "key 'rope_scaling' is {\"rope_type\":\"llama3\",\"factor\":8.0}, which is"
                                + " not supported: only plain RoPE (rope_scaling null)");
    }

    @Test
    void rejectsHeadsThatDoNotDivideTheWidth() {
        assertThatThrownBy(() -> read(minimal("\"num_attention_heads\": 3")))
                .hasMessageContaining(
                        "hidden_size 8 must be a multiple of num_attention_heads 3 (or set"
                                + " head_dim)");
        assertThatThrownBy(() -> read(minimal("\"num_attention_heads\": 0")))
                .hasMessageContaining("must be a multiple of num_attention_heads 0");
    }

    @Test
    void rejectsKeyValueHeadsThatDoNotDivideTheHeads() {
        assertThatThrownBy(() -> read(minimal("\"num_key_value_heads\": 3, \"head_dim\": 4")))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining(
                        "num_attention_heads 2 must be a multiple of num_key_value_heads 3");
    }

    @Test
    void rejectsVariantsWithOtherMath() {
        assertThatThrownBy(() -> read(minimal("\"hidden_act\": \"gelu\"")))
                .hasMessageContaining("key 'hidden_act' 'gelu' is not supported; supported: silu");
        assertThatThrownBy(() -> read(minimal("\"mlp_bias\": true")))
                .hasMessageContaining("key 'mlp_bias' true is not supported");
        assertThatThrownBy(() -> read(minimal("\"head_dim\": 3")))
                .hasMessageContaining("head_dim 3 must be even");
        assertThatThrownBy(
                        () ->
                                read(
                                        minimal("\"use_sliding_window\": true")
                                                .replace("\"llama\"", "\"qwen2\"")))
                .hasMessageContaining("key 'use_sliding_window' true is not supported");
    }

    @Test
    void rejectsWrongTypes() {
        assertThatThrownBy(() -> read(minimal("\"num_hidden_layers\": 1.5")))
                .hasMessageContaining("key 'num_hidden_layers' must be an integer");
        assertThatThrownBy(() -> read(minimal("\"tie_word_embeddings\": \"yes\"")))
                .hasMessageContaining("key 'tie_word_embeddings' must be true or false");
    }

    @Test
    void dispatchesOnModelType() throws Exception {
        Path file = dir.resolve("config.json");
        Gpt2Config.of(257, 64, 32, 2, 4, 256).write(file);
        assertThat(ModelConfig.read(file)).isInstanceOf(Gpt2Config.class);

        Files.writeString(file, TINY_LLAMA);
        assertThat(ModelConfig.read(file)).isInstanceOf(LlamaConfig.class);

        Files.writeString(file, minimal("").replace("\"llama\"", "\"mistral\""));
        assertThatThrownBy(() -> ModelConfig.read(file))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(
                        "model_type 'mistral' is not supported; supported: gpt2, llama, qwen2");

        Files.writeString(file, "{\"vocab_size\": 10}");
        assertThatThrownBy(() -> ModelConfig.read(file))
                .hasMessageContaining(file + ": missing required key 'model_type'");
    }

    /** A valid Llama config (vocab 10, width 8, 2 heads, 1 layer) plus {@code extra} keys. */
    private static String minimal(String extra) {
        return "{\"model_type\": \"llama\", \"vocab_size\": 10, \"hidden_size\": 8,"
                + " \"intermediate_size\": 12, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 2, \"max_position_embeddings\": 16"
                + (extra.isEmpty() ? "" : ", " + extra) // later keys win
                + "}";
    }

    private LlamaConfig read(String json) throws IOException, ModelException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return (LlamaConfig) ModelConfig.read(file);
    }
}
