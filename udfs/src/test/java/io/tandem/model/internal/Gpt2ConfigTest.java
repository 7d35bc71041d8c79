package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2ConfigTest {

    @TempDir Path dir;

    @Test
    void roundTripsThroughConfigJson() throws Exception {
        Gpt2Config config = Gpt2Config.of(257, 256, 128, 2, 4, 256);
        Path file = dir.resolve("config.json");
        config.write(file);

        assertThat(Gpt2Config.read(file)).isEqualTo(config);
        assertThat(Files.readString(file))
                .contains(
                        "\"model_type\": \"gpt2\"",
                        "\"GPT2LMHeadModel\"",
                        "\"n_embd\": 128",
                        "\"tie_word_embeddings\": true");
    }

    @Test
    void appliesHuggingFaceDefaultsAndIgnoresUnknownKeys() throws Exception {
        Gpt2Config config =
                read(
                        "{\"model_type\":\"gpt2\",\"vocab_size\":50257,\"n_positions\":1024,\"n_embd\":768,"
                            + "\"n_layer\":12,\"n_head\":12,\"n_inner\":null,\"summary_type\":\"cls_index\"}");

        assertThat(config.innerWidth()).isEqualTo(3072);
        assertThat(config.activation()).isEqualTo(Gpt2Config.Activation.GELU_TANH);
        assertThat(config.layerNormEpsilon()).isEqualTo(1e-5);
        assertThat(config.eosTokenId()).isEqualTo(-1);
        assertThat(config.parameterCount()).isEqualTo(124_439_808L); // GPT-2 small
    }

    @Test
    void namesTheFileAndKeyThatIsMissing() throws IOException {
        assertThatThrownBy(
                        () ->
                                read(
                                        "{\"model_type\":\"gpt2\",\"vocab_size\":10,\"n_positions\":8,\"n_embd\":8,\"n_layer\":1}"))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("missing required key 'n_head'");
    }

    @Test
    void rejectsOtherArchitectures() {
        assertThatThrownBy(() -> read("{\"model_type\":\"llama\"}"))
                .hasMessageContaining("model_type 'llama' is not supported; supported: gpt2");
    }

    @Test
    void rejectsUnsupportedActivations() {
        assertThatThrownBy(() -> read(minimal("\"activation_function\":\"relu\"")))
                .hasMessageContaining("activation_function 'relu' is not supported");
    }

    @Test
    void rejectsUntiedLmHeads() {
        assertThatThrownBy(() -> read(minimal("\"tie_word_embeddings\":false")))
                .hasMessageContaining("tie_word_embeddings=false is not supported");
    }

    @Test
    void rejectsWrongTypesAndInconsistentShapes() {
        assertThatThrownBy(() -> read(minimal("\"n_layer\":1.5")))
                .hasMessageContaining("key 'n_layer' must be an integer");
        assertThatThrownBy(() -> read(minimal("\"n_head\":3")))
                .hasMessageContaining("width 8 must be a multiple of heads 3");
        assertThatThrownBy(() -> read(minimal("\"eos_token_id\":10")))
                .hasMessageContaining("eosTokenId 10 is outside the vocabulary of 10");
    }

    private static String minimal(String extra) {
        return "{\"model_type\":\"gpt2\",\"vocab_size\":10,\"n_positions\":8,\"n_embd\":8,\"n_layer\":1,"
                   + "\"n_head\":2,"
                + extra
                + "}";
    }

    private Gpt2Config read(String json) throws IOException, ModelException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return Gpt2Config.read(file);
    }
}
