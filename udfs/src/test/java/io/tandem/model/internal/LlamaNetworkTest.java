package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LlamaNetworkTest {

    private static final float TOLERANCE = 1e-4f;
    private static final int[] TOKENS = {3, 17, 42, 8, 8, 0, 63, 29, 11, 50, 7, 36};

    /** Grouped-query attention (2 query heads per key/value head), tied, no biases. */
    private static final LlamaConfig TIED =
            new LlamaConfig(
                    LlamaConfig.LLAMA,
                    64,
                    16,
                    32,
                    48,
                    2,
                    4,
                    2,
                    8,
                    1e-5,
                    10_000,
                    false,
                    false,
                    true,
                    0,
                    1);

    /** Qwen2: query/key/value biases, untied LM head, a small RoPE base. */
    private static final LlamaConfig QWEN2 =
            new LlamaConfig(
                    LlamaConfig.QWEN2,
                    64,
                    16,
                    32,
                    48,
                    2,
                    4,
                    2,
                    8,
                    1e-6,
                    500,
                    true,
                    false,
                    false,
                    0,
                    1);

    /**
     * Llama with attention_bias (query, key, value and output biases), one key/value head for all
     * four query heads, and an explicit head_dim wider than hidden_size / heads.
     */
    private static final LlamaConfig BIASED_MULTI_QUERY =
            new LlamaConfig(
                    LlamaConfig.LLAMA,
                    64,
                    16,
                    32,
                    40,
                    2,
                    4,
                    1,
                    16,
                    1e-5,
                    10_000,
                    true,
                    true,
                    false,
                    0,
                    1);

    private static NDManager manager;

    @BeforeAll
    static void startEngine() {
        manager = Engine.getEngine("PyTorch").newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stopEngine() {
        manager.close();
    }

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("tied GQA", TIED),
                Arguments.of("qwen2", QWEN2),
                Arguments.of("biased MQA", BIASED_MULTI_QUERY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void fullForwardMatchesNaiveImplementation(String name, LlamaConfig config, @TempDir Path dir)
            throws Exception {
        RandomLlama.writeModel(dir, config, 7);

        float[][] expected = new NaiveLlama(config, RandomLlama.weights(config, 7)).logits(TOKENS);
        float[][] actual;
        try (NDManager scope = manager.newSubManager()) {
            // the path CausalLm.load takes
            ModelConfig loaded = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
            TransformerNetwork network;
            try (Checkpoint checkpoint = Checkpoint.open(dir)) {
                network = loaded.newNetwork(loaded.readParameters(checkpoint), scope);
            }
            assertThat(loaded).isEqualTo(config);
            actual = rows(fullForward(network, TOKENS, scope), TOKENS.length, config.vocabSize());
        }

        assertThat(maxAbsDifference(actual, expected)).isLessThan(TOLERANCE);
        assertThat(spread(expected))
                .as("logits must vary for the comparison to mean something")
                .isGreaterThan(1f);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void cachedDecodingMatchesFullForward(String name, LlamaConfig config) {
        try (NDManager scope = manager.newSubManager();
                KvCache cache = new KvCache(scope, config.layers())) {
            LlamaNetwork network = network(config, scope);
            float[][] full =
                    rows(fullForward(network, TOKENS, scope), TOKENS.length, config.vocabSize());

            float[][] cached = new float[TOKENS.length][];
            int prefill = 4;
            int chunk = 3; // several new positions over a cache, as when verifying draft tokens
            copyRows(network, cache, 0, prefill, cached, scope);
            copyRows(network, cache, prefill, chunk, cached, scope);
            for (int t = prefill + chunk; t < TOKENS.length; t++) {
                copyRows(network, cache, t, 1, cached, scope);
            }

            assertThat(cache.length()).isEqualTo(TOKENS.length);
            assertThat(maxAbsDifference(cached, full)).isLessThan(TOLERANCE);
        }
    }

    @Test
    void leftPaddedRowsComputeTheSameLogitsAsUnpaddedOnes() {
        LlamaConfig config = TIED;
        int[] shortPrompt = {5, 9, 2};
        int next = 40;
        PaddedBatch batch = PaddedBatch.of(new int[] {TOKENS.length, shortPrompt.length});
        int vocab = config.vocabSize();
        try (NDManager scope = manager.newSubManager();
                KvCache cache = new KvCache(scope, config.layers())) {
            LlamaNetwork network = network(config, scope);
            int columns = batch.columns();
            float[] padded =
                    network.forward(
                                    scope.create(
                                            batch.prefillTokens(new int[][] {TOKENS, shortPrompt}),
                                            new Shape(2, columns)),
                                    scope.create(batch.prefillPositions(), new Shape(2, columns)),
                                    scope.create(
                                            batch.prefillBias(), new Shape(2, 1, columns, columns)),
                                    cache,
                                    true)
                            .toFloatArray();
            batch.appendColumn();
            float[] paddedStep =
                    network.forward(
                                    scope.create(new int[] {next, next}, new Shape(2, 1)),
                                    scope.create(batch.lastPositions(), new Shape(2, 1)),
                                    scope.create(batch.lastBias(), new Shape(2, 1, 1, columns + 1)),
                                    cache,
                                    true)
                            .toFloatArray();
            int[] continued = Arrays.copyOf(shortPrompt, shortPrompt.length + 1);
            continued[shortPrompt.length] = next;
            float[][] alone = rows(fullForward(network, continued, scope), continued.length, vocab);
            float[][] longAlone = rows(fullForward(network, TOKENS, scope), TOKENS.length, vocab);

            assertThat(maxAbsDifference(row(padded, 1, vocab), alone[shortPrompt.length - 1]))
                    .isLessThan(1e-5f);
            assertThat(maxAbsDifference(row(paddedStep, 1, vocab), alone[shortPrompt.length]))
                    .isLessThan(1e-5f);
            assertThat(maxAbsDifference(row(padded, 0, vocab), longAlone[TOKENS.length - 1]))
                    .isLessThan(1e-5f);
        }
    }

    @Test
    void generationLeavesNoArraysBehind() {
        LlamaConfig config = RandomLlama.BYTE_LEVEL_LLAMA;
        try (NDManager weights = manager.newSubManager()) {
            BatchGenerator generator =
                    new BatchGenerator(
                            LlamaNetwork.of(config, RandomLlama.weights(config, 1), weights));
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

    /**
     * Runs positions {@code first .. first + count - 1} of {@link #TOKENS} over the cache and
     * stores their logits in {@code logits}.
     */
    private static void copyRows(
            LlamaNetwork network,
            KvCache cache,
            int first,
            int count,
            float[][] logits,
            NDManager scope) {
        int[] tokens = Arrays.copyOfRange(TOKENS, first, first + count);
        float[] bias = new float[count * (first + count)];
        for (int q = 0; q < count; q++) {
            Arrays.fill(
                    bias,
                    q * (first + count) + first + q + 1,
                    (q + 1) * (first + count),
                    TransformerNetwork.MASKED);
        }
        NDArray result =
                network.forward(
                        tokens(tokens, scope),
                        positions(first, count, scope),
                        scope.create(bias, new Shape(1, 1, count, first + count)),
                        cache,
                        false);
        float[][] rows = rows(result, count, network.vocabSize());
        System.arraycopy(rows, 0, logits, first, count);
    }

    private static LlamaNetwork network(LlamaConfig config, NDManager scope) {
        return LlamaNetwork.of(config, RandomLlama.weights(config, 11), scope);
    }

    private static NDArray fullForward(TransformerNetwork network, int[] tokens, NDManager scope) {
        return network.forward(
                tokens(tokens, scope),
                positions(0, tokens.length, scope),
                scope.create(
                        PaddedBatch.of(new int[] {tokens.length}).prefillBias(),
                        new Shape(1, 1, tokens.length, tokens.length)),
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

    private static float[][] rows(NDArray logits, int count, int vocab) {
        float[] flat = logits.toFloatArray();
        float[][] rows = new float[count][];
        for (int t = 0; t < count; t++) {
            rows[t] = row(flat, t, vocab);
        }
        return rows;
    }

    private static float[] row(float[] flat, int row, int vocab) {
        return Arrays.copyOfRange(flat, row * vocab, (row + 1) * vocab);
    }

    private static float maxAbsDifference(float[][] a, float[][] b) {
        float max = 0;
        for (int t = 0; t < a.length; t++) {
            max = Math.max(max, maxAbsDifference(a[t], b[t]));
        }
        return max;
    }

    private static float maxAbsDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
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
