package io.tandem.model.emulated;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Makes a worker thread take a given time per model call without using a core: it parks until the
 * call's deadline. A parked thread wakes a little late (the kernel's timer slack, some tens of
 * microseconds), which against a draft step of about 0.1 ms would be an error of half the step. So
 * lateness is carried over: a call that starts right after the previous one returned (the next step
 * of the same round) owes the previous call's lateness, and over a round the stage takes the
 * profile's time on average rather than the profile's time plus a wake-up per step.
 *
 * <p>Not thread-safe: one clock per worker (a session store's calls are serialised).
 */
final class StageClock {

    /** A call that starts within this of the previous return continues it. */
    static final long BACK_TO_BACK_NANOS = 200_000;

    private final LongSupplier nanoClock;
    private final Parker parker;
    private long lastReturn = Long.MIN_VALUE;
    private long owed;

    /** How a thread waits until a time of {@link #nanoClock}; parks in production. */
    interface Parker {
        void parkUntil(long deadlineNanos, LongSupplier nanoClock);
    }

    StageClock() {
        this(System::nanoTime, StageClock::park);
    }

    StageClock(LongSupplier nanoClock, Parker parker) {
        this.nanoClock = nanoClock;
        this.parker = parker;
    }

    /** Waits out a call of {@code millis} that started at {@code startNanos}. */
    void spend(long startNanos, double millis) {
        long credit = startNanos - lastReturn <= BACK_TO_BACK_NANOS ? owed : 0;
        long deadline = startNanos + Math.round(millis * 1e6) - credit;
        parker.parkUntil(deadline, nanoClock);
        long now = nanoClock.getAsLong();
        owed = Math.max(0, now - deadline);
        lastReturn = now;
    }

    private static void park(long deadlineNanos, LongSupplier nanoClock) {
        for (long left = deadlineNanos - nanoClock.getAsLong();
                left > 0;
                left = deadlineNanos - nanoClock.getAsLong()) {
            LockSupport.parkNanos(left);
        }
    }
}
