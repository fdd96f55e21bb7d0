package dev.skiff.cli.internal;

/**
 * Makes text from the control plane or a function safe to print to a terminal: control characters
 * (C0, DEL, C1, and so ESC, which starts the sequences that move the cursor, retitle the window or
 * rewrite the screen) and the bidirectional overrides that reorder what a reader sees become
 * visible escapes ({@code \x1b}, {@code \r}, {@code \u202e}). Tab is kept. JSON and YAML output do
 * not pass through here: Jackson escapes what their syntax needs, and they stay faithful.
 */
public final class TerminalText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private TerminalText() {}

  /** {@code s} as one line: a newline in it is escaped too. Null stays null. */
  public static String line(String s) {
    return escape(s, false);
  }

  /** {@code s} as lines: newlines are kept. Null stays null. */
  public static String text(String s) {
    return escape(s, true);
  }

  private static String escape(String s, boolean keepNewlines) {
    if (s == null) {
      return null;
    }
    int i = 0;
    while (i < s.length() && !unsafe(s.charAt(i), keepNewlines)) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!unsafe(c, keepNewlines)) {
        b.append(c);
      } else if (c == '\n') {
        b.append("\\n");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c < 0x100) {
        b.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      } else {
        b.append("\\u")
            .append(HEX[c >> 12])
            .append(HEX[(c >> 8) & 0xf])
            .append(HEX[(c >> 4) & 0xf])
            .append(HEX[c & 0xf]);
      }
    }
    return b.toString();
  }

  private static boolean unsafe(char c, boolean keepNewlines) {
    if (c == '\t' || (keepNewlines && c == '\n')) {
      return false;
    }
    return c < 0x20 // C0, ESC among them
        || (c >= 0x7f && c <= 0x9f) // DEL and C1 (CSI, OSC...)
        || c == 0x061c // Arabic letter mark
        || c == 0x200e
        || c == 0x200f // left-to-right and right-to-left marks
        || (c >= 0x202a && c <= 0x202e) // embeddings and overrides
        || (c >= 0x2066 && c <= 0x2069); // isolates
  }
}
