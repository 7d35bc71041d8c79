package io.tandem.model.internal;

/**
 * One sequence's place in the session pool: which shared batch cache holds its keys and values, at
 * which row, how much of it the caller last called final, and when it was last used. Mutable;
 * guarded by the pool's lock.
 */
final class Session {

    final String requestId;
    SessionBatch batch;
    int row;
    int committed; // tokens the caller declared final in the last call
    long lastUsedNanos;

    Session(String requestId) {
        this.requestId = requestId;
    }
}
