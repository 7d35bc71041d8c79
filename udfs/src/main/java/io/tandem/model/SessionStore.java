package io.tandem.model;

import java.util.List;

/**
 * Per-request KV sessions next to one model: each request id's keys and values stay cached between
 * calls, so a sequence that comes back with a few more tokens costs a forward pass over those
 * tokens only. Only token ids go in and logits come out, so drafting and verifying can run in
 * different JVMs, each with its own store.
 *
 * <p>Sessions are soft state: a missing or stale session (unknown id, evicted, or cached tokens
 * that are not a prefix of the caller's) is rebuilt by prefill from the tokens in the call, and
 * logits never depend on what was cached. Drafted tokens that the next call no longer carries are
 * rolled back. Memory is bounded by {@link SessionLimits}; free a request's session with {@link
 * #finish} once it ends.
 *
 * <p>Thread-safe: calls on one store are serialised. Close the store before its model.
 */
public interface SessionStore extends AutoCloseable {

    /**
     * Extends each sequence's session to all its tokens and returns the logits after each of its
     * last {@link SessionTokens#logits()} tokens, computed for the whole batch at once.
     *
     * @throws IllegalArgumentException for duplicate request ids, tokens outside the vocabulary or
     *     sequences longer than the context
     * @throws ModelException if the engine fails; the sessions of the call are dropped, so a retry
     *     rebuilds them
     */
    BatchLogits forward(List<SessionTokens> sequences) throws ModelException;

    /** Frees the session of a request that ended; returns whether it had one. */
    boolean finish(String requestId);

    /** Frees the sessions idle for longer than the limit; returns how many. */
    int evictIdle();

    /** Current sessions, memory and counters. */
    SessionStats stats();

    /** Frees every session. */
    @Override
    void close();
}
