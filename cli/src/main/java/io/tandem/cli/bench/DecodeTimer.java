package io.tandem.cli.bench;

import io.tandem.model.CausalLm;
import io.tandem.model.ModelException;
import io.tandem.model.SessionLimits;
import io.tandem.model.SessionStore;
import io.tandem.model.SessionTokens;
import io.tandem.planner.stats.Percentiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times a model's forward passes through KV sessions, the path the draft and verify UDFs take: a
 * decode step is one timed call that appends one token to every sequence of a batch whose prefix is
 * already cached, so a long prompt's prefill never leaks into the step time. Medians over all timed
 * calls, so one slow call does not count.
 */
final class DecodeTimer implements AutoCloseable {

    private final SessionStore sessions;
    private final int repetitions;
    private int runs;

    DecodeTimer(CausalLm model, int repetitions) {
        this.sessions =
                model.openSessions(new SessionLimits(64, Long.MAX_VALUE, Duration.ofHours(1)));
        this.repetitions = repetitions;
    }

    /**
     * Milliseconds per decode step for {@code batch} sequences whose context grows from {@code
     * context} to {@code context + steps} tokens.
     */
    double stepMillis(int batch, int context, int steps) throws ModelException {
        double[] times = new double[repetitions * steps];
        for (int r = 0; r < repetitions; r++) {
            double[] run = steps(batch, context, steps);
            System.arraycopy(run, 0, times, r * steps, steps);
        }
        return Percentiles.median(times);
    }

    /** Milliseconds to prefill {@code batch} prompts of {@code context} tokens. */
    double prefillMillis(int batch, int context) throws ModelException {
        double[] times = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            String[] ids = ids(batch);
            int[][] tokens = prompts(batch, context);
            long start = System.nanoTime();
            forward(ids, tokens, context, context);
            times[r] = (System.nanoTime() - start) / 1e6;
            finish(ids);
        }
        return Percentiles.median(times);
    }

    /**
     * Milliseconds of one verify pass: {@code batch} sequences with {@code context} tokens cached
     * append {@code newTokens} each and want logits after all of them, as the verifier asks for a
     * round's correction token and its {@code newTokens - 1} drafts.
     */
    double verifyMillis(int batch, int context, int newTokens) throws ModelException {
        double[] times = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            String[] ids = ids(batch);
            int[][] tokens = prompts(batch, context + newTokens);
            forward(ids, tokens, context - 1, context - 1);
            // one untimed decode step first: the first call after a prefill also gathers the
            // sequences into one batch cache (up to twice a step at batch 8), which a serving
            // round, coming back with the same batch, does not pay
            forward(ids, tokens, context - 1, context);
            long start = System.nanoTime();
            // the first new token is final, the drafts after it are speculative
            forward(ids, tokens, context - 1, context + 1, context + newTokens, newTokens);
            times[r] = (System.nanoTime() - start) / 1e6;
            finish(ids);
        }
        return Percentiles.median(times);
    }

    void warmUp(int context, int steps) throws ModelException {
        for (int i = 0; i < 20; i++) {
            steps(1, context, steps);
            steps(8, context, steps);
        }
    }

    @Override
    public void close() {
        sessions.close();
    }

    private double[] steps(int batch, int context, int steps) throws ModelException {
        String[] ids = ids(batch);
        int[][] tokens = prompts(batch, context + steps);
        forward(ids, tokens, context, context);
        double[] times = new double[steps];
        for (int s = 0; s < steps; s++) {
            long start = System.nanoTime();
            forward(ids, tokens, context, context + s + 1);
            times[s] = (System.nanoTime() - start) / 1e6;
        }
        finish(ids);
        return times;
    }

    /** A decode or prefill call: every token final, logits after the last one. */
    private void forward(String[] ids, int[][] tokens, int prompt, int length)
            throws ModelException {
        forward(ids, tokens, prompt, length, length, 1);
    }

    private void forward(
            String[] ids, int[][] tokens, int prompt, int committed, int length, int logits)
            throws ModelException {
        List<SessionTokens> call = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            call.add(
                    new SessionTokens(
                            ids[i], Arrays.copyOf(tokens[i], length), prompt, committed, logits));
        }
        sessions.forward(call);
    }

    /** Fresh request ids, so every run starts without a cached session. */
    private String[] ids(int batch) {
        String[] ids = new String[batch];
        for (int i = 0; i < batch; i++) {
            ids[i] = "timing-" + runs + "-" + i;
        }
        runs++;
        return ids;
    }

    private void finish(String[] ids) {
        for (String id : ids) {
            sessions.finish(id);
        }
    }

    /** Prompts of plain English, shifted per row so rows differ. */
    private static int[][] prompts(int batch, int length) {
        String text =
                "It was the best of times, it was the worst of times, and everyone in the village"
                        + " knew it. ";
        int[][] prompts = new int[batch][length];
        for (int row = 0; row < batch; row++) {
            for (int i = 0; i < length; i++) {
                prompts[row][i] = text.charAt((i + 7 * row) % text.length());
            }
        }
        return prompts;
    }
}
