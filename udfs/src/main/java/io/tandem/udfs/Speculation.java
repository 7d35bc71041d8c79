package io.tandem.udfs;

/**
 * What a request asked of speculation ({@code InferenceRequest.speculation}): {@code auto} (the
 * default: the loop head chooses each round's length), {@code off} (plain decoding) or a fixed
 * length drafted every round.
 *
 * @param fixed the length asked for, or -1 for {@code auto}
 */
public record Speculation(int fixed) {

    /** The longest fixed length a request may ask for: the draft positions the head tracks. */
    public static final int MAX_FIXED = 8;

    public static final Speculation AUTO = new Speculation(-1);

    public static final Speculation OFF = new Speculation(0);

    public Speculation {
        if (fixed < -1 || fixed > MAX_FIXED) {
            throw new IllegalArgumentException(
                    "a fixed speculation length is 0-" + MAX_FIXED + ", got " + fixed);
        }
    }

    /**
     * The setting {@code text} names: {@code null}, empty or {@code auto}, {@code off}, or a length
     * {@code 1}-{@value #MAX_FIXED}.
     *
     * @throws IllegalArgumentException with a message a client can act on, for anything else
     */
    public static Speculation parse(String text) {
        if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("auto")) {
            return AUTO;
        }
        String value = text.trim();
        if (value.equalsIgnoreCase("off")) {
            return OFF;
        }
        try {
            int length = Integer.parseInt(value);
            if (length >= 1 && length <= MAX_FIXED) {
                return new Speculation(length);
            }
        } catch (NumberFormatException e) {
            // the message below says what is accepted
        }
        throw new IllegalArgumentException(
                "speculation must be auto, off or a length from 1 to "
                        + MAX_FIXED
                        + ", got '"
                        + text
                        + "'");
    }

    /** Whether the loop head chooses the length. */
    public boolean auto() {
        return fixed < 0;
    }

    /** This request's length in a round whose batch drafts {@code batchLength}. */
    public int lengthIn(int batchLength) {
        return auto() ? batchLength : fixed;
    }
}
