package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StartClockTest {
  @Test
  void listsEachPhaseThenTheNotesWhichDoNotCountInTheTotal() {
    AtomicLong now = new AtomicLong(1_000_000_000L);
    StartClock clock = new StartClock(now::get);
    now.addAndGet(2_500_000);
    clock.lap("network");
    now.addAndGet(30_000_000);
    clock.lap("ready");
    clock.note("lag", 1_200_000);
    assertEquals("network 2.5 ms, ready 30.0 ms, lag 1.2 ms", clock.toString());
    assertEquals(32.5, clock.totalMillis(), 1e-9);
  }
}
