package io.tandem.model;

/**
 * A snapshot of a {@link SessionStore}'s state and counters since it opened. Immutable.
 *
 * @param sessions sessions held now
 * @param batches shared batch caches held now
 * @param bytes native memory of their keys and values
 * @param opened sessions created for requests seen for the first time (or after eviction)
 * @param rebuilt of those, sessions of requests that had committed generated tokens: a lost cache
 *     rebuilt by prefill, plus sessions whose committed tokens disagreed with the caller's
 * @param evicted sessions evicted for idleness or a size bound (not counting {@code finish})
 * @param regroups forward calls whose batch composition differed from every cached batch, so rows
 *     were copied between caches
 * @param compactions hole squeezes of a batch cache
 */
public record SessionStats(
        int sessions,
        int batches,
        long bytes,
        long opened,
        long rebuilt,
        long evicted,
        long regroups,
        long compactions) {}
