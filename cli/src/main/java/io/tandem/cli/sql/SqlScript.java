package io.tandem.cli.sql;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Flink SQL script as {@code ./tandem sql} runs it: its {@code ${name}} variables replaced, and
 * cut into statements at each {@code ;} outside quotes and {@code --} comments.
 */
record SqlScript(List<String> statements) {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");
    private static final Pattern TOPIC = Pattern.compile("'topic'\\s*=\\s*'([^']+)'");

    /**
     * Parses {@code text} with {@code variables} replaced.
     *
     * @throws IllegalArgumentException naming a variable the script uses that is not given
     */
    static SqlScript parse(String text, Map<String, String> variables) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder replaced = new StringBuilder();
        while (m.find()) {
            String value = variables.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException(
                        "the script uses ${"
                                + m.group(1)
                                + "}; the variables are "
                                + variables.keySet());
            }
            m.appendReplacement(replaced, Matcher.quoteReplacement(value));
        }
        m.appendTail(replaced);
        return new SqlScript(split(replaced.toString()));
    }

    /** The Kafka topics the script's tables name ({@code 'topic' = '...'}), in order. */
    Set<String> topics() {
        Set<String> topics = new LinkedHashSet<>();
        for (String statement : statements) {
            Matcher m = TOPIC.matcher(statement);
            while (m.find()) {
                topics.add(m.group(1));
            }
        }
        return topics;
    }

    private static List<String> split(String text) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!quoted && c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
                int end = text.indexOf('\n', i);
                i = end < 0 ? text.length() : end;
                current.append('\n');
                continue;
            }
            if (c == '\'') {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                add(statements, current);
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        add(statements, current);
        return statements;
    }

    private static void add(List<String> statements, StringBuilder statement) {
        String trimmed = statement.toString().strip();
        if (!trimmed.isEmpty()) {
            statements.add(trimmed);
        }
    }
}
