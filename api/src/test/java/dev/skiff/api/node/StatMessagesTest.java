package dev.skiff.api.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.stats.InvalidStatException;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatMessagesTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:01.123456789Z");

  @Test
  void statSurvivesTheWireUnchanged() throws Exception {
    Stat s =
        Stat.builder(RevisionKey.of("default", "hello-00001"), "i-1", T)
            .withAverageConcurrency(1.5)
            .withAverageProxiedConcurrency(0.5)
            .withPeakConcurrency(3)
            .withRequestCount(42)
            .withProxiedRequestCount(7)
            .withProcessUptimeSeconds(99.5)
            .build();
    byte[] wire = StatMessages.toMessage(s).toByteArray();
    Stat back = StatMessages.fromMessage(dev.skiff.api.node.v1.Stat.parseFrom(wire));
    assertEquals(s, back);
  }

  @Test
  void statWithoutTimeIsRefused() {
    var m =
        dev.skiff.api.node.v1.Stat.newBuilder()
            .setNamespace("default")
            .setRevision("hello-00001")
            .setInstance("i-1")
            .build();
    InvalidStatException e =
        assertThrows(InvalidStatException.class, () -> StatMessages.fromMessage(m));
    assertTrue(e.getMessage().contains("time"), e.getMessage());
  }

  @Test
  void negativeCountIsRefusedNamingTheField() {
    var m =
        StatMessages.toMessage(Stat.of(RevisionKey.of("default", "hello-00001"), "i-1", T, 1, 1))
            .toBuilder()
            .setRequestCount(-1)
            .build();
    InvalidStatException e =
        assertThrows(InvalidStatException.class, () -> StatMessages.fromMessage(m));
    assertTrue(e.getMessage().contains("requestCount"), e.getMessage());
  }

  @Test
  void statWithoutRevisionIsRefused() {
    var m =
        StatMessages.toMessage(Stat.of(RevisionKey.of("default", "hello-00001"), "i-1", T, 1, 1))
            .toBuilder()
            .clearRevision()
            .build();
    assertThrows(InvalidStatException.class, () -> StatMessages.fromMessage(m));
  }
}
