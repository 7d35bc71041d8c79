package io.tandem.model.internal;

import java.util.Arrays;

/**
 * The layout of a batch of sequences of different lengths that share one KV cache: prompts are
 * left-padded to a common width, so every sequence's newest token is in the last column and each
 * decode step appends one column for all. Padding is hidden by the attention bias and skipped by
 * the position ids (a sequence's first real token is at position 0 whatever its padding), so a
 * sequence computes the same values as it would alone.
 *
 * <p>Produces the flat arrays for the engine: row-major, [rows, columns] for tokens and positions,
 * [rows, 1, queries, columns] for biases. Mutable and not thread-safe; one per generation call.
 */
final class PaddedBatch {

    private int[] pads; // leading padding columns per row
    private int columns;

    private PaddedBatch(int[] pads, int columns) {
        this.pads = pads;
        this.columns = columns;
    }

    /** A batch whose prompts have the given lengths (each at least 1). */
    static PaddedBatch of(int[] promptLengths) {
        int columns = Arrays.stream(promptLengths).max().orElse(0);
        int[] pads = new int[promptLengths.length];
        for (int row = 0; row < pads.length; row++) {
            pads[row] = columns - promptLengths[row];
        }
        return new PaddedBatch(pads, columns);
    }

    int rows() {
        return pads.length;
    }

    int columns() {
        return columns;
    }

    /** The prompts left-padded with token 0: [rows, columns]. */
    int[] prefillTokens(int[][] prompts) {
        int[] tokens = new int[pads.length * columns];
        for (int row = 0; row < pads.length; row++) {
            System.arraycopy(
                    prompts[row], 0, tokens, row * columns + pads[row], prompts[row].length);
        }
        return tokens;
    }

    /** Position ids of the prompts, 0 on padding: [rows, columns]. */
    int[] prefillPositions() {
        int[] positions = new int[pads.length * columns];
        for (int row = 0; row < pads.length; row++) {
            for (int column = pads[row]; column < columns; column++) {
                positions[row * columns + column] = column - pads[row];
            }
        }
        return positions;
    }

    /**
     * Causal bias over the prompts that also hides padding keys: [rows, 1, columns, columns].
     * Padding query rows see nothing; their outputs are never read.
     */
    float[] prefillBias() {
        float[] bias = new float[pads.length * columns * columns];
        Arrays.fill(bias, TransformerNetwork.MASKED);
        for (int row = 0; row < pads.length; row++) {
            for (int query = pads[row]; query < columns; query++) {
                int offset = (row * columns + query) * columns;
                Arrays.fill(bias, offset + pads[row], offset + query + 1, 0f);
            }
        }
        return bias;
    }

    /** Adds one column for the next decode step. */
    void appendColumn() {
        columns++;
    }

    /** Position ids of the newest column: [rows, 1]. */
    int[] lastPositions() {
        int[] positions = new int[pads.length];
        for (int row = 0; row < pads.length; row++) {
            positions[row] = columns - 1 - pads[row];
        }
        return positions;
    }

    /** Bias of the newest column's queries over all columns: [rows, 1, 1, columns]. */
    float[] lastBias() {
        float[] bias = new float[pads.length * columns];
        for (int row = 0; row < pads.length; row++) {
            Arrays.fill(bias, row * columns, row * columns + pads[row], TransformerNetwork.MASKED);
        }
        return bias;
    }

    /** Keeps only the given rows, in the given order (mirrors {@link KvCache#keepRows}). */
    void keepRows(int[] rows) {
        int[] kept = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            kept[i] = pads[rows[i]];
        }
        pads = kept;
    }
}
