package io.tandem.cli.bench;

import java.util.concurrent.locks.LockSupport;

/** Sends on an absolute clock, so that a late send never delays the ones after it. */
final class SendSchedule {

    private SendSchedule() {}

    /** Parks until {@code atMillis} after {@code startNanos} ({@link System#nanoTime()}). */
    static void awaitDue(long startNanos, double atMillis) {
        long due = startNanos + (long) (atMillis * 1e6);
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
    }
}
