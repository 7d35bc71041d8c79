package io.tandem.job.bench;

import io.tandem.model.CausalLm;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelException;
import io.tandem.model.SamplingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times a model's forward passes through its public generation API: the cost of one decode step is
 * the time of {@code n + 1} tokens minus the time of 1 token, over {@code n}; prefill is the time
 * of 1 token. Medians over repetitions after a warm-up, so one slow run does not count.
 */
final class DecodeTimer {

    private final CausalLm model;
    private final int repetitions;

    DecodeTimer(CausalLm model, int repetitions) {
        this.model = model;
        this.repetitions = repetitions;
    }

    /**
     * Milliseconds per decode step for {@code batch} sequences with prompts of {@code context}
     * tokens.
     */
    double stepMillis(int batch, int context, int steps) throws ModelException {
        double one = medianMillis(batch, context, 1);
        double many = medianMillis(batch, context, steps + 1);
        return Math.max(0, many - one) / steps;
    }

    /**
     * Milliseconds to prefill {@code batch} prompts of {@code context} tokens and pick one token.
     */
    double prefillMillis(int batch, int context) throws ModelException {
        return medianMillis(batch, context, 1);
    }

    void warmUp(int context, int steps) throws ModelException {
        for (int i = 0; i < 3; i++) {
            run(1, context, steps);
            run(8, context, steps);
        }
    }

    private double medianMillis(int batch, int context, int newTokens) throws ModelException {
        double[] times = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            times[r] = run(batch, context, newTokens);
        }
        Arrays.sort(times);
        return times[repetitions / 2];
    }

    private double run(int batch, int context, int newTokens) throws ModelException {
        List<GenerationRequest> requests = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            requests.add(
                    new GenerationRequest(
                            "t" + i, prompt(context, i), newTokens, SamplingConfig.greedy(), true));
        }
        long start = System.nanoTime();
        List<Generation> generations = model.generate(requests);
        double millis = (System.nanoTime() - start) / 1e6;
        for (Generation generation : generations) {
            if (generation.tokens().length != newTokens) {
                throw new IllegalStateException(
                        "timing needs exactly "
                                + newTokens
                                + " tokens, got "
                                + generation.tokens().length);
            }
        }
        return millis;
    }

    /** A prompt of plain English, shifted per row so rows differ. */
    private static int[] prompt(int length, int row) {
        String text =
                "It was the best of times, it was the worst of times, and everyone in the village"
                        + " knew it. ";
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = text.charAt((i + 7 * row) % text.length());
        }
        return tokens;
    }
}
