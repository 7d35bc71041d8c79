package io.tandem.cli.replay;

/**
 * One request of a trace, as recorded: when it arrived, how long its prompt and output were, and,
 * in Tandem's own format, its text and sampling. Immutable.
 *
 * @param line the trace line it came from (1-based), for reports
 * @param arrivalMs arrival time relative to the trace's first request
 * @param inputTokens prompt length in tokens as recorded; with a prompt text, its UTF-8 bytes (the
 *     bundled models' tokens)
 * @param outputTokens tokens to generate
 * @param prompt the prompt text, or null when the trace has only lengths
 * @param temperature sampling temperature (0: greedy)
 * @param topP nucleus sampling mass
 * @param seed the sampling seed, or null
 * @param tenant the tenant, or null
 */
public record TraceRequest(
        long line,
        long arrivalMs,
        int inputTokens,
        int outputTokens,
        String prompt,
        float temperature,
        float topP,
        Long seed,
        String tenant) {

    public TraceRequest {
        if (arrivalMs < 0 || inputTokens < 0 || outputTokens < 1) {
            throw new IllegalArgumentException(
                    "line "
                            + line
                            + ": need arrival >= 0, input >= 0 and output >= 1 tokens, got "
                            + arrivalMs
                            + " ms, "
                            + inputTokens
                            + ", "
                            + outputTokens);
        }
    }
}
