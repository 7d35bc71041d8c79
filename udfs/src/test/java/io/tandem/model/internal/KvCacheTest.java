package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
    void gathersColumnsPerRowAndAssemblesRowsOfSeveralCaches() {
        try (NDManager scope = manager.newSubManager();
                KvCache cache = new KvCache(scope, 1)) {
            for (int position = 0; position < 3; position++) {
                cache.append(
                        0, column(scope, position), column(scope, position).transpose(0, 1, 3, 2));
            }

            try (KvCache copy = cache.copyRows(scope, new int[] {2});
                    KvCache blank = new KvCache(scope, 1)) {
                cache.gatherColumns(new long[] {0, 2, 1, 1, 2, 0}, 2);
                assertThat(cache.length()).isEqualTo(2);

                try (KvCache merged =
                        KvCache.concatRows(
                                scope, List.of(blank, cache, copy), new int[] {1, 3, 1})) {
                    NDList all =
                            merged.append(
                                    0,
                                    scope.zeros(new Shape(5, 1, 1, 1)),
                                    scope.zeros(new Shape(5, 1, 1, 1)));

                    // blank row: padding; gathered rows; the copy's row, left-padded to 3
                    assertThat(all.get(0).toFloatArray())
                            .containsExactly(
                                    0, 0, 0, 0, 0, 0, 2, 0, 0, 11, 11, 0, 0, 22, 20, 0, 20, 21, 22,
                                    0);
                    assertThat(all.get(1).toFloatArray())
                            .containsExactly(all.get(0).toFloatArray());
                    assertThat(merged.bytes()).isGreaterThanOrEqualTo(2L * 5 * 4 * Float.BYTES);
                }
            }
        }
    }

    @Test
    void largeCachesGrowInPlaceWithTheSameContents() {
        // batch 8, 4 heads of 32: 4 KB per column and layer, so 128 columns reach 512 KB
        try (NDManager scope = manager.newSubManager();
                KvCache cache = new KvCache(scope, 1)) {
            NDList pieces = new NDList();
            for (int seq : new int[] {100, 1, 40, 1, 1, 70, 3, 1}) {
                NDArray keys = scope.randomNormal(new Shape(8, 4, 32, seq));
                pieces.add(keys);
                try (NDManager step = scope.newSubManager()) {
                    NDArray stepKeys = keys.duplicate();
                    stepKeys.attach(step);
                    NDArray stepValues = keys.transpose(0, 1, 3, 2).duplicate();
                    stepValues.attach(step);

                    NDList all = cache.append(0, stepKeys, stepValues);

                    NDArray expected = NDArrays.concat(pieces, 3);
                    assertThat(all.get(0).toFloatArray()).isEqualTo(expected.toFloatArray());
                    assertThat(all.get(1).toFloatArray())
                            .isEqualTo(expected.transpose(0, 1, 3, 2).toFloatArray());
                }
            }
            assertThat(cache.length()).isEqualTo(217);
            assertThat(cache.bytes()).isGreaterThan(2L * 8 * 4 * 32 * 217 * Float.BYTES);

            cache.keepRows(new int[] {3});
            try (KvCache copy = cache.copyRows(scope, new int[] {0})) {
                copy.gatherColumns(new long[] {0, 216}, 2);
                NDList gathered =
                        copy.append(
                                0,
                                scope.zeros(new Shape(1, 4, 32, 1)),
                                scope.zeros(new Shape(1, 4, 1, 32)));
                NDArray expected =
                        NDArrays.concat(pieces, 3)
                                .get("3:4, :, :, 0")
                                .expandDims(3)
                                .concat(
                                        NDArrays.concat(pieces, 3)
                                                .get("3:4, :, :, 216")
                                                .expandDims(3),
                                        3);
                assertThat(gathered.get(0).get(":, :, :, 0:2").toFloatArray())
                        .containsExactly(expected.toFloatArray());
            }
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
