package io.tandem.cli.summary;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;

/**
 * One figure as both renderings show it: its JSON value and its text in the terminal. A figure that
 * was not measured (NaN) has no JSON value, so the JSON leaves it out rather than writing NaN, and
 * the terminal shows {@code -}.
 *
 * @param json the JSON value; null to leave the figure out of the JSON
 * @param text what the terminal shows
 */
public record Value(JsonElement json, String text) {

    /** What a terminal shows for a figure that was not measured. */
    static final String MISSING = "-";

    /**
     * A cell or figure as given: a Value as it is, a double as {@link #number(double)}, any other
     * number, boolean or string as itself, a JSON element with its JSON text.
     */
    public static Value of(Object value) {
        if (value instanceof Value v) {
            return v;
        }
        if (value instanceof Double d) {
            return number(d);
        }
        if (value instanceof Number n) {
            return new Value(new JsonPrimitive(n), String.valueOf(n));
        }
        if (value instanceof Boolean b) {
            return new Value(new JsonPrimitive(b), String.valueOf(b));
        }
        if (value instanceof JsonElement json) {
            return new Value(json, json.toString());
        }
        if (value == null) {
            return new Value(null, MISSING);
        }
        return new Value(new JsonPrimitive(value.toString()), value.toString());
    }

    /** A measurement, shown with three significant digits or so: 1234, 12.3, 1.23, 0.123. */
    public static Value number(double value) {
        return measured(value, TextTable.number(value));
    }

    /** A measurement, shown with {@code format}, e.g. {@code %.3f}. */
    public static Value number(double value, String format) {
        return measured(value, Double.isNaN(value) ? MISSING : String.format(format, value));
    }

    /** A fraction, shown as a percentage with one decimal, e.g. {@code 44.3%}. */
    public static Value percent(double fraction) {
        return measured(fraction, TextTable.percent(fraction));
    }

    /**
     * A yes or no; a no shows {@code why} beside it in the terminal, e.g. {@code false (3 differ)}.
     */
    public static Value flag(boolean yes, String why) {
        return new Value(new JsonPrimitive(yes), yes ? "true" : "false (" + why + ")");
    }

    /** A measurement with the text the terminal shows for it. */
    public static Value measured(double value, String text) {
        return new Value(Double.isFinite(value) ? new JsonPrimitive(value) : null, text);
    }
}
