package io.tandem.planner;

/**
 * What a batch's cost depends on: how many sequences it holds, the longest prompt (every sequence
 * is padded to it) and the output length every sequence is planned for.
 *
 * @param size sequences in the batch, {@code >= 1}
 * @param maxInputTokens the longest prompt in the batch, {@code >= 1}
 * @param outputTokens tokens each sequence generates (the planner's fixed maximum output length),
 *     {@code >= 1}
 */
public record BatchShape(int size, int maxInputTokens, int outputTokens) {

    public BatchShape {
        if (size < 1 || maxInputTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException(
                    "batch shape needs size, maxInputTokens and outputTokens >= 1, got "
                            + size
                            + ", "
                            + maxInputTokens
                            + ", "
                            + outputTokens);
        }
    }

    /**
     * The round-average KV length, {@code maxInputTokens + outputTokens / 2}: what one round's
     * attention sees on average over the whole generation.
     */
    public double meanContext() {
        return maxInputTokens + outputTokens / 2.0;
    }
}
