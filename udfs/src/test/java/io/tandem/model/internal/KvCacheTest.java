package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KvCacheTest {

    private static NDManager manager;

    @BeforeAll
    static void startEngine() {
        manager = Engine.getEngine("PyTorch").newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stopEngine() {
        manager.close();
    }

    @Test
    void appendsAlongTheSequenceAndKeepsSelectedRows() {
        try (NDManager scope = manager.newSubManager();
                KvCache cache = new KvCache(scope, 1)) {
            // 3 sequences, 1 head, headDim 1: row r holds values r*10 + position
            cache.append(0, column(scope, 0), column(scope, 0).transpose(0, 1, 3, 2));
            NDList all = cache.append(0, column(scope, 1), column(scope, 1).transpose(0, 1, 3, 2));

            assertThat(cache.length()).isEqualTo(2);
            assertThat(all.get(0).toFloatArray()).containsExactly(0, 1, 10, 11, 20, 21);

            cache.keepRows(new int[] {2, 0});
            NDList kept =
                    cache.append(
                            0,
                            column(scope, 2, 2, 0),
                            column(scope, 2, 2, 0).transpose(0, 1, 3, 2));

            assertThat(kept.get(0).getShape()).isEqualTo(new Shape(2, 1, 1, 3));
            assertThat(kept.get(0).toFloatArray()).containsExactly(20, 21, 22, 0, 1, 2);
            assertThat(kept.get(1).toFloatArray()).containsExactly(20, 21, 22, 0, 1, 2);
        }
    }

    @Test
    void generationLeavesNoArraysBehind() {
        Gpt2Config config = RandomGpt2.BYTE_LEVEL_CONFIG;
        try (NDManager weights = manager.newSubManager()) {
            BatchGenerator generator =
                    new BatchGenerator(
                            Gpt2Network.of(
                                    config,
                                    Gpt2Parameters.upload(RandomGpt2.weights(config, 1), weights),
                                    weights));
            int before = weights.getManagedArrays().size();

            generator.generate(
                    List.of(
                            new GenerationRequest(
                                    "a", new int[] {1, 2, 3}, 5, SamplingConfig.greedy()),
                            new GenerationRequest(
                                    "b", new int[] {4}, 12, new SamplingConfig(1, 0.9, 1))),
                    weights);

            assertThat(weights.getManagedArrays()).hasSize(before);
        }
    }

    /** Transposed keys [rows, 1, 1, 1] holding row * 10 + position for the given rows. */
    private static NDArray column(NDManager scope, int position, int... rows) {
        int[] selected = rows.length == 0 ? new int[] {0, 1, 2} : rows;
        float[] values = new float[selected.length];
        for (int i = 0; i < selected.length; i++) {
            values[i] = selected[i] * 10 + position;
        }
        return scope.create(values, new Shape(selected.length, 1, 1, 1));
    }
}
