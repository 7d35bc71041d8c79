package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.ModelException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2ParametersTest {

    private static final Gpt2Config CONFIG = Gpt2Config.of(20, 8, 8, 2, 2, 19);

    @TempDir Path dir;

    @Test
    void listsAsManyParametersAsTheConfigCounts() {
        long total =
                Gpt2Parameters.specs(CONFIG).stream()
                        .mapToLong(spec -> HostTensor.elementCount(spec.shape()))
                        .sum();

        assertThat(total).isEqualTo(CONFIG.parameterCount());
        assertThat(Gpt2Parameters.specs(CONFIG)).hasSize(2 + 12 * 2 + 2);
    }

    @Test
    void readsPrefixedCheckpointsAndIgnoresExtraTensors() throws Exception {
        Map<String, HostTensor> weights = RandomGpt2.weights(CONFIG, 3);
        Map<String, HostTensor> stored = new LinkedHashMap<>();
        weights.forEach((name, tensor) -> stored.put("transformer." + name, tensor));
        stored.put("lm_head.weight", weights.get("wte.weight"));
        stored.put(
                "transformer.h.0.attn.bias",
                new HostTensor(new long[] {1, 1, 8, 8}, new float[64]));
        SafetensorsWriter.write(
                dir.resolve(Checkpoint.SINGLE_FILE), stored, SafetensorsDtype.F32, Map.of());

        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThat(Gpt2Parameters.read(checkpoint, CONFIG)).isEqualTo(weights);
        }
    }

    @Test
    void namesMissingTensors() throws Exception {
        Map<String, HostTensor> weights = RandomGpt2.weights(CONFIG, 3);
        weights.remove("h.1.mlp.c_fc.bias");
        SafetensorsWriter.write(
                dir.resolve(Checkpoint.SINGLE_FILE), weights, SafetensorsDtype.F32, Map.of());

        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThatThrownBy(() -> Gpt2Parameters.read(checkpoint, CONFIG))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining("lacks 1 GPT-2 tensors, e.g. [h.1.mlp.c_fc.bias]");
        }
    }

    @Test
    void rejectsShapesThatDisagreeWithTheConfig() throws Exception {
        Map<String, HostTensor> weights = RandomGpt2.weights(CONFIG, 3);
        weights.put("wpe.weight", new HostTensor(new long[] {4, 8}, new float[32]));
        SafetensorsWriter.write(
                dir.resolve(Checkpoint.SINGLE_FILE), weights, SafetensorsDtype.F32, Map.of());

        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertThatThrownBy(() -> Gpt2Parameters.read(checkpoint, CONFIG))
                    .hasMessageContaining(
                            "tensor 'wpe.weight' has shape [4, 8] but config.json implies [8, 8]");
        }
    }

    @Test
    void initialisesReproduciblyWithGpt2Statistics() {
        Gpt2Config config = Gpt2Config.of(257, 64, 64, 4, 4, 256);
        Map<String, HostTensor> first = Gpt2Parameters.initialize(config, 1);

        assertThat(Gpt2Parameters.initialize(config, 1)).isEqualTo(first);
        assertThat(Gpt2Parameters.initialize(config, 2)).isNotEqualTo(first);
        assertThat(std(first.get("wte.weight").values()))
                .isCloseTo(0.02, org.assertj.core.data.Offset.offset(0.001));
        assertThat(std(first.get("h.0.mlp.c_proj.weight").values()))
                .isCloseTo(0.02 / Math.sqrt(8), org.assertj.core.data.Offset.offset(0.0005));
        assertThat(first.get("h.3.ln_2.weight").values()).containsOnly(1f);
        assertThat(first.get("h.3.attn.c_attn.bias").values()).containsOnly(0f);
    }

    private static double std(float[] values) {
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += v * v;
        }
        double mean = sum / values.length;
        return Math.sqrt(squares / values.length - mean * mean);
    }
}
