package io.tandem.speculative;

import java.util.Arrays;

/**
 * A probability distribution over token ids, stored sparsely as the ids with positive probability
 * and their weights. The weights are float32 (what travels between operators) and the distribution
 * is exactly the weights divided by their sum, so a sender and a receiver of the same weights agree
 * on every probability to the last bit.
 *
 * <p>{@link #fromLogits} is the one definition of "the distribution a model samples from" for plain
 * sampling, drafting and verifying: temperature 0 gives the argmax (lowest id on ties) with
 * probability 1; otherwise the softmax of {@code logits / temperature}, cut to the smallest set of
 * most likely tokens whose mass reaches {@code topP} (ties to the lower id), and renormalised.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenDistribution {

    private final int[] tokens; // ascending ids with positive weight
    private final float[] weights; // same order, positive and finite
    private final double total; // sum of the weights in id order: the normaliser

    private TokenDistribution(int[] tokens, float[] weights) {
        this.tokens = tokens;
        this.weights = weights;
        double sum = 0;
        for (float weight : weights) {
            sum += weight;
        }
        this.total = sum;
    }

    /**
     * The distribution over {@code logits[offset .. offset + vocabSize)} at the given temperature
     * ({@code >= 0}, 0 = greedy) and nucleus {@code topP} (in (0, 1]).
     */
    public static TokenDistribution fromLogits(
            float[] logits, int offset, int vocabSize, double temperature, double topP) {
        if (temperature == 0) {
            return certain(argmax(logits, offset, vocabSize));
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int token = 0; token < vocabSize; token++) {
            max = Math.max(max, logits[offset + token]);
        }
        double[] mass = new double[vocabSize];
        double sum = 0;
        for (int token = 0; token < vocabSize; token++) {
            mass[token] = Math.exp((logits[offset + token] - max) / temperature);
            sum += mass[token];
        }
        double kept = topP < 1 ? keepNucleus(mass, sum * topP) : sum;
        int support = 0;
        float[] normalised = new float[vocabSize];
        for (int token = 0; token < vocabSize; token++) {
            normalised[token] = (float) (mass[token] / kept);
            if (normalised[token] > 0) {
                support++;
            }
        }
        int[] ids = new int[support];
        float[] weights = new float[support];
        int next = 0;
        for (int token = 0; token < vocabSize; token++) {
            if (normalised[token] > 0) {
                ids[next] = token;
                weights[next++] = normalised[token];
            }
        }
        return new TokenDistribution(ids, weights);
    }

    /**
     * The distribution with the given support and weights (normalised by their sum).
     *
     * @param tokens ascending, distinct, non-negative ids
     * @param weights one positive finite weight per id
     */
    public static TokenDistribution of(int[] tokens, float[] weights) {
        if (tokens.length == 0 || tokens.length != weights.length) {
            throw new IllegalArgumentException(
                    "a distribution needs one weight per token and at least one token, got "
                            + tokens.length
                            + " tokens and "
                            + weights.length
                            + " weights");
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || (i > 0 && tokens[i] <= tokens[i - 1])) {
                throw new IllegalArgumentException(
                        "token ids must be ascending and non-negative: " + Arrays.toString(tokens));
            }
            if (!(weights[i] > 0) || Float.isInfinite(weights[i])) {
                throw new IllegalArgumentException(
                        "weights must be positive and finite, got " + weights[i]);
            }
        }
        return new TokenDistribution(tokens.clone(), weights.clone());
    }

    /** The distribution that always yields {@code token}: what a greedy model samples from. */
    public static TokenDistribution certain(int token) {
        if (token < 0) {
            throw new IllegalArgumentException("token ids are non-negative, got " + token);
        }
        return new TokenDistribution(new int[] {token}, new float[] {1f});
    }

    /** Probability of {@code token}; 0 outside the support. */
    public double probability(int token) {
        int index = Arrays.binarySearch(tokens, token);
        return index < 0 ? 0 : weights[index] / total;
    }

    /** The token whose cumulative probability interval (in id order) holds {@code u} in [0, 1). */
    public int sample(double u) {
        double target = u * total;
        double cumulative = 0;
        for (int i = 0; i < tokens.length; i++) {
            cumulative += weights[i];
            if (target < cumulative) {
                return tokens[i];
            }
        }
        return tokens[tokens.length - 1]; // u * total rounded up to the full sum
    }

    /**
     * Draws from {@code max(0, this - subtrahend)}, normalised: the correction after a drafted
     * token was rejected. Falls back to this distribution if nothing is left, which the acceptance
     * rule only reaches through rounding, since a rejection means the subtrahend exceeds this
     * distribution somewhere and so falls short of it elsewhere.
     */
    int sampleResidual(TokenDistribution subtrahend, double u) {
        double[] residual = new double[tokens.length];
        double sum = 0;
        for (int i = 0; i < tokens.length; i++) {
            residual[i] = Math.max(0, weights[i] / total - subtrahend.probability(tokens[i]));
            sum += residual[i];
        }
        if (!(sum > 0)) {
            return sample(u);
        }
        double target = u * sum;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < tokens.length; i++) {
            if (residual[i] > 0) {
                cumulative += residual[i];
                last = tokens[i];
                if (target < cumulative) {
                    return last;
                }
            }
        }
        return last;
    }

    /** Ids with positive probability, ascending (a copy). */
    public int[] tokens() {
        return tokens.clone();
    }

    /** The weights of {@link #tokens()}, in the same order (a copy); they sum to about 1. */
    public float[] weights() {
        return weights.clone();
    }

    /** Number of ids with positive probability. */
    public int size() {
        return tokens.length;
    }

    /** Index of the largest logit; the lowest index wins ties. */
    public static int argmax(float[] logits, int offset, int vocabSize) {
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
     * Zeroes every mass outside the smallest most-likely set whose mass reaches {@code target}
     * (ties broken towards lower ids) and returns the mass that remains.
     */
    private static double keepNucleus(double[] mass, double target) {
        // Sort by descending mass, then ascending id: positive float bits order like the floats.
        long[] order = new long[mass.length];
        for (int token = 0; token < mass.length; token++) {
            int bits = Float.floatToIntBits((float) mass[token]);
            order[token] = ((long) (Integer.MAX_VALUE - bits) << 32) | token;
        }
        Arrays.sort(order);
        double kept = 0;
        int cut = 0;
        while (cut < order.length && kept < target) {
            kept += mass[(int) order[cut]];
            cut++;
        }
        for (int i = cut; i < order.length; i++) {
            mass[(int) order[i]] = 0;
        }
        return kept;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenDistribution other
                && Arrays.equals(tokens, other.tokens)
                && Arrays.equals(weights, other.weights);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(weights);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("TokenDistribution{");
        int shown = Math.min(tokens.length, 8);
        for (int i = 0; i < shown; i++) {
            text.append(i == 0 ? "" : ", ").append(tokens[i]).append('=').append(weights[i]);
        }
        if (shown < tokens.length) {
            text.append(", ... ").append(tokens.length - shown).append(" more");
        }
        return text.append('}').toString();
    }
}
