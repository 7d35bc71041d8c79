package io.tandem.model;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on the KV sessions a {@link SessionStore} keeps: beyond either size bound the least
 * recently used sessions are evicted, and a session unused for {@code idleTimeout} is evicted at
 * the next call (or {@link SessionStore#evictIdle()}). An evicted session costs a prefill when its
 * request comes back, never a different output. Immutable.
 *
 * @param maxSessions sessions kept at most, {@code >= 1}
 * @param maxBytes native memory of cached keys and values kept at most, {@code >= 1}
 * @param idleTimeout positive
 */
public record SessionLimits(int maxSessions, long maxBytes, Duration idleTimeout) {

    public SessionLimits {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions must be >= 1, got " + maxSessions);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be >= 1, got " + maxBytes);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, got " + idleTimeout);
        }
    }
}
