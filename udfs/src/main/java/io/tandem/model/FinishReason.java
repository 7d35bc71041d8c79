package io.tandem.model;

/** Why a {@link Generation} stopped. */
public enum FinishReason {
    /** The model produced its end-of-sequence token (which is not part of the output). */
    EOS,
    /** The request's {@code maxNewTokens} were produced. */
    LENGTH
}
