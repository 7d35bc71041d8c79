package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogThrottleTest {

    @Test
    void letsOneLineThroughPerIntervalAndCountsTheRest() {
        LogThrottle throttle = new LogThrottle(1000);

        assertThat(throttle.quietSince(5_000)).isZero();
        assertThat(throttle.quietSince(5_001)).isEqualTo(-1);
        assertThat(throttle.quietSince(5_999)).isEqualTo(-1);
        assertThat(throttle.quietSince(6_000)).isEqualTo(2);
        assertThat(throttle.quietSince(9_000)).isZero();
    }
}
