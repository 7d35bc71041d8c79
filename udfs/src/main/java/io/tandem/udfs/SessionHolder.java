package io.tandem.udfs;

import io.tandem.model.SessionStats;
import io.tandem.model.SessionStore;

/**
 * What the draft and verify sides share: a model's KV sessions, freed per request when it ends,
 * when it idles, or all at once on close (the model itself is not closed).
 */
abstract class SessionHolder implements AutoCloseable {

    final SessionStore sessions;

    SessionHolder(SessionStore sessions) {
        this.sessions = sessions;
    }

    /** Frees the session of a request that ended; returns whether it had one. */
    public boolean finish(String requestId) {
        return sessions.finish(requestId);
    }

    /** Frees sessions idle for longer than the limit; returns how many. */
    public int evictIdle() {
        return sessions.evictIdle();
    }

    /** The sessions' state and counters. */
    public SessionStats sessionStats() {
        return sessions.stats();
    }

    /** Frees every session (not the model). */
    @Override
    public void close() {
        sessions.close();
    }
}
