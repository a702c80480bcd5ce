package io.berth.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Columns as the docker CLI's tabwriter lays them out: width of the widest cell plus 3, at least 10. */
public final class Table {

    private final List<String[]> rows = new ArrayList<>();

    public Table(String... header) {
        rows.add(header);
    }

    public Table row(String... cells) {
        rows.add(cells);
        return this;
    }

    public void print(PrintStream out) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int c = 0; c < columns - 1; c++) {
                width[c] = Math.max(width[c], Math.max(10, r[c].codePointCount(0, r[c].length()) + 3));
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            for (int c = 0; c < columns; c++) {
                b.append(r[c]);
                if (c < columns - 1) {
                    b.append(" ".repeat(width[c] - r[c].codePointCount(0, r[c].length())));
                }
            }
            b.append('\n'); // an empty last cell leaves the padding before it, as tabwriter does

        }
        out.print(b);
        out.flush();
    }
}
