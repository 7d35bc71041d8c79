package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.schemas.InferenceRequest;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplayRequestsTest {

    private final PromptSynthesizer prompts =
            new PromptSynthesizer("Mr. Darcy walked off. ".repeat(40), 512);

    @Test
    void schedulesAtTheRecordedArrivalScaledBySpeedup() {
        ReplayRequests replay = new ReplayRequests("azure", prompts, 20);

        assertThat(replay.dueNanos(request(3, 4_000, null))).isEqualTo(200_000_000L);
        assertThat(replay.dueNanos(request(4, 0, null))).isZero();
    }

    @Test
    void makesAValidRequestThatRemembersItsTraceLine() {
        ReplayRequests replay = new ReplayRequests("mooncake", prompts, 1);
        Instant now = Instant.ofEpochMilli(1_700_000_000_000L);

        InferenceRequest synthesized = replay.toRequest(request(7, 1_500, null), now);
        InferenceRequest own = replay.toRequest(request(8, 1_600, "Emma said"), now);

        assertThat(synthesized.getRequestId()).isEqualTo("mooncake-7");
        assertThat(synthesized.getPrompt()).hasSize(40);
        assertThat(synthesized.getMaxNewTokens()).isEqualTo(16);
        assertThat(synthesized.getClientSendTime()).isEqualTo(now);
        assertThat(synthesized.getTrace().getContextTokens()).isEqualTo(40);
        assertThat(synthesized.getTrace().getOriginalTimestamp())
                .isEqualTo(Instant.ofEpochMilli(1_500));
        assertThat(own.getPrompt()).isEqualTo("Emma said");
        assertThat(own.getTenantId()).isEqualTo("default");
        assertThat(own.getSampling().getTemperature()).isZero();
    }

    @Test
    void refusesANonPositiveSpeedup() {
        assertThatThrownBy(() -> new ReplayRequests("t", prompts, 0))
                .hasMessageContaining("speedup");
    }

    private static TraceRequest request(long line, long arrivalMs, String prompt) {
        return new TraceRequest(line, arrivalMs, 40, 16, prompt, 0, 1, null, null);
    }
}
