package dev.skiff.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceParentTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  @Test
  void keepsTheTraceAndFlagsWithANewParentForTheHop() {
    TraceParent tp = TraceParent.nextHop("00-" + TRACE + "-00f067aa0ba902b7-00");

    assertEquals(TRACE, tp.traceId());
    assertEquals("00", tp.flags());
    assertNotEquals("00f067aa0ba902b7", tp.parentId());
    assertFalse(tp.restarted());
    assertTrue(tp.header().matches("00-" + TRACE + "-[0-9a-f]{16}-00"));
  }

  @Test
  void acceptsAFutureVersionWithExtraFields() {
    TraceParent tp = TraceParent.nextHop("01-" + TRACE + "-00f067aa0ba902b7-01-whatever");

    assertEquals(TRACE, tp.traceId());
    assertTrue(tp.header().startsWith("00-"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "garbage",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"
      })
  void startsANewSampledTraceWhenTheHeaderIsInvalid(String header) {
    TraceParent tp = TraceParent.nextHop(header);

    assertTrue(tp.restarted());
    assertTrue(tp.header().matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), tp.header());
    assertNotEquals(TRACE, tp.traceId());
  }
}
