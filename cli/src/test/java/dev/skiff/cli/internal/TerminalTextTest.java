package dev.skiff.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
  @Test
  void escapeSequencesBellAndDeleteBecomeVisible() {
    assertEquals(
        "\\x1b[2J\\x1b]0;title\\x07 \\x7f\\x00",
        TerminalText.line("\u001b[2J\u001b]0;title\u0007 \u007f\u0000"));
  }

  @Test
  void c1ControlsAndBidiOverridesBecomeVisible() {
    assertEquals("\\x9b31m \\x85", TerminalText.line("\u009b31m \u0085"));
    assertEquals(
        "\\u202egnp.exe \\u2066x\\u2069 \\u200f",
        TerminalText.line("\u202egnp.exe \u2066x\u2069 \u200f"));
  }

  @Test
  void aLineEscapesNewlinesAndCarriageReturnsButKeepsTabs() {
    assertEquals("a\\nb\\rc\td", TerminalText.line("a\nb\rc\td"));
  }

  @Test
  void textKeepsNewlinesAndTabsButEscapesCarriageReturns() {
    assertEquals("a\nb\\rc\td", TerminalText.text("a\nb\rc\td"));
  }

  @Test
  void plainTextIsReturnedAsIs() {
    String s = "héllo wörld, 世界 \\x1b stays as typed";
    assertSame(s, TerminalText.line(s));
    assertNull(TerminalText.line(null));
  }
}
