package io.tandem.udfs;

/**
 * Lets one log line through per interval of processing time, and says how many it held back, so a
 * flood of one kind of event costs a line a second, not a line an event. Not thread-safe: one per
 * subtask.
 */
public final class LogThrottle {

    private final long intervalMillis;
    private long lastMillis = Long.MIN_VALUE;
    private long held;

    public LogThrottle(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    /**
     * For an event at {@code nowMillis}: -1 to hold its line back, else the number of lines held
     * back since the last one let through (0 for none).
     */
    public long quietSince(long nowMillis) {
        if (lastMillis != Long.MIN_VALUE && nowMillis - lastMillis < intervalMillis) {
            held++;
            return -1;
        }
        lastMillis = nowMillis;
        long count = held;
        held = 0;
        return count;
    }

    /** What a line let through adds about the {@code held} lines before it: "" for none. */
    public static String heldBack(long held) {
        return held == 0 ? "" : " (" + held + " more since the last such line)";
    }
}
