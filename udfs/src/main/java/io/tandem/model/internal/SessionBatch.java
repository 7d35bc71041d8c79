package io.tandem.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sessions that share one KV cache: row {@code r} of the cache belongs to {@code sessions[r]}, or
 * to nobody once that session finished or moved to another batch (a dead row, dropped at the next
 * use). The cache's {@link CacheLayout} says which columns each row may see, so sequences of
 * different lengths, padding and rolled-back draft positions all live in one set of arrays and a
 * whole batch advances with one forward pass.
 *
 * <p>Not thread-safe; guarded by the pool's lock.
 */
final class SessionBatch implements AutoCloseable {

    private final NDManager parent;
    private final KvCache cache;
    private final CacheLayout layout;
    private Session[] sessions;
    private int live;

    private SessionBatch(NDManager parent, KvCache cache, CacheLayout layout, Session[] sessions) {
        this.parent = parent;
        this.cache = cache;
        this.layout = layout;
        this.sessions = sessions;
        for (int row = 0; row < sessions.length; row++) {
            sessions[row].batch = this;
            sessions[row].row = row;
        }
        this.live = sessions.length;
    }

    /** A batch of the given sessions with nothing cached. */
    static SessionBatch blank(NDManager parent, int layers, Session[] sessions) {
        return new SessionBatch(
                parent,
                new KvCache(parent, layers),
                CacheLayout.empty(sessions.length),
                sessions.clone());
    }

    /**
     * One batch of the rows of {@code parts}, in order, left-padded to the widest. The parts are
     * left as they are (their rows now belong to the new batch); close or release them.
     */
    static SessionBatch concat(NDManager parent, int layers, List<SessionBatch> parts) {
        List<Session> sessions = new ArrayList<>();
        List<KvCache> caches = new ArrayList<>();
        List<CacheLayout> layouts = new ArrayList<>();
        int[] rows = new int[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            SessionBatch part = parts.get(i);
            sessions.addAll(Arrays.asList(part.sessions));
            caches.add(part.cache);
            layouts.add(part.layout);
            rows[i] = part.rows();
        }
        Session[] merged = sessions.toArray(Session[]::new);
        if (parts.stream().allMatch(part -> part.layout.columns() == 0)) {
            return blank(parent, layers, merged);
        }
        return new SessionBatch(
                parent,
                KvCache.concatRows(parent, caches, rows),
                CacheLayout.concatRows(layouts),
                merged);
    }

    /**
     * A new batch holding copies of the given rows; they become dead rows here, so their sessions
     * now live only in the copy.
     */
    SessionBatch moveRows(int[] rows) {
        Session[] moved = new Session[rows.length];
        for (int i = 0; i < rows.length; i++) {
            moved[i] = sessions[rows[i]];
            release(rows[i]);
        }
        return new SessionBatch(parent, cache.copyRows(parent, rows), layout.copyRows(rows), moved);
    }

    int rows() {
        return sessions.length;
    }

    /** Rows whose session still lives here. */
    int liveRows() {
        return live;
    }

    CacheLayout layout() {
        return layout;
    }

    /**
     * Marks {@code row} dead: its session left; the row is dropped at the next {@link
     * #dropDeadRows}.
     */
    void release(int row) {
        if (sessions[row] != null) {
            sessions[row] = null;
            live--;
        }
    }

    /** Drops dead rows (two row gathers per layer if there are any). */
    void dropDeadRows() {
        if (live == sessions.length) {
            return;
        }
        int[] keep = new int[live];
        Session[] kept = new Session[live];
        int next = 0;
        for (int row = 0; row < sessions.length; row++) {
            if (sessions[row] != null) {
                keep[next] = row;
                kept[next] = sessions[row];
                kept[next].row = next++;
            }
        }
        cache.keepRows(keep);
        layout.keepRows(keep);
        sessions = kept;
    }

    /**
     * Runs one forward pass that appends each row's {@code newTokens} (right-aligned, at least one
     * row non-empty) and returns the logits of the last {@code logitColumns} columns: [rows,
     * logitColumns, vocab].
     */
    float[] forward(TransformerNetwork network, int[][] newTokens, int logitColumns) {
        CacheLayout.Append append = layout.append(newTokens);
        int rows = append.rows();
        int seq = append.seq();
        if (logitColumns > seq) {
            throw new IllegalArgumentException(
                    "logits of " + logitColumns + " columns wanted from " + seq + " new columns");
        }
        Shape shape = new Shape(rows, seq);
        try (NDManager step = parent.newSubManager()) {
            NDArray logits =
                    network.forward(
                            step.create(append.tokens(), shape),
                            step.create(append.positions(), shape),
                            step.create(
                                    append.bias(), new Shape(rows, 1, seq, append.keyColumns())),
                            cache,
                            logitColumns == 1); // [rows, vocab] or [rows, seq, vocab]
            if (logitColumns > 1 && logitColumns < seq) {
                logits = logits.get(new NDIndex(":, {}:, :", seq - logitColumns));
            }
            return logits.toFloatArray();
        }
    }

    /**
     * Squeezes the holes out (two column gathers per layer) if that removes at least {@code
     * minColumns} columns; returns whether it did.
     */
    boolean compactIfWorthwhile(int minColumns) {
        if (layout.columns() - layout.maxLength() < minColumns) {
            return false;
        }
        int width = layout.maxLength();
        cache.gatherColumns(layout.compactionIndex(), width);
        return true;
    }

    /** Native memory of the cache, in bytes. */
    long bytes() {
        return cache.bytes();
    }

    @Override
    public void close() {
        cache.close();
    }
}
