package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class Gpt2NetworkTest {

    private static final float TOLERANCE = 1e-4f;
    private static final int[] TOKENS = {3, 17, 42, 8, 8, 0, 63, 29, 11, 50, 7, 36};

    private static NDManager manager;

    @BeforeAll
    static void startEngine() {
        manager = Engine.getEngine("PyTorch").newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stopEngine() {
        manager.close();
    }

    private static Gpt2Config config(Gpt2Config.Activation activation) {
        return new Gpt2Config(64, 16, 32, 2, 4, 48, 1e-5, activation, 0, 1);
    }

    @ParameterizedTest
    @EnumSource(Gpt2Config.Activation.class)
    void fullForwardMatchesNaiveImplementation(Gpt2Config.Activation activation, @TempDir Path dir)
            throws Exception {
        Gpt2Config config = config(activation);
        Map<String, HostTensor> weights = RandomGpt2.weights(config, 7);
        ModelDirectory.write(dir, config, weights, ByteLevelTokenizerFile.json());

        float[][] expected = new NaiveGpt2(config, weights).logits(TOKENS);
        float[][] actual;
        try (NDManager scope = manager.newSubManager()) {
            Gpt2Network network = load(dir, config, scope);
            actual = rows(fullForward(network, TOKENS, scope), TOKENS.length, config.vocabSize());
        }

        assertThat(maxAbsDifference(actual, expected)).isLessThan(TOLERANCE);
        assertThat(spread(expected))
                .as("logits must vary for the comparison to mean something")
                .isGreaterThan(1f);
    }

    @Test
    void cachedDecodingMatchesFullForward() throws Exception {
        Gpt2Config config = config(Gpt2Config.Activation.GELU);
        try (NDManager scope = manager.newSubManager();
                KvCache cache = new KvCache(scope, config.layers())) {
            Gpt2Network network = network(config, scope);
            float[][] full =
                    rows(fullForward(network, TOKENS, scope), TOKENS.length, config.vocabSize());

            int prefill = 5;
            float[][] cached = new float[TOKENS.length][];
            int[] prompt = Arrays.copyOf(TOKENS, prefill);
            NDArray prefillLogits =
                    network.forward(
                            tokens(prompt, scope),
                            positions(0, prefill, scope),
                            causal(prefill, scope),
                            cache,
                            false);
            float[][] prefillRows = rows(prefillLogits, prefill, config.vocabSize());
            System.arraycopy(prefillRows, 0, cached, 0, prefill);
            for (int t = prefill; t < TOKENS.length; t++) {
                NDArray step =
                        network.forward(
                                tokens(new int[] {TOKENS[t]}, scope),
                                positions(t, 1, scope),
                                scope.zeros(new Shape(1, 1, 1, t + 1)),
                                cache,
                                true);
                cached[t] = step.toFloatArray();
            }

            assertThat(cache.length()).isEqualTo(TOKENS.length);
            assertThat(maxAbsDifference(cached, full)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void leftPaddedRowsComputeTheSameLogitsAsUnpaddedOnes() {
        Gpt2Config config = config(Gpt2Config.Activation.GELU);
        int[] shortPrompt = {5, 9, 2};
        int[][] prompts = {TOKENS, shortPrompt};
        PaddedBatch batch = PaddedBatch.of(new int[] {TOKENS.length, shortPrompt.length});
        try (NDManager scope = manager.newSubManager()) {
            Gpt2Network network = network(config, scope);
            int rows = 2;
            int columns = batch.columns();
            float[] padded =
                    network.forward(
                                    scope.create(
                                            batch.prefillTokens(prompts), new Shape(rows, columns)),
                                    scope.create(
                                            batch.prefillPositions(), new Shape(rows, columns)),
                                    scope.create(
                                            batch.prefillBias(),
                                            new Shape(rows, 1, columns, columns)),
                                    null,
                                    true)
                            .toFloatArray();
            float[] alone =
                    network.forward(
                                    tokens(shortPrompt, scope),
                                    positions(0, shortPrompt.length, scope),
                                    causal(shortPrompt.length, scope),
                                    null,
                                    true)
                            .toFloatArray();

            float[] paddedRow =
                    Arrays.copyOfRange(padded, config.vocabSize(), 2 * config.vocabSize());
            assertThat(maxAbsDifference(new float[][] {paddedRow}, new float[][] {alone}))
                    .isLessThan(1e-5f);
        }
    }

    private static Gpt2Network load(Path dir, Gpt2Config config, NDManager scope)
            throws IOException, Exception {
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            return Gpt2Network.of(
                    config,
                    Gpt2Parameters.upload(Gpt2Parameters.read(checkpoint, config), scope),
                    scope);
        }
    }

    private static Gpt2Network network(Gpt2Config config, NDManager scope) {
        return Gpt2Network.of(
                config, Gpt2Parameters.upload(RandomGpt2.weights(config, 11), scope), scope);
    }

    private static NDArray fullForward(Gpt2Network network, int[] tokens, NDManager scope) {
        return network.forward(
                tokens(tokens, scope),
                positions(0, tokens.length, scope),
                causal(tokens.length, scope),
                null,
                false);
    }

    private static NDArray tokens(int[] tokens, NDManager scope) {
        return scope.create(tokens, new Shape(1, tokens.length));
    }

    private static NDArray positions(int first, int count, NDManager scope) {
        int[] positions = new int[count];
        Arrays.setAll(positions, i -> first + i);
        return scope.create(positions, new Shape(1, count));
    }

    private static NDArray causal(int length, NDManager scope) {
        return scope.create(
                PaddedBatch.of(new int[] {length}).prefillBias(), new Shape(1, 1, length, length));
    }

    private static float[][] rows(NDArray logits, int count, int vocab) {
        float[] flat = logits.toFloatArray();
        float[][] rows = new float[count][];
        for (int t = 0; t < count; t++) {
            rows[t] = Arrays.copyOfRange(flat, t * vocab, (t + 1) * vocab);
        }
        return rows;
    }

    private static float maxAbsDifference(float[][] a, float[][] b) {
        float max = 0;
        for (int t = 0; t < a.length; t++) {
            for (int v = 0; v < a[t].length; v++) {
                max = Math.max(max, Math.abs(a[t][v] - b[t][v]));
            }
        }
        return max;
    }

    private static float spread(float[][] logits) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float[] row : logits) {
            for (float v : row) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        return max - min;
    }
}
