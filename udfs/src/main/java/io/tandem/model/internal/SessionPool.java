package io.tandem.model.internal;

import ai.djl.ndarray.NDManager;
import io.tandem.model.BatchLogits;
import io.tandem.model.SessionLimits;
import io.tandem.model.SessionStats;
import io.tandem.model.SessionTokens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-request KV sessions of one model, so that a sequence's keys and values are computed once
 * however many rounds it takes: the implementation of {@link io.tandem.model.SessionStore}.
 *
 * <p>Sessions live as rows of shared {@link SessionBatch} caches. A call whose sequences are
 * exactly the live rows of one batch (the same requests round after round, which is how the job
 * calls) runs on that batch directly: no copy, one forward pass. Any other composition regroups:
 * rows are copied out of their batches, new requests are prefilled in a batch of their own, and the
 * pieces are concatenated into a new batch, so a newcomer's long prompt never widens the forward
 * pass of the others. A missing session is rebuilt from the tokens and a cached one is rolled back
 * to what it has in common with them, so the logits never depend on what was cached.
 *
 * <p>Rolling back rejected drafts only marks their columns as holes (no engine work); a batch is
 * compacted (two gathers per layer) once that removes {@link #COMPACTION_COLUMNS} columns. Measured
 * on austen-tiny with a draft that accepts about 60% (batch 8, γ 4, 180 new tokens, one thread,
 * best of 3 runs on a loaded machine): compacting at every rollback (the equivalent of truncating
 * each row) took 470 ms, at 4 holes 352 ms, at 8/16/32 holes 312/310/299 ms, never 331 ms; batch 1
 * was flat (76-96 ms) except 93-124 ms when compacting every rollback. Components (batch 8, 160
 * positions): a compaction costs 300-600 µs, each hole column adds about 4 µs to every forward
 * pass. The alternative of gathering every call's rows into a fresh batch (what per-session caches
 * need) costs 210-400 µs per call at batch 8, about a third of a round, so rows stay put while the
 * batch stays together.
 *
 * <p>Memory is bounded: least recently used sessions are evicted beyond the session and byte limits
 * (never those of the call in progress), idle ones at the next call.
 *
 * <p>Thread-safe: calls are serialised on the pool.
 */
public final class SessionPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SessionPool.class);

    /**
     * Squeeze holes out of a batch cache once that removes this many columns: the middle of the
     * measured optimum (8-32, see above).
     */
    public static final int COMPACTION_COLUMNS = 16;

    private final String modelName;
    private final TransformerNetwork network;
    private final NDManager manager;
    private final SessionLimits limits;
    private final LongSupplier nanoClock;
    private final int compactionColumns;
    // access order: iteration starts at the least recently used session
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);
    private final Set<SessionBatch> batches = Collections.newSetFromMap(new IdentityHashMap<>());
    private long opened;
    private long rebuilt;
    private long evicted;
    private long regroups;
    private long compactions;

    public SessionPool(
            String modelName,
            TransformerNetwork network,
            NDManager parent,
            SessionLimits limits,
            LongSupplier nanoClock,
            int compactionColumns) {
        this.modelName = modelName;
        this.network = network;
        this.manager = parent.newSubManager();
        this.limits = limits;
        this.nanoClock = nanoClock;
        this.compactionColumns = compactionColumns;
    }

    /**
     * Brings every sequence's session up to all its tokens with one batched forward pass (plus a
     * prefill pass if new sequences join existing ones) and returns the logits each asked for.
     *
     * @throws IllegalArgumentException for duplicate request ids, tokens outside the vocabulary, or
     *     sequences longer than the context
     */
    public synchronized BatchLogits forward(List<SessionTokens> sequences) {
        validate(sequences);
        int count = sequences.size();
        if (count == 0) {
            return new BatchLogits(
                    new float[0], 0, network.vocabSize(), new int[0], new int[0], new int[0]);
        }
        long now = nanoClock.getAsLong();
        evictIdle(now);
        int[][] tokens = sequences.stream().map(SessionTokens::tokens).toArray(int[][]::new);
        Session[] call = new Session[count];
        int[] keep = new int[count]; // tokens each session keeps cached; -1: new session
        int columns = 0;
        for (int i = 0; i < count; i++) {
            call[i] = session(sequences.get(i));
            keep[i] = call[i].batch == null ? -1 : kept(call[i], sequences.get(i), tokens[i]);
            columns = Math.max(columns, sequences.get(i).logits());
        }
        float[] logits;
        SessionBatch batch;
        try {
            batch = assemble(call, sequences, tokens, keep, columns);
            int[][] newTokens = new int[batch.rows()][];
            for (int i = 0; i < count; i++) {
                batch.layout().truncate(call[i].row, keep[i]);
                newTokens[call[i].row] = Arrays.copyOfRange(tokens[i], keep[i], tokens[i].length);
            }
            logits = batch.forward(network, newTokens, columns);
            if (batch.compactIfWorthwhile(compactionColumns)) {
                compactions++;
            }
        } catch (RuntimeException e) {
            // the call's caches may be half updated: forget them, a retry rebuilds them
            for (Session session : call) {
                discard(session);
            }
            throw e;
        }
        int[] rows = new int[count];
        int[] lengths = new int[count];
        int[] wanted = new int[count];
        for (int i = 0; i < count; i++) {
            SessionTokens sequence = sequences.get(i);
            call[i].committed = sequence.committed();
            call[i].lastUsedNanos = now;
            rows[i] = call[i].row;
            lengths[i] = sequence.length();
            wanted[i] = sequence.logits();
        }
        enforceBounds(call);
        return new BatchLogits(logits, columns, network.vocabSize(), rows, lengths, wanted);
    }

    /** Forgets the session of {@code requestId}; returns whether there was one. */
    public synchronized boolean finish(String requestId) {
        Session session = sessions.get(requestId);
        if (session == null) {
            return false;
        }
        discard(session);
        return true;
    }

    /** Evicts the sessions idle for longer than the limit; returns how many. */
    public synchronized int evictIdle() {
        return evictIdle(nanoClock.getAsLong());
    }

    public synchronized SessionStats stats() {
        return new SessionStats(
                sessions.size(),
                batches.size(),
                bytes(),
                opened,
                rebuilt,
                evicted,
                regroups,
                compactions);
    }

    /** Frees every session. */
    @Override
    public synchronized void close() {
        sessions.clear();
        batches.clear();
        manager.close();
    }

    /** The sequence's session, opened (and logged) if it has none. */
    private Session session(SessionTokens sequence) {
        Session session = sessions.get(sequence.requestId());
        if (session != null) {
            return session;
        }
        session = new Session(sequence.requestId());
        sessions.put(sequence.requestId(), session);
        opened++;
        if (sequence.committed() > sequence.promptLength()) {
            // after eviction, a new worker, or rounds that skipped this model (plain rounds skip
            // the draft); an eviction that matters is logged where it happens
            rebuilt++;
            LOG.debug(
                    "KV session of request {} on model {} opened after {} generated tokens;"
                            + " building it by prefill of {} tokens",
                    sequence.requestId(),
                    modelName,
                    sequence.committed() - sequence.promptLength(),
                    sequence.length());
        } else {
            LOG.debug(
                    "Opening KV session of request {} on model {}",
                    sequence.requestId(),
                    modelName);
        }
        return session;
    }

    /**
     * How many leading tokens of {@code sequence} an existing session keeps: what it has in common
     * with them, but at most all tokens before those the caller wants logits after.
     */
    private int kept(Session session, SessionTokens sequence, int[] tokens) {
        int common = session.batch.layout().commonPrefix(session.row, tokens);
        if (common < Math.min(session.committed, tokens.length)) {
            rebuilt++;
            LOG.warn(
                    "KV session of request {} on model {} disagrees with the caller's committed"
                            + " tokens at position {}; rolling back from {} to {} tokens",
                    sequence.requestId(),
                    modelName,
                    common,
                    session.batch.layout().length(session.row),
                    common);
        }
        return Math.min(common, tokens.length - sequence.logits());
    }

    /**
     * The batch this call runs on: the batch that holds exactly the call's sessions if there is
     * one, else a new batch assembled from copies of their rows and a prefill of the new sessions.
     * Sets {@code keep} for the new sessions.
     */
    private SessionBatch assemble(
            Session[] call,
            List<SessionTokens> sequences,
            int[][] tokens,
            int[] keep,
            int columns) {
        SessionBatch shared = call[0].batch;
        boolean together = shared != null && shared.liveRows() == call.length;
        for (Session session : call) {
            together &= session.batch == shared;
        }
        if (together) {
            shared.dropDeadRows();
            return shared;
        }
        regroups++;
        Map<SessionBatch, List<Session>> cached = new LinkedHashMap<>();
        List<Integer> fresh = new ArrayList<>();
        for (int i = 0; i < call.length; i++) {
            if (call[i].batch == null) {
                fresh.add(i);
            } else {
                cached.computeIfAbsent(call[i].batch, b -> new ArrayList<>()).add(call[i]);
            }
        }
        List<SessionBatch> parts = new ArrayList<>();
        for (Map.Entry<SessionBatch, List<Session>> entry : cached.entrySet()) {
            SessionBatch source = entry.getKey();
            List<Session> members = entry.getValue();
            if (source.rows() == members.size()) {
                batches.remove(source); // taken whole
                parts.add(source);
            } else {
                parts.add(source.moveRows(members.stream().mapToInt(s -> s.row).toArray()));
                if (source.liveRows() == 0) {
                    batches.remove(source);
                    source.close();
                }
            }
        }
        if (!fresh.isEmpty()) {
            boolean separately = !parts.isEmpty() || columns > 1;
            parts.add(prefill(call, sequences, tokens, keep, fresh, separately));
        }
        SessionBatch assembled;
        if (parts.size() == 1) {
            assembled = parts.get(0);
        } else {
            assembled = SessionBatch.concat(manager, network.layers(), parts);
            parts.forEach(SessionBatch::close);
        }
        batches.add(assembled);
        return assembled;
    }

    /**
     * A batch of the new sessions. If {@code separately}, it already caches each sequence up to the
     * tokens whose logits are wanted (one forward pass), so the main pass stays narrow; otherwise
     * it is blank and the main pass prefills everything.
     */
    private SessionBatch prefill(
            Session[] call,
            List<SessionTokens> sequences,
            int[][] tokens,
            int[] keep,
            List<Integer> fresh,
            boolean separately) {
        Session[] members = fresh.stream().map(i -> call[i]).toArray(Session[]::new);
        SessionBatch batch = SessionBatch.blank(manager, network.layers(), members);
        int[][] prefixes = new int[members.length][];
        boolean any = false;
        for (int j = 0; j < members.length; j++) {
            int i = fresh.get(j);
            SessionTokens sequence = sequences.get(i);
            keep[i] = separately ? sequence.length() - sequence.logits() : 0;
            prefixes[j] = Arrays.copyOf(tokens[i], keep[i]);
            any |= keep[i] > 0;
        }
        if (any) {
            batch.forward(network, prefixes, 1);
        }
        return batch;
    }

    private int evictIdle(long now) {
        long timeout = limits.idleTimeout().toNanos();
        List<Session> idle = new ArrayList<>();
        for (Session session : sessions.values()) {
            if (now - session.lastUsedNanos <= timeout) {
                break; // access order: every later session was used more recently
            }
            idle.add(session);
        }
        for (Session session : idle) {
            LOG.debug(
                    "Evicting idle KV session of request {} on model {}",
                    session.requestId,
                    modelName);
            discard(session);
        }
        evicted += idle.size();
        return idle.size();
    }

    /** Evicts least recently used sessions, except the call's, until the limits hold. */
    private void enforceBounds(Session[] call) {
        Set<Session> protectedSessions = new HashSet<>(List.of(call));
        long bytes = bytes();
        while (sessions.size() > limits.maxSessions() || bytes > limits.maxBytes()) {
            Session eldest = sessions.values().iterator().next();
            if (protectedSessions.contains(eldest)) {
                return; // the call alone exceeds the limits; it is not evicted while running
            }
            // a session still in use may be evicted here, and its next round pays a prefill
            LOG.warn(
                    "Evicting least recently used KV session of request {} on model {}: {}"
                            + " sessions of {} bytes exceed the limits ({} sessions, {} bytes)",
                    eldest.requestId,
                    modelName,
                    sessions.size(),
                    bytes,
                    limits.maxSessions(),
                    limits.maxBytes());
            discard(eldest);
            evicted++;
            bytes = bytes();
        }
    }

    /** Removes a session; its row dies, and its batch is freed with the last live row. */
    private void discard(Session session) {
        sessions.remove(session.requestId);
        SessionBatch batch = session.batch;
        if (batch == null) {
            return;
        }
        batch.release(session.row);
        session.batch = null;
        if (batch.liveRows() == 0) {
            batches.remove(batch);
            batch.close();
        }
    }

    private long bytes() {
        return batches.stream().mapToLong(SessionBatch::bytes).sum();
    }

    private void validate(List<SessionTokens> sequences) {
        SessionTokens.checkCall(sequences, network.contextLength(), network.vocabSize());
    }
}
