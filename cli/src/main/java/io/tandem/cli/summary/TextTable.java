package io.tandem.cli.summary;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table with a title, a header row and right-aligned columns: how a {@link Summary}
 * shows its tables and figures in the terminal.
 */
final class TextTable {

    private final List<String[]> rows = new ArrayList<>();
    private final String title;

    TextTable(String title, String... header) {
        this.title = title;
        rows.add(header);
    }

    TextTable row(String... cells) {
        rows.add(cells);
        return this;
    }

    void print(PrintStream out) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        out.println(title);
        for (int r = 0; r < rows.size(); r++) {
            StringBuilder line = new StringBuilder(" ");
            for (int c = 0; c < columns; c++) {
                String cell = rows.get(r)[c];
                line.append(' ');
                line.append(c == 0 ? pad(cell, widths[c], false) : pad(cell, widths[c], true));
                line.append(' ');
            }
            out.println(line.toString().stripTrailing());
            if (r == 0) {
                out.println(" " + "-".repeat(line.length() - 1));
            }
        }
        out.println();
    }

    /** A fraction as a percentage with one decimal, e.g. {@code 44.3%}; {@code -} for NaN. */
    static String percent(double fraction) {
        return Double.isNaN(fraction) ? Value.MISSING : String.format("%.1f%%", 100 * fraction);
    }

    private static String pad(String text, int width, boolean right) {
        String fill = " ".repeat(width - text.length());
        return right ? fill + text : text + fill;
    }

    /** A number with three significant digits or so: 1234, 12.3, 1.23, 0.123; {@code -} for NaN. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return Value.MISSING;
        }
        double abs = Math.abs(value);
        if (abs >= 100) {
            return String.format("%.0f", value);
        }
        if (abs >= 10) {
            return String.format("%.1f", value);
        }
        if (abs >= 1) {
            return String.format("%.2f", value);
        }
        return String.format("%.3f", value);
    }
}
