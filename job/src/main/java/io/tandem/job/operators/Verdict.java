package io.tandem.job.operators;

import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;

/** The outcome of admitting one input record: a request to serve, or a reason to refuse it. */
public sealed interface Verdict permits Verdict.Accepted, Verdict.Rejected {

    /** A valid request and its tokenized prompt. */
    record Accepted(InferenceRequest request, int[] promptTokens) implements Verdict {}

    /**
     * A refusal a person can act on.
     *
     * @param field the offending field, or null when the record as a whole is at fault
     * @param requestId the request id if the record could be decoded, else null
     */
    record Rejected(DeadLetterCode code, String field, String reason, String requestId)
            implements Verdict {}
}
