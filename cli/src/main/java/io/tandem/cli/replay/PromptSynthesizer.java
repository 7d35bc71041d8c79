package io.tandem.cli.replay;

import java.nio.charset.StandardCharsets;

/**
 * Gives a trace request that has only token counts a prompt of that length, cut from a corpus, and
 * keeps every request within the model's context: the prompt is shortened first (a request needs at
 * least one prompt token), then the output. Lengths are in bytes, which are tokens for the bundled
 * byte-level models; with another tokenizer they are approximate. The same request line always gets
 * the same prompt. Not thread-safe ({@link #capping()} accumulates).
 */
public final class PromptSynthesizer {

    /** What capping did over the requests seen so far. */
    public record Capping(long requests, long promptTokensCut, long outputTokensCut) {}

    private final String corpus;
    private final int contextLength;
    private long capped;
    private long promptCut;
    private long outputCut;

    /**
     * @param corpus text to cut prompts from, ASCII (one byte, one token)
     * @param contextLength the model's context, {@code >= 2}
     */
    public PromptSynthesizer(String corpus, int contextLength) {
        byte[] bytes = corpus.getBytes(StandardCharsets.UTF_8);
        if (bytes.length != corpus.length()) {
            throw new IllegalArgumentException("the corpus must be ASCII");
        }
        if (contextLength < 2) {
            throw new IllegalArgumentException("contextLength must be >= 2, got " + contextLength);
        }
        if (corpus.length() < contextLength) {
            throw new IllegalArgumentException(
                    "the corpus ("
                            + corpus.length()
                            + " bytes) must be at least as long as the context ("
                            + contextLength
                            + ")");
        }
        this.corpus = corpus;
        this.contextLength = contextLength;
    }

    /** A request's prompt and output length, within the context. */
    public record Prompt(String text, int maxNewTokens) {}

    /** {@code request}'s prompt (its own, or one cut from the corpus) and output, capped. */
    public Prompt prompt(TraceRequest request) {
        String text = request.prompt();
        int input =
                text != null ? text.getBytes(StandardCharsets.UTF_8).length : request.inputTokens();
        int output = request.outputTokens();
        int cappedOutput = Math.min(output, contextLength - 1);
        int cappedInput = Math.max(1, Math.min(input, contextLength - cappedOutput));
        if (cappedInput < input || cappedOutput < output) {
            capped++;
            promptCut += input - cappedInput;
            outputCut += output - cappedOutput;
        }
        if (text == null || cappedInput < input) {
            text = text == null ? slice(request.line(), cappedInput) : prefix(text, cappedInput);
        }
        return new Prompt(text, cappedOutput);
    }

    /** What capping has done so far. */
    public Capping capping() {
        return new Capping(capped, promptCut, outputCut);
    }

    private String slice(long line, int length) {
        int start = (int) Math.floorMod(line * 2_654_435_761L, corpus.length() - length + 1);
        return corpus.substring(start, start + length);
    }

    /** The longest prefix of {@code text} that fits {@code bytes} without splitting a character. */
    private static String prefix(String text, int bytes) {
        int used = 0;
        int end = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (used + size > bytes) {
                break;
            }
            used += size;
            end += Character.charCount(cp);
        }
        // a prompt keeps at least its first character, even one wider than the budget
        return end > 0 || text.isEmpty()
                ? text.substring(0, end)
                : text.substring(0, Character.charCount(text.codePointAt(0)));
    }
}
