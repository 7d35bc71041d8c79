package io.tandem.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model's first calls after loading run through the engine's and the JVM's first-time work
 * (kernel selection, buffer allocation, compilation of the call path), which made the first answers
 * of a freshly started job take seconds. A few throw-away calls, of the shapes serving makes (a
 * prefill, plain decode steps, a verification of several positions, at batch 1 and at a small
 * batch), move that work to the moment the model loads.
 */
public final class ModelWarmUp {

    private static final String TEXT = "It is a truth universally acknowledged, that a single man";

    private static final int PROMPT_TOKENS = 12;

    private static final int DECODE_STEPS = 3;

    private static final int VERIFIED = 5;

    private static final int[] BATCHES = {1, 8};

    private ModelWarmUp() {}

    /** Runs the warm-up calls on {@code model}; returns how long they took. */
    public static Duration run(LanguageModel model) throws ModelException {
        long start = System.nanoTime();
        int[] prompt = prompt(model);
        int contextNeeded = prompt.length + DECODE_STEPS + VERIFIED;
        if (contextNeeded > model.info().contextLength()) {
            return Duration.ZERO;
        }
        try (SessionStore sessions =
                model.openSessions(
                        new SessionLimits(
                                Arrays.stream(BATCHES).max().orElse(1),
                                Long.MAX_VALUE,
                                Duration.ofMinutes(1)))) {
            for (int batch : BATCHES) {
                int[] tokens = prompt;
                for (int step = 0; step <= DECODE_STEPS + 1; step++) {
                    boolean verifying = step == DECODE_STEPS + 1;
                    int added = step == 0 ? 0 : verifying ? VERIFIED : 1;
                    tokens = grow(tokens, added);
                    List<SessionTokens> call = new ArrayList<>(batch);
                    for (int row = 0; row < batch; row++) {
                        call.add(
                                new SessionTokens(
                                        "warm-up-" + batch + "-" + row,
                                        tokens,
                                        prompt.length,
                                        verifying ? tokens.length - VERIFIED : tokens.length,
                                        verifying ? VERIFIED : 1));
                    }
                    sessions.forward(call);
                }
                for (int row = 0; row < batch; row++) {
                    sessions.finish("warm-up-" + batch + "-" + row);
                }
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Real text, so the calls look like serving's; any valid ids would do. */
    private static int[] prompt(LanguageModel model) {
        int[] ids = model.tokenizer().encode(TEXT);
        int[] prompt = new int[PROMPT_TOKENS];
        int vocab = model.info().vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = ids.length == 0 ? 0 : Math.floorMod(ids[i % ids.length], vocab);
        }
        return prompt;
    }

    /** {@code tokens} with {@code count} more, repeating its last. */
    private static int[] grow(int[] tokens, int count) {
        int[] grown = Arrays.copyOf(tokens, tokens.length + count);
        Arrays.fill(grown, tokens.length, grown.length, tokens[tokens.length - 1]);
        return grown;
    }
}
