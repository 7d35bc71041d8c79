package io.tandem.model.internal;

import java.util.Arrays;
import java.util.List;

/**
 * Where each sequence's tokens sit in a KV cache shared by a batch: one row per sequence, one
 * column per cached position of the batch. A row's valid columns hold its positions {@code 0, 1,
 * .., length-1} in column order; every other column is a hole the row must not see: left padding of
 * a shorter sequence, padding of a forward pass in which the row had fewer new tokens than others,
 * or a position rolled back after its drafted token was rejected. Holes are hidden by the attention
 * bias; positions are explicit per row, so a row computes what it would alone.
 *
 * <p>Appending right-aligns each row's new tokens so its newest token is always in the last column,
 * where the network reads last-position logits. Rolling back only turns columns into holes (no
 * engine work); {@link #compactionIndex} plans the gather that squeezes holes out when they cost
 * more than the gather.
 *
 * <p>Produces the flat arrays the engine needs: row-major, [rows, seq] for tokens and positions and
 * [rows, 1, seq, columns] for biases. Mutable and not thread-safe.
 */
final class CacheLayout {

    /** Position of a hole column. */
    static final int HOLE = -1;

    private int columns;
    private int[][] positions; // per row, per column: the position held, or HOLE
    private int[][] tokens; // per row, per position < length: the token id
    private int[] lengths; // per row: valid columns

    private CacheLayout(int columns, int[][] positions, int[][] tokens, int[] lengths) {
        this.columns = columns;
        this.positions = positions;
        this.tokens = tokens;
        this.lengths = lengths;
    }

    /** {@code rows} empty rows and no columns. */
    static CacheLayout empty(int rows) {
        int[][] positions = new int[rows][];
        int[][] tokens = new int[rows][];
        for (int row = 0; row < rows; row++) {
            positions[row] = new int[0];
            tokens[row] = new int[0];
        }
        return new CacheLayout(0, positions, tokens, new int[rows]);
    }

    int rows() {
        return lengths.length;
    }

    int columns() {
        return columns;
    }

    /** Cached positions of {@code row}. */
    int length(int row) {
        return lengths[row];
    }

    /** The longest row. */
    int maxLength() {
        return Arrays.stream(lengths).max().orElse(0);
    }

    /**
     * How many leading tokens of {@code sequence} {@code row} already caches: the length of their
     * common prefix.
     */
    int commonPrefix(int row, int[] sequence) {
        int limit = Math.min(lengths[row], sequence.length);
        int[] cached = tokens[row];
        int i = 0;
        while (i < limit && cached[i] == sequence[i]) {
            i++;
        }
        return i;
    }

    /** Rolls {@code row} back to its first {@code length} positions: later columns become holes. */
    void truncate(int row, int length) {
        if (length < 0 || length > lengths[row]) {
            throw new IllegalArgumentException(
                    "row " + row + " caches " + lengths[row] + " positions, cannot keep " + length);
        }
        if (length == lengths[row]) {
            return;
        }
        int[] rowPositions = positions[row];
        for (int column = 0; column < columns; column++) {
            if (rowPositions[column] >= length) {
                rowPositions[column] = HOLE;
            }
        }
        lengths[row] = length;
    }

    /** The engine inputs of one forward pass that appends columns; see {@link #append}. */
    record Append(int rows, int seq, int keyColumns, int[] tokens, int[] positions, float[] bias) {}

    /**
     * Appends {@code max(newTokens[row].length)} columns, each row's new tokens right-aligned
     * (earlier new columns are holes of that row), and returns the forward pass's inputs: tokens
     * and positions [rows, seq] (0 on holes) and the bias [rows, 1, seq, columns + seq], in which a
     * row's query sees its valid cached columns and its own new columns up to itself. Queries of
     * hole columns see nothing; their outputs are never read.
     */
    Append append(int[][] newTokens) {
        if (newTokens.length != rows()) {
            throw new IllegalArgumentException(
                    "need new tokens for " + rows() + " rows, got " + newTokens.length);
        }
        int seq = Arrays.stream(newTokens).mapToInt(t -> t.length).max().orElse(0);
        if (seq == 0) {
            throw new IllegalArgumentException("a forward pass needs at least one new token");
        }
        int keyColumns = columns + seq;
        int[] tokenIds = new int[rows() * seq];
        int[] positionIds = new int[rows() * seq];
        float[] bias = new float[rows() * seq * keyColumns];
        Arrays.fill(bias, TransformerNetwork.MASKED);
        for (int row = 0; row < rows(); row++) {
            int added = newTokens[row].length;
            int pad = seq - added;
            int[] rowPositions = Arrays.copyOf(positions[row], keyColumns);
            Arrays.fill(rowPositions, columns, columns + pad, HOLE);
            int[] rowTokens = Arrays.copyOf(tokens[row], lengths[row] + added);
            for (int i = 0; i < added; i++) {
                int position = lengths[row] + i;
                rowPositions[columns + pad + i] = position;
                rowTokens[position] = newTokens[row][i];
                tokenIds[row * seq + pad + i] = newTokens[row][i];
                positionIds[row * seq + pad + i] = position;
            }
            for (int query = pad; query < seq; query++) {
                int offset = (row * seq + query) * keyColumns;
                int lastVisible = columns + query; // causal: keys up to the query itself
                for (int key = 0; key <= lastVisible; key++) {
                    if (rowPositions[key] != HOLE) {
                        bias[offset + key] = 0f;
                    }
                }
            }
            positions[row] = rowPositions;
            tokens[row] = rowTokens;
            lengths[row] += added;
        }
        columns = keyColumns;
        return new Append(rows(), seq, keyColumns, tokenIds, positionIds, bias);
    }

    /**
     * Plans squeezing out the holes: for each row, the old columns to gather into a layout just
     * wide enough for the longest row, valid columns right-aligned in order and left padding taken
     * from column 0 (a hole after this call). Applies the plan to this layout and returns it as
     * [rows, width] column indices.
     */
    long[] compactionIndex() {
        int width = maxLength();
        long[] index = new long[rows() * width];
        for (int row = 0; row < rows(); row++) {
            int pad = width - lengths[row];
            int next = row * width + pad;
            int[] compacted = new int[width];
            Arrays.fill(compacted, 0, pad, HOLE);
            for (int column = 0; column < columns; column++) {
                int position = positions[row][column];
                if (position != HOLE) {
                    compacted[pad + position] = position;
                    index[next + position] = column;
                }
            }
            positions[row] = compacted;
        }
        columns = width;
        return index;
    }

    /** Keeps only the given rows, in the given order (mirrors {@link KvCache#keepRows}). */
    void keepRows(int[] rows) {
        CacheLayout kept = copyRows(rows);
        positions = kept.positions;
        tokens = kept.tokens;
        lengths = kept.lengths;
    }

    /** A layout of copies of the given rows, in order (mirrors {@link KvCache#copyRows}). */
    CacheLayout copyRows(int[] rows) {
        int[][] keptPositions = new int[rows.length][];
        int[][] keptTokens = new int[rows.length][];
        int[] keptLengths = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            keptPositions[i] = positions[rows[i]].clone();
            keptTokens[i] = tokens[rows[i]]; // never written in place: append copies
            keptLengths[i] = lengths[rows[i]];
        }
        return new CacheLayout(columns, keptPositions, keptTokens, keptLengths);
    }

    /**
     * The rows of {@code parts}, in order, left-padded with holes to the widest part (mirrors
     * {@link KvCache#concatRows}).
     */
    static CacheLayout concatRows(List<CacheLayout> parts) {
        int width = parts.stream().mapToInt(CacheLayout::columns).max().orElse(0);
        int rows = parts.stream().mapToInt(CacheLayout::rows).sum();
        int[][] positions = new int[rows][];
        int[][] tokens = new int[rows][];
        int[] lengths = new int[rows];
        int next = 0;
        for (CacheLayout part : parts) {
            int pad = width - part.columns;
            for (int row = 0; row < part.rows(); row++, next++) {
                positions[next] = new int[width];
                Arrays.fill(positions[next], 0, pad, HOLE);
                System.arraycopy(part.positions[row], 0, positions[next], pad, part.columns);
                tokens[next] = part.tokens[row];
                lengths[next] = part.lengths[row];
            }
        }
        return new CacheLayout(width, positions, tokens, lengths);
    }
}
