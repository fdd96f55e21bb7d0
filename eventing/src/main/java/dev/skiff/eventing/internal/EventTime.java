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
    int nano = t.getNano();
    if (nano != 0) {
      int width = 9;
      while (nano % 10 == 0) {
        nano /= 10;
        width--;
      }
      out[n++] = '.';
      n = digits(out, n, nano, width);
    }
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
