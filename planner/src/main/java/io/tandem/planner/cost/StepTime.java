package io.tandem.planner.cost;

/**
 * How long one forward pass of a model takes on one machine, by its shape: what the stage costs
 * price and what emulated model stages wait. A {@link StepFit} summarises noisy measurements in a
 * few coefficients; a {@link StepTable} interpolates a grid of measured shapes.
 */
public interface StepTime {

    /**
     * Milliseconds of a pass of {@code batch} sequences, each adding {@code newTokens} positions
     * over a mean cached context of {@code context} positions.
     */
    double millis(int batch, int newTokens, double context);

    /**
     * Milliseconds of a prefill: {@code batch} prompts of {@code prompt} tokens each from an empty
     * cache. By default a pass whose tokens attend to half the prompt on average.
     */
    default double prefillMillis(int batch, int prompt) {
        return millis(batch, prompt, prompt / 2.0);
    }

    /** {@link #millis} in seconds, the unit of {@link StageCosts}. */
    default double seconds(int batch, int newTokens, double context) {
        return millis(batch, newTokens, context) / 1000;
    }

    /** {@link #prefillMillis} in seconds. */
    default double prefillSeconds(int batch, int prompt) {
        return prefillMillis(batch, prompt) / 1000;
    }

    /**
     * The largest {@code |predicted - measured| / measured} over the measurements this was made
     * from: how far to trust it inside the measured range (0 for a table, which passes through
     * them).
     */
    double maxRelativeError();
}
