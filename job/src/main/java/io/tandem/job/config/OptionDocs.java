package io.tandem.job.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.util.TimeUtils;

/**
 * The configuration reference, generated from {@link TandemOptions}: printed by {@code ./tandem
 * config} and quoted in the README.
 */
public final class OptionDocs {

    private OptionDocs() {}

    /** Every option, in declaration order. */
    public static List<ConfigOption<?>> all() {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field field : TandemOptions.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == ConfigOption.class) {
                try {
                    options.add((ConfigOption<?>) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return options;
    }

    /** The default as a user would write it in a config file. */
    public static String defaultText(ConfigOption<?> option) {
        if (!option.hasDefaultValue()) {
            return "-";
        }
        Object value = option.defaultValue();
        return value instanceof Duration d
                ? TimeUtils.formatWithHighestUnit(d)
                : String.valueOf(value);
    }

    /** The option's description as plain text. */
    public static String description(ConfigOption<?> option) {
        return new HtmlFormatter().format(option.description());
    }

    /** One Markdown table row: key, default, description. */
    public static String markdownRow(ConfigOption<?> option) {
        return "| `"
                + option.key()
                + "` | `"
                + defaultText(option)
                + "` | "
                + description(option)
                + " |";
    }

    /** The whole reference as a Markdown table. */
    public static String markdownTable() {
        StringBuilder table = new StringBuilder("| Key | Default | Meaning |\n|---|---|---|\n");
        for (ConfigOption<?> option : all()) {
            table.append(markdownRow(option)).append('\n');
        }
        return table.toString();
    }
}
