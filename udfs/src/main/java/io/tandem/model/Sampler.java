package io.tandem.model;

import io.tandem.speculative.Draw;
import io.tandem.speculative.TokenDistribution;

/**
 * Chooses a sequence's tokens from rows of logits, following a {@link SamplingConfig}: the argmax
 * when greedy, otherwise one draw from the {@link TokenDistribution} at the configured temperature
 * and top-p, with the uniform number {@link Draw#SAMPLE} gives the request's seed at the token's
 * position. Draft and target models build their distributions through {@link #distribution}, the
 * same code, so temperature and top-p mean the same on both sides. Because a draw depends only on
 * the seed, the position and the sequence's own logits, tokens do not depend on which other
 * sequences share a batch.
 *
 * <p>Immutable and thread-safe.
 */
public final class Sampler {

    private final SamplingConfig config;

    public Sampler(SamplingConfig config) {
        this.config = config;
    }

    /**
     * The token at absolute {@code position} (0-based, prompt included) given the logits in {@code
     * logits[offset .. offset + vocabSize)}.
     */
    public int sample(float[] logits, int offset, int vocabSize, int position) {
        if (config.isGreedy()) {
            return TokenDistribution.argmax(logits, offset, vocabSize);
        }
        return distribution(logits, offset, vocabSize)
                .sample(Draw.SAMPLE.uniform(config.seed(), position));
    }

    /**
     * The distribution tokens are drawn from: certain of the argmax when greedy, else the softmax
     * of {@code logits / temperature} cut to the top-p nucleus and renormalised.
     */
    public TokenDistribution distribution(float[] logits, int offset, int vocabSize) {
        return TokenDistribution.fromLogits(
                logits, offset, vocabSize, config.temperature(), config.topP());
    }
}
