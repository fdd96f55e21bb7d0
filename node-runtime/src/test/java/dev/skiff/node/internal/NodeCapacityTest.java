package dev.skiff.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.Fixtures;
import dev.skiff.node.spi.FileDescriptors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The file-descriptor part of admission: counting a process's open descriptors lists all of them
 * (hundreds of microseconds in a fresh JVM), so it is counted again for each start only near the
 * reserve, and otherwise at most once per second.
 */
class NodeCapacityTest {
  private static final long RESERVE = 1024;

  /** Descriptors whose open count the test sets, counting how often they are counted. */
  private static final class Counted implements FileDescriptors {
    long open;
    int counts;

    Counted(long open) {
      this.open = open;
    }

    @Override
    public long open() {
      counts++;
      return open;
    }

    @Override
    public long max() {
      return 100_000;
    }
  }

  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {
    Instant now = Instant.parse("2026-12-06T20:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private final RevisionInstances hello = new RevisionInstances(Fixtures.revision("hello", 1));
  private final HandClock clock = new HandClock();

  private NodeCapacity capacity(FileDescriptors fds) {
    return new NodeCapacity(
        new NodeCapacity.Limits(100, 1000, 1L << 40, RESERVE), fds, () -> List.of(hello), clock);
  }

  @Test
  void startsFarFromTheReserveCountTheOpenDescriptorsOncePerSecond() {
    Counted fds = new Counted(300);
    NodeCapacity capacity = capacity(fds);
    for (int i = 0; i < 10; i++) {
      assertNull(capacity.refusal(hello));
    }
    assertEquals(1, fds.counts, "ten starts in one instant, far from the reserve");
    clock.now = clock.now.plus(Duration.ofMillis(999));
    assertNull(capacity.refusal(hello));
    assertEquals(1, fds.counts);
    clock.now = clock.now.plus(Duration.ofMillis(1));
    assertNull(capacity.refusal(hello));
    assertEquals(2, fds.counts, "a second later it is counted again");
  }

  @Test
  void aCountThatFellBelowTheReserveIsSeenWithinASecond() {
    Counted fds = new Counted(300);
    NodeCapacity capacity = capacity(fds);
    assertNull(capacity.refusal(hello));
    fds.open = 100_000 - 10;
    clock.now = clock.now.plus(Duration.ofSeconds(1));
    String why = capacity.refusal(hello);
    assertNotNull(why);
    assertTrue(why.contains("10 file descriptors left of 100000"), why);
  }

  @Test
  void nearTheReserveEveryStartCountsAgain() {
    // Fewer than twice the reserve free: within a second more than the reserve's worth may have
    // been opened, so each start counts.
    Counted fds = new Counted(100_000 - 2 * RESERVE + 1);
    NodeCapacity capacity = capacity(fds);
    assertNull(capacity.refusal(hello));
    assertNull(capacity.refusal(hello));
    assertEquals(2, fds.counts);
    fds.open = 100_000 - RESERVE + 1;
    assertNotNull(capacity.refusal(hello), "below the reserve: refused at once");
    assertEquals(3, fds.counts);
    assertNotNull(capacity.refusal(hello));
    assertEquals(4, fds.counts, "a refusal keeps counting");
  }
}
