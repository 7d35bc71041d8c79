package io.tandem.cli.summary;

/**
 * A column of a {@link Table}: its key in each JSON row and its header in the terminal. A column
 * may be only one of the two, for what one rendering has no room or no use for.
 *
 * @param key the JSON key; null for a column the JSON leaves out
 * @param header the terminal header; null for a column the terminal leaves out
 */
public record Column(String key, String header) {

    public Column {
        if (key == null && header == null) {
            throw new IllegalArgumentException("a column needs a JSON key, a header or both");
        }
    }

    public static Column of(String key, String header) {
        return new Column(key, header);
    }

    /** A column only the JSON has. */
    public static Column json(String key) {
        return new Column(key, null);
    }

    /** A column only the terminal shows. */
    public static Column shown(String header) {
        return new Column(null, header);
    }
}
