package io.tandem.model;

/**
 * How the next token is chosen from the model's logits.
 *
 * <p>Temperature 0 means greedy (argmax, lowest id on ties). Otherwise logits are divided by the
 * temperature, turned into probabilities, cut to the smallest set of most likely tokens whose mass
 * reaches {@code topP} (nucleus sampling; {@code topP = 1} keeps everything), and one token is
 * drawn with a random generator seeded from {@code seed}, so the same request always yields the
 * same tokens. Immutable.
 *
 * @param temperature {@code >= 0}; 0 selects greedy decoding
 * @param topP in (0, 1]
 * @param seed seed of the request's own random generator (ignored when greedy)
 */
public record SamplingConfig(double temperature, double topP, long seed) {

    private static final SamplingConfig GREEDY = new SamplingConfig(0, 1, 0);

    public SamplingConfig {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException(
                    "temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
    }

    /** Greedy decoding: always the most likely token. */
    public static SamplingConfig greedy() {
        return GREEDY;
    }

    /** Whether this configuration picks the argmax instead of sampling. */
    public boolean isGreedy() {
        return temperature == 0;
    }
}
