package io.tandem.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.job.config.JobConfig.Limits;
import io.tandem.job.operators.Verdict.Accepted;
import io.tandem.job.operators.Verdict.Rejected;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import io.tandem.testkit.Requests;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

    private static final int CONTEXT = 64;
    private static final Limits LIMITS = new Limits(40, 32, 1 << 16, 2.0f);

    /** One token per UTF-8 byte, like the bundled byte-level models. */
    private final RequestValidator validator =
            new RequestValidator(LIMITS, CONTEXT, RequestValidatorTest::bytes);

    @Test
    void acceptsAValidRequestWithItsPromptTokens() {
        Verdict verdict = validator.check(Requests.greedy("r1", "Hello", 8));

        assertThat(verdict).isInstanceOf(Accepted.class);
        assertThat(((Accepted) verdict).promptTokens()).containsExactly(bytes("Hello"));
    }

    @Test
    void rejectsADeadlineThatIsNotAPositiveNumberOfMilliseconds() {
        InferenceRequest request = Requests.greedy("r1", "Hello", 8);
        request.setDeadlineMs(0);
        Rejected rejected = assertRejected(request, DeadLetterCode.BAD_PARAMETER, "deadlineMs");
        assertThat(rejected.reason()).contains("deadlineMs is 0");

        request.setDeadlineMs(250);
        assertThat(validator.check(request)).isInstanceOf(Accepted.class);
    }

    @Test
    void acceptsAutoOffOrAFixedSpeculationLengthAndRejectsAnythingElse() {
        for (String ok : new String[] {"auto", "off", "1", "8", "AUTO", " 3 "}) {
            InferenceRequest request = Requests.greedy("r1", "Hello", 8);
            request.setSpeculation(ok);
            assertThat(validator.check(request)).as(ok).isInstanceOf(Accepted.class);
        }
        for (String bad : new String[] {"9", "0", "-1", "fast", "2.5"}) {
            InferenceRequest request = Requests.greedy("r1", "Hello", 8);
            request.setSpeculation(bad);
            Rejected rejected =
                    assertRejected(request, DeadLetterCode.BAD_PARAMETER, "speculation");
            assertThat(rejected.reason()).contains("auto, off or a length from 1 to 8");
        }
    }

    @Test
    void rejectsAnEmptyPrompt() {
        assertRejected(Requests.greedy("r1", "", 8), DeadLetterCode.PROMPT_EMPTY, "prompt");
    }

    @Test
    void rejectsAMissingRequestId() {
        assertRejected(Requests.greedy(" ", "Hello", 8), DeadLetterCode.MISSING_FIELD, "requestId");
    }

    @Test
    void rejectsAPromptOverTheConfiguredLimit() {
        Rejected rejected =
                assertRejected(
                        Requests.greedy("r1", "x".repeat(41), 8),
                        DeadLetterCode.PROMPT_TOO_LONG,
                        "prompt");
        assertThat(rejected.reason()).contains("41 tokens").contains("at most 40");
    }

    @Test
    void promptLimitIsCappedByTheModelContext() {
        RequestValidator wide =
                new RequestValidator(
                        new Limits(1000, 32, 1 << 16, 2f), CONTEXT, RequestValidatorTest::bytes);
        Verdict verdict = wide.check(Requests.greedy("r1", "x".repeat(CONTEXT), 1));
        assertThat(verdict).isInstanceOf(Rejected.class);
        assertThat(((Rejected) verdict).code()).isEqualTo(DeadLetterCode.PROMPT_TOO_LONG);
    }

    @Test
    void rejectsMaxNewTokensOutOfRange() {
        assertRejected(
                Requests.greedy("r1", "Hi", 0), DeadLetterCode.BAD_PARAMETER, "maxNewTokens");
        assertRejected(
                Requests.greedy("r1", "Hi", 33), DeadLetterCode.BAD_PARAMETER, "maxNewTokens");
    }

    @Test
    void rejectsPromptPlusOutputBeyondTheContextAndSaysHowMuchFits() {
        Rejected rejected =
                assertRejected(
                        Requests.greedy("r1", "x".repeat(40), 30),
                        DeadLetterCode.BAD_PARAMETER,
                        "maxNewTokens");
        assertThat(rejected.reason()).contains("at most 24");
    }

    @Test
    void acceptsPromptPlusOutputFillingTheContextExactly() {
        assertThat(validator.check(Requests.greedy("r1", "x".repeat(40), 24)))
                .isInstanceOf(Accepted.class);
    }

    @Test
    void rejectsBadSamplingValues() {
        assertRejected(
                withSampling(-0.1f, 1f), DeadLetterCode.BAD_PARAMETER, "sampling.temperature");
        assertRejected(
                withSampling(2.5f, 1f), DeadLetterCode.BAD_PARAMETER, "sampling.temperature");
        assertRejected(
                withSampling(Float.NaN, 1f), DeadLetterCode.BAD_PARAMETER, "sampling.temperature");
        assertRejected(withSampling(0.7f, 0f), DeadLetterCode.BAD_PARAMETER, "sampling.topP");
        assertRejected(withSampling(0.7f, 1.01f), DeadLetterCode.BAD_PARAMETER, "sampling.topP");
    }

    @Test
    void rejectionsCarryTheRequestIdWhenThereIsOne() {
        Rejected rejected =
                assertRejected(
                        Requests.greedy("r-42", "", 8), DeadLetterCode.PROMPT_EMPTY, "prompt");
        assertThat(rejected.requestId()).isEqualTo("r-42");
    }

    private static InferenceRequest withSampling(float temperature, float topP) {
        return Requests.builder("r1", "Hi", 4)
                .setSampling(new Sampling(temperature, topP, 1L))
                .build();
    }

    private Rejected assertRejected(InferenceRequest request, DeadLetterCode code, String field) {
        Verdict verdict = validator.check(request);
        assertThat(verdict).isInstanceOf(Rejected.class);
        Rejected rejected = (Rejected) verdict;
        assertThat(rejected.code()).isEqualTo(code);
        assertThat(rejected.field()).isEqualTo(field);
        assertThat(rejected.reason()).isNotBlank();
        return rejected;
    }

    private static int[] bytes(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            ids[i] = utf8[i] & 0xff;
        }
        return ids;
    }
}
