package dev.skiff.cli.internal;

import java.util.ArrayList;
import java.util.List;

/** Text in aligned columns, like kubectl's: headers in capitals, three spaces between columns. */
public final class Table {
  private static final String GAP = "   ";

  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  public Table(String... headers) {
    this.columns = headers.length;
    rows.add(headers.clone());
  }

  /**
   * Adds a row; null or empty cells print as {@code -} so every column stays visible, control
   * characters as escapes ({@link TerminalText#line}).
   */
  public Table row(Object... cells) {
    if (cells.length != columns) {
      throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
    }
    String[] r = new String[columns];
    for (int i = 0; i < columns; i++) {
      String s = cells[i] == null ? "" : cells[i].toString();
      r[i] = s.isEmpty() ? "-" : TerminalText.line(s);
    }
    rows.add(r);
    return this;
  }

  public boolean isEmpty() {
    return rows.size() == 1;
  }

  /** The table, one line per row, each ending with a newline; the last column is not padded. */
  public String render() {
    int[] width = new int[columns];
    for (String[] r : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(r[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(width[i] - r[i].length())).append(GAP);
        }
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }
}
