package io.tandem.model;

import io.tandem.model.internal.SessionPool;
import java.util.List;

/** The KV sessions of a {@link CausalLm}: a {@link SessionStore} on a {@link SessionPool}. */
final class PooledSessionStore implements SessionStore {

    private final String modelName;
    private final SessionPool pool;

    PooledSessionStore(String modelName, SessionPool pool) {
        this.modelName = modelName;
        this.pool = pool;
    }

    @Override
    public BatchLogits forward(List<SessionTokens> sequences) throws ModelException {
        try {
            return pool.forward(sequences);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelException(
                    modelName + ": forward pass of " + sequences.size() + " sessions failed: " + e,
                    e);
        }
    }

    @Override
    public boolean finish(String requestId) {
        return pool.finish(requestId);
    }

    @Override
    public int evictIdle() {
        return pool.evictIdle();
    }

    @Override
    public SessionStats stats() {
        return pool.stats();
    }

    /** Frees every session. */
    @Override
    public void close() {
        pool.close();
    }
}
