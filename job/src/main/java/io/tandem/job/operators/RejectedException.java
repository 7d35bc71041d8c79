package io.tandem.job.operators;

import io.tandem.job.operators.Verdict.Rejected;
import io.tandem.schemas.DeadLetterCode;

/**
 * Raised inside admission when input is refused; it never leaves the admitting function, which
 * turns it into a dead letter. Carries no stack trace: bad input is expected, not a bug.
 */
final class RejectedException extends Exception {

    private final Rejected rejection;

    RejectedException(DeadLetterCode code, String field, String reason, String requestId) {
        super(reason, null, false, false);
        this.rejection = new Rejected(code, field, reason, requestId);
    }

    Rejected rejection() {
        return rejection;
    }
}
