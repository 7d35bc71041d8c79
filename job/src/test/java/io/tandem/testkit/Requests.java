package io.tandem.testkit;

import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import java.time.Instant;

/** Request fixtures for tests. */
public final class Requests {

    private Requests() {}

    public static final Sampling GREEDY = new Sampling(0f, 1f, null);

    /** A valid greedy request sent now. */
    public static InferenceRequest greedy(String id, String prompt, int maxNewTokens) {
        return builder(id, prompt, maxNewTokens).build();
    }

    /** A valid request's builder, for tests that break one field. */
    public static InferenceRequest.Builder builder(String id, String prompt, int maxNewTokens) {
        return InferenceRequest.newBuilder()
                .setRequestId(id)
                .setTenantId("test")
                .setPrompt(prompt)
                .setMaxNewTokens(maxNewTokens)
                .setSampling(GREEDY)
                .setClientSendTime(Instant.now());
    }
}
