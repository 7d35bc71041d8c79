package io.tandem.sql;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/** The columns a Tandem model can fill, by name, each of one SQL type. */
enum OutputColumn {
    /** The generated text. */
    COMPLETION(LogicalTypeRoot.VARCHAR, "STRING"),
    /** {@code EOS} (the model ended it) or {@code LENGTH} (max-new-tokens reached). */
    FINISH_REASON(LogicalTypeRoot.VARCHAR, "STRING"),
    /** Tokens generated. */
    TOKENS(LogicalTypeRoot.INTEGER, "INT"),
    /** Draft-and-verify rounds the row took (one per token in mode ad). */
    ROUNDS(LogicalTypeRoot.INTEGER, "INT"),
    /** Accepted over drafted tokens; null where nothing was drafted. */
    ACCEPTANCE(LogicalTypeRoot.DOUBLE, "DOUBLE"),
    /** Why the row could not be served; null when it was. */
    ERROR(LogicalTypeRoot.VARCHAR, "STRING");

    private final LogicalTypeRoot type;
    private final String sqlType;

    OutputColumn(LogicalTypeRoot type, String sqlType) {
        this.type = type;
        this.sqlType = sqlType;
    }

    String columnName() {
        return name().toLowerCase(Locale.ROOT);
    }

    LogicalTypeRoot type() {
        return type;
    }

    String sqlType() {
        return sqlType;
    }

    /** The column called {@code name}, or null. */
    static OutputColumn named(String name) {
        for (OutputColumn column : values()) {
            if (column.columnName().equals(name)) {
                return column;
            }
        }
        return null;
    }

    /** Every column as {@code name TYPE}, for messages. */
    static String described() {
        return Arrays.stream(values())
                .map(c -> c.columnName() + " " + c.sqlType())
                .collect(Collectors.joining(", "));
    }
}
