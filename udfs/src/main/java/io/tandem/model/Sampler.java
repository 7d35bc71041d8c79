package io.tandem.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses next tokens for one sequence from rows of logits, following a {@link SamplingConfig}:
 * argmax when greedy, otherwise temperature, then top-p (nucleus) truncation, then one draw from
 * the sequence's own random generator seeded with {@link SamplingConfig#seed()}. Because each
 * sequence owns its generator and only reads its own logits row, the tokens do not depend on which
 * other sequences share a batch.
 *
 * <p>Not thread-safe: the generator advances with every draw. Use one sampler per sequence.
 */
public final class Sampler {

    private final SamplingConfig config;
    private final SplittableRandom random;

    public Sampler(SamplingConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    /** The next token given the logits in {@code logits[offset .. offset + vocabSize)}. */
    public int sample(float[] logits, int offset, int vocabSize) {
        if (config.isGreedy()) {
            return argmax(logits, offset, vocabSize);
        }
        double[] probabilities = distribution(logits, offset, vocabSize);
        double u = random.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int token = 0; token < vocabSize; token++) {
            if (probabilities[token] > 0) {
                cumulative += probabilities[token];
                last = token;
                if (u < cumulative) {
                    return token;
                }
            }
        }
        return last; // u landed in the rounding error above the cumulative sum
    }

    /** Index of the largest logit; the lowest index wins ties. */
    static int argmax(float[] logits, int offset, int vocabSize) {
        int best = 0;
        float bestValue = logits[offset];
        for (int token = 1; token < vocabSize; token++) {
            if (logits[offset + token] > bestValue) {
                bestValue = logits[offset + token];
                best = token;
            }
        }
        return best;
    }

    /**
     * The distribution tokens are drawn from: softmax of {@code logits / temperature}, zeroed
     * outside the smallest set of most likely tokens whose probability reaches {@code topP}, and
     * renormalised. Only for non-greedy configurations.
     */
    double[] distribution(float[] logits, int offset, int vocabSize) {
        double max = Double.NEGATIVE_INFINITY;
        for (int token = 0; token < vocabSize; token++) {
            max = Math.max(max, logits[offset + token]);
        }
        double[] weights = new double[vocabSize];
        double total = 0;
        for (int token = 0; token < vocabSize; token++) {
            weights[token] = Math.exp((logits[offset + token] - max) / config.temperature());
            total += weights[token];
        }
        double kept = config.topP() < 1 ? keepNucleus(weights, total * config.topP()) : total;
        for (int token = 0; token < vocabSize; token++) {
            weights[token] /= kept;
        }
        return weights;
    }

    /**
     * Zeroes every weight outside the smallest most-likely set whose mass reaches {@code target}
     * (ties broken towards lower ids) and returns the mass that remains.
     */
    private static double keepNucleus(double[] weights, double target) {
        // Sort by descending weight, then ascending id: positive float bits order like the floats.
        long[] order = new long[weights.length];
        for (int token = 0; token < weights.length; token++) {
            int bits = Float.floatToIntBits((float) weights[token]);
            order[token] = ((long) (Integer.MAX_VALUE - bits) << 32) | token;
        }
        Arrays.sort(order);
        double kept = 0;
        int cut = 0;
        while (cut < order.length && kept < target) {
            kept += weights[(int) order[cut]];
            cut++;
        }
        for (int i = cut; i < order.length; i++) {
            weights[(int) order[i]] = 0;
        }
        return kept;
    }
}
