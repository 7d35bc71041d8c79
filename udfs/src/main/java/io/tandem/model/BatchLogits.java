package io.tandem.model;

import java.util.Objects;

/**
 * The logits a {@link SessionStore#forward} call computed: for each sequence of the call, the
 * next-token logits after each of its last {@code logits} tokens, addressed by the absolute
 * position of the token they follow. Backed by one flat array in the batch's own row order, which
 * callers read in place through {@link #offset}.
 *
 * <p>Immutable as long as callers do not write to {@link #values()}; thread-safe to read.
 */
public final class BatchLogits {

    private final float[] values; // [batch rows, columns, vocab]
    private final int columns;
    private final int vocabSize;
    private final int[] rows; // per sequence of the call: its batch row
    private final int[] lengths; // per sequence: its tokens
    private final int[] wanted; // per sequence: logits asked for

    /**
     * Made by the session store.
     *
     * @param values [batch rows, columns, vocab] logits
     * @param columns logit columns per batch row, after the last {@code columns} tokens of each
     * @param vocabSize logits per column
     * @param rows per sequence of the call, its batch row
     * @param lengths per sequence of the call, its number of tokens
     * @param wanted per sequence of the call, how many logit columns it asked for ({@code <=
     *     columns})
     */
    public BatchLogits(
            float[] values, int columns, int vocabSize, int[] rows, int[] lengths, int[] wanted) {
        this.values = Objects.requireNonNull(values, "values");
        this.columns = columns;
        this.vocabSize = vocabSize;
        this.rows = rows.clone();
        this.lengths = lengths.clone();
        this.wanted = wanted.clone();
    }

    /** Logits per position: the vocabulary size. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The flat array {@link #offset} points into; read-only by contract. */
    public float[] values() {
        return values;
    }

    /**
     * Where in {@link #values()} the {@code vocabSize} logits for the token after absolute {@code
     * position} (0-based) of sequence {@code sequence} start; the position must be one of the last
     * tokens the sequence asked logits for.
     */
    public int offset(int sequence, int position) {
        int length = lengths[sequence];
        if (position < length - wanted[sequence] || position >= length) {
            throw new IllegalArgumentException(
                    "no logits after position "
                            + position
                            + " of sequence "
                            + sequence
                            + " (length "
                            + length
                            + ", logits after its last "
                            + wanted[sequence]
                            + " tokens)");
        }
        int column = columns - (length - position);
        return (rows[sequence] * columns + column) * vocabSize;
    }
}
