package dev.skiff.eventing.internal;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * An event's {@code time} as text, exactly as {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} writes
 * it (RFC 3339): the fraction without trailing zeros, {@code Z} for UTC. Every plain record's time
 * is UTC with a four-digit year, written here by hand since the formatter was a visible share of
 * the CPU per event; any other offset or year goes to the formatter.
 */
final class EventTime {
  private EventTime() {}

  static String format(OffsetDateTime t) {
    int year = t.getYear();
    if (t.getOffset().getTotalSeconds() != 0 || year < 0 || year > 9999) {
      return t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
    char[] out = new char[30];
    int n = 0;
    n = digits(out, n, year, 4);
    out[n++] = '-';
    n = digits(out, n, t.getMonthValue(), 2);
    out[n++] = '-';
    n = digits(out, n, t.getDayOfMonth(), 2);
    out[n++] = 'T';
    n = digits(out, n, t.getHour(), 2);
    out[n++] = ':';
    n = digits(out, n, t.getMinute(), 2);
    out[n++] = ':';
    n = digits(out, n, t.getSecond(), 2);
    // The fraction without trailing zeros, and none at all for a whole second, with one exit
    // from one loop whatever the value: a branch only a rare value takes (a record stamped on a
    // whole second) would send the compiled delivery path back to the interpreter when it came.
    int x = t.getNano() + 1_000_000_000; // never zero; the same trailing zeros, 9 for none
    int width = 9;
    while (x % 10 == 0) {
      x /= 10;
      width--;
    }
    n = digits(out, n, x, width + 1); // a leading 1, then the fraction's digits
    out[n - width - 1] = '.'; // the 1 becomes the point ...
    n -= (width - 1) >>> 31; // ... and goes when no digit follows it
    out[n++] = 'Z';
    return new String(out, 0, n);
  }

  /** Writes {@code value} as {@code width} decimal digits, zero-padded on the left. */
  private static int digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
    return at + width;
  }
}
