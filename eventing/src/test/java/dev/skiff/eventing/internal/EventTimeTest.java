package dev.skiff.eventing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventTimeTest {
  private static void same(OffsetDateTime t) {
    assertEquals(
        t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), EventTime.format(t), t::toString);
  }

  @Test
  void writesUtcTimesAsTheIsoFormatterDoes() {
    for (long ms : new long[] {0, 1, 10, 100, 999, 1000, 1733415560120L, 253402300799999L}) {
      same(OffsetDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneOffset.UTC));
    }
    var random = new SplittableRandom(13);
    for (int i = 0; i < 10_000; i++) {
      long seconds = random.nextLong(0, 253402300800L); // years 1970 to 9999
      int nanos = random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000);
      same(OffsetDateTime.ofInstant(Instant.ofEpochSecond(seconds, nanos), ZoneOffset.UTC));
      same(
          OffsetDateTime.ofInstant(
              Instant.ofEpochSecond(seconds, nanos / 1_000_000 * 1_000_000), ZoneOffset.UTC));
    }
  }

  @Test
  void leavesOtherOffsetsAndYearsToTheFormatter() {
    same(OffsetDateTime.of(2026, 12, 5, 16, 30, 1, 500_000_000, ZoneOffset.ofHours(2)));
    same(OffsetDateTime.of(10_000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
    same(OffsetDateTime.of(-1, 1, 1, 0, 0, 0, 7, ZoneOffset.UTC));
  }
}
