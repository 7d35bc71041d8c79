package io.tandem.model.emulated;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StageClockTest {

    /** A clock that wakes every park {@code late} nanoseconds after its deadline. */
    private static final class LateWaker {
        long now;
        final long late;
        final List<Long> deadlines = new ArrayList<>();

        LateWaker(long late) {
            this.late = late;
        }

        StageClock clock() {
            return new StageClock(
                    () -> now,
                    (deadline, clock) -> {
                        deadlines.add(deadline);
                        now = Math.max(now, deadline + late);
                    });
        }
    }

    @Test
    void backToBackCallsTakeTheirTotalTimeDespiteLateWakeUps() {
        LateWaker waker = new LateWaker(60_000);
        StageClock clock = waker.clock();
        long start = waker.now;
        for (int step = 0; step < 4; step++) {
            clock.spend(waker.now, 0.1);
        }
        // four steps of 0.1 ms: late by one wake-up in all, not by four
        assertThat(waker.now - start).isEqualTo(400_000 + 60_000);
    }

    @Test
    void aCallAfterAPauseOwesNothing() {
        LateWaker waker = new LateWaker(60_000);
        StageClock clock = waker.clock();
        clock.spend(waker.now, 1.0);
        waker.now += StageClock.BACK_TO_BACK_NANOS + 1;
        long start = waker.now;
        clock.spend(start, 1.0);
        assertThat(waker.deadlines.get(1)).isEqualTo(start + 1_000_000);
    }

    @Test
    void parksForRealWithoutReturningEarly() {
        StageClock clock = new StageClock();
        long start = System.nanoTime();
        clock.spend(start, 5);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(5_000_000);
    }
}
