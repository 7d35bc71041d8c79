package io.tandem.speculative;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A tiny language model for distribution tests: its logits are a fixed random function of the whole
 * context, and it can rule out one token per context (probability exactly 0).
 *
 * @param vocabSize token ids are {@code 0..vocabSize-1}
 * @param seed selects the function
 * @param spread standard deviation of the logits
 * @param excludesOneToken whether one token per context gets logit -inf
 */
record ToyModel(int vocabSize, long seed, double spread, boolean excludesOneToken) {

    float[] logits(int[] context) {
        SplittableRandom random = new SplittableRandom(seed * 31 + Arrays.hashCode(context));
        float[] logits = new float[vocabSize];
        for (int token = 0; token < vocabSize; token++) {
            logits[token] = (float) (spread * random.nextGaussian());
        }
        if (excludesOneToken) {
            logits[random.nextInt(vocabSize)] = Float.NEGATIVE_INFINITY;
        }
        return logits;
    }

    TokenDistribution distribution(int[] context, double temperature, double topP) {
        return TokenDistribution.fromLogits(logits(context), 0, vocabSize, temperature, topP);
    }
}
