package io.tandem.planner.cost;

/**
 * One measured forward pass of a model: {@code batch} sequences, each adding {@code newTokens}
 * positions that attend to {@code context} positions on average, took {@code millis}. A decode step
 * at KV length {@code s} is {@code (b, 1, s)}; a prefill of {@code I} tokens is {@code (b, I, I /
 * 2)} (causal attention sees half the prompt on average).
 *
 * @param batch sequences in the pass, {@code >= 1}
 * @param newTokens positions each sequence adds, {@code >= 1}
 * @param context mean positions each new one attends to, {@code >= 0}
 * @param millis measured wall time (a median, typically), {@code > 0}
 */
public record StepSample(int batch, int newTokens, double context, double millis) {

    public StepSample {
        if (batch < 1 || newTokens < 1 || !(context >= 0) || !(millis > 0)) {
            throw new IllegalArgumentException(
                    "a step sample needs batch, newTokens >= 1, context >= 0 and millis > 0, got "
                            + batch
                            + ", "
                            + newTokens
                            + ", "
                            + context
                            + ", "
                            + millis);
        }
    }
}
