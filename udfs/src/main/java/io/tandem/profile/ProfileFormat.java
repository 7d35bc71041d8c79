package io.tandem.profile;

/**
 * The JSON of a measured model pair, as {@code ./tandem bench models --json} writes it and {@link
 * MeasuredPair} reads it: its keys, and the grid the measurements were taken on, which the reader
 * needs to turn each measurement into a step-time sample. One class for both sides, so the writer
 * and the reader cannot drift apart.
 *
 * <p>The second format, a stage profile ({@link #STAGE_PROFILE}), lists measured pass shapes
 * explicitly, as rows of {@code [batch, new, context, ms]} and prefills as {@code [batch, prompt,
 * ms]}: the form of the GPU profiles under {@code profiles/}, which no fixed grid describes.
 */
public final class ProfileFormat {

    public static final String DRAFT = "draft";
    public static final String TARGET = "target";
    public static final String SUMMARY = "summary";

    /** In {@link #SUMMARY}: the acceptance rate measured at γ = 4. */
    public static final String ALPHA_GAMMA4 = "alpha_gamma4";

    // in each model's object
    public static final String NAME = "name";
    public static final String CONTEXT_LENGTH = "context_length";
    public static final String DECODE_BY_BATCH = "decode_ms_by_batch";
    public static final String DECODE_BY_CONTEXT = "decode_ms_by_context";
    public static final String PREFILL_BY_PROMPT = "prefill_ms_by_prompt";
    public static final String VERIFY_BY_TOKENS = "verify_ms_by_tokens";

    /** The context that batch and verify measurements start from. */
    public static final int BATCH_CONTEXT = 64;

    /** Decode steps timed per batch size, from {@link #BATCH_CONTEXT} on. */
    public static final int BATCH_STEPS = 32;

    /** Decode steps timed per context length, ending at that length. */
    public static final int CONTEXT_STEPS = 16;

    /** The value of {@link #FORMAT} that marks a stage profile. */
    public static final String STAGE_PROFILE = "tandem-stage-profile";

    // at the root of a stage profile
    public static final String FORMAT = "format";
    public static final String ACCEPTANCE = "acceptance";
    public static final String ALPHA = "alpha";

    // in each model's object of a stage profile
    public static final String PASSES = "passes";
    public static final String PREFILLS = "prefills";
    public static final String ROWS = "rows";

    private ProfileFormat() {}

    /** The key of one batch size in {@link #VERIFY_BY_TOKENS}, e.g. {@code b4}. */
    public static String verifyBatchKey(int batch) {
        return "b" + batch;
    }
}
