package io.tandem.udfs;

/** How the job generates: the {@code tandem.mode} setting. */
public enum ServingMode {
    /** Speculative decoding; the planner splits each window into batches and chooses their l. */
    SD("sd"),
    /** Speculative decoding, one batch per window, the configured speculation length. */
    SD_FIXED("sd-fixed"),
    /** The target model alone. */
    AD("ad");

    private final String label;

    ServingMode(String label) {
        this.label = label;
    }

    /** The name in configuration and in results, e.g. {@code sd-fixed}. */
    public String label() {
        return label;
    }

    public boolean speculative() {
        return this != AD;
    }

    /** The mode called {@code label}, or null. */
    public static ServingMode of(String label) {
        for (ServingMode mode : values()) {
            if (mode.label.equals(label.trim())) {
                return mode;
            }
        }
        return null;
    }
}
