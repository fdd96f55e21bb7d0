package dev.skiff.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void alignsColumnsAndLeavesTheLastOneUnpadded() {
    String t =
        new Table("NAME", "READY", "URL")
            .row("hello", "True", "http://x")
            .row("a", null, "")
            .render();
    assertEquals(
        """
        NAME    READY   URL
        hello   True    http://x
        a       -       -
        """,
        t);
  }

  @Test
  void headersOnlyIsEmpty() {
    assertTrue(new Table("A").isEmpty());
  }

  @Test
  void rowsMustMatchTheHeaders() {
    assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("only one"));
  }

  @Test
  void agesUseTheLargestWholeUnit() {
    Instant now = Instant.parse("2025-01-10T00:00:00Z");
    assertEquals("42s", Ages.since(now.minusSeconds(42), now));
    assertEquals("5m", Ages.since(now.minus(Duration.ofSeconds(5 * 60 + 59)), now));
    assertEquals("3h", Ages.since(now.minus(Duration.ofHours(3)), now));
    assertEquals("2d", Ages.since(now.minus(Duration.ofDays(2)), now));
    assertEquals("0s", Ages.since(now.plusSeconds(5), now));
    assertEquals("-", Ages.since(null, now));
  }
}
