package io.tandem.model.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Randomly initialised GPT-2 weights and model directories for tests. Spreads are much wider than
 * GPT-2's initialisation so logits differ clearly between tokens and positions, which makes
 * numerical comparisons meaningful.
 */
public final class RandomGpt2 {

    /** A tiny byte-level model: vocab 257 (EOS 256), context 32, width 32, 2 layers, 4 heads. */
    public static final Gpt2Config BYTE_LEVEL_CONFIG = Gpt2Config.of(257, 32, 32, 2, 4, 256);

    private RandomGpt2() {}

    public static Map<String, HostTensor> weights(Gpt2Config config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        for (Gpt2Parameters.Spec spec : Gpt2Parameters.specs(config)) {
            float[] values = new float[(int) HostTensor.elementCount(spec.shape())];
            for (int i = 0; i < values.length; i++) {
                double noise = random.nextGaussian();
                values[i] =
                        (float)
                                switch (spec.role()) {
                                    case WEIGHT, RESIDUAL_WEIGHT -> 0.3 * noise;
                                    case BIAS -> 0.1 * noise;
                                    case NORM_GAIN -> 1 + 0.1 * noise;
                                };
            }
            weights.put(spec.name(), new HostTensor(spec.shape(), values));
        }
        return weights;
    }

    /** Writes a loadable model directory with the byte-level tokenizer. */
    public static Path writeModel(Path directory, Gpt2Config config, long seed) throws IOException {
        ModelDirectory.write(
                directory, config, weights(config, seed), ByteLevelTokenizerFile.json());
        return directory;
    }
}
