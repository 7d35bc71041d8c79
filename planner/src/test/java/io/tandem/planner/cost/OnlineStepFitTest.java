package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OnlineStepFitTest {

    // a CPU-like profile: 1 ms a pass plus 0.2 ms per token
    private static final StepFit PROFILE = new StepFit(1, 0, 0.2, 0, 0, 0.05);

    @Test
    void withoutCallsItIsTheProfile() {
        OnlineStepFit fit = new OnlineStepFit(PROFILE);

        assertThat(fit.millis(4, 5, 100)).isEqualTo(PROFILE.millis(4, 5, 100));
        assertThat(fit.scale()).isEqualTo(1);
        assertThat(fit.offsetMillis()).isZero();
        assertThat(fit.calls()).isZero();
    }

    @Test
    void learnsTheScaleAndOffsetOfAMachineUnderLoad() {
        OnlineStepFit fit = new OnlineStepFit(PROFILE);
        Random random = new Random(7);
        // twice as slow as profiled, plus 5 ms a call, with 2% noise, in calls of varied shape
        for (int call = 0; call < 400; call++) {
            int batch = 1 + random.nextInt(16);
            int positions = 1 + random.nextInt(9);
            int passes = 1 + random.nextInt(8);
            double millis = 2 * passes * PROFILE.millis(batch, positions, 50) + 5;
            fit.observe(
                    batch,
                    positions,
                    50,
                    passes,
                    0,
                    0,
                    millis * (1 + 0.02 * random.nextGaussian()));
        }

        assertThat(fit.scale()).isCloseTo(2, within(0.1));
        assertThat(fit.offsetMillis()).isCloseTo(5, within(2.0));
        assertThat(fit.callMillis(8, 5, 50, 3))
                .isCloseTo(6 * PROFILE.millis(8, 5, 50) + 5, within(2.0));
        assertThat(fit.calls()).isEqualTo(400);
    }

    @Test
    void followsTheLoadWhenItChanges() {
        OnlineStepFit fit = new OnlineStepFit(PROFILE);
        for (int call = 0; call < 300; call++) {
            fit.observe(
                    1 + call % 8,
                    1 + call % 5,
                    50,
                    1,
                    0,
                    0,
                    3 * PROFILE.millis(1 + call % 8, 1 + call % 5, 50));
        }
        double busy = fit.scale();
        for (int call = 0; call < 300; call++) {
            fit.observe(
                    1 + call % 8,
                    1 + call % 5,
                    50,
                    1,
                    0,
                    0,
                    PROFILE.millis(1 + call % 8, 1 + call % 5, 50));
        }

        assertThat(busy).isCloseTo(3, within(0.2));
        assertThat(fit.scale()).isCloseTo(1, within(0.2));
    }

    @Test
    void aFewCallsMoveItOnlyPartWayFromTheProfile() {
        OnlineStepFit fit = new OnlineStepFit(PROFILE);
        fit.observe(4, 5, 50, 1, 0, 0, 4 * PROFILE.millis(4, 5, 50));

        assertThat(fit.millis(4, 5, 50))
                .isGreaterThan(PROFILE.millis(4, 5, 50))
                .isLessThan(4 * PROFILE.millis(4, 5, 50));
    }

    @Test
    void ignoresCallsThatRanNothing() {
        OnlineStepFit fit = new OnlineStepFit(PROFILE);
        fit.observe(0, 1, 50, 1, 0, 0, 3);
        fit.observe(4, 1, 50, 1, 0, 0, 0);
        fit.observe(4, 1, 50, 1, 1, 0, 3); // a prefill of no tokens

        assertThat(fit.calls()).isZero();
    }

    @Test
    void callsThatGrowFasterThanTheProfileGetAScaleAndNoNegativeOffset() {
        OnlineStepFit fit = new OnlineStepFit(PROFILE);
        // long calls stretched more than short ones: a free line through them has a negative
        // offset and would price calls longer than any measured far above what they cost
        for (int call = 0; call < 400; call++) {
            int passes = 1 + call % 8;
            double profiled = passes * PROFILE.millis(8, 1, 50);
            fit.observe(8, 1, 50, passes, 0, 0, 4 * profiled - 2 * PROFILE.millis(8, 1, 50));
        }

        assertThat(fit.offsetMillis()).isZero();
        assertThat(fit.scale()).isBetween(3.0, 4.0);
        // the free line prices 16 passes at about 62 single passes, the one through 0 at about 58
        assertThat(fit.callMillis(8, 1, 50, 16)).isLessThan(60 * PROFILE.millis(8, 1, 50));
    }
}
