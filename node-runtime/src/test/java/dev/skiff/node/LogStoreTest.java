package dev.skiff.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.node.spi.LogSink;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogStoreTest {
  private final LogStore logs =
      new LogStore(2, Clock.fixed(Instant.parse("2026-12-07T00:00:00Z"), ZoneOffset.UTC));

  @Test
  void anInstanceThatLogsNothingLeavesNoRingBehind() {
    // A Wasm function that prints nothing is the usual case: its service at zero keeps nothing.
    logs.sink("default", "quiet", "quiet-00001", "default.quiet-00001.1");
    logs.sink("default", "quiet", "quiet-00001", "default.quiet-00001.2");

    assertEquals(0, logs.servicesWithLines());
  }

  @Test
  void readingAServiceWithoutLinesKeepsNothing() {
    // Any caller can name any service: a read must not leave a ring per name it was asked for.
    for (int i = 0; i < 100; i++) {
      assertEquals(List.of(), logs.read("default", "nope-" + i, null, null, -1));
    }

    assertEquals(0, logs.servicesWithLines());
  }

  @Test
  void aSinkFilesItsFirstLineAndTheNextInTheServicesRing() {
    LogSink a = logs.sink("default", "svc", "svc-00001", "i1");
    LogSink b = logs.sink("default", "svc", "svc-00002", "i2");

    a.line("stdout", "one");
    b.line("stderr", "two");
    a.line("stdout", "three");

    assertEquals(1, logs.servicesWithLines());
    assertEquals(
        List.of("two", "three"), lines(logs.read("default", "svc", null, null, -1))); // capacity 2
    assertEquals(List.of("three"), lines(logs.read("default", "svc", "svc-00001", null, -1)));
  }

  @Test
  void aFollowerSeesTheFirstLineOfASinkMadeBeforeItSubscribed() {
    LogSink sink = logs.sink("default", "svc", "svc-00001", "i1");
    List<String> seen = new ArrayList<>();
    Runnable cancel = logs.follow("default", "svc", l -> seen.add(l.line()));

    sink.line("stdout", "hello");
    cancel.run();
    sink.line("stdout", "after");

    assertEquals(List.of("hello"), seen);
  }

  private static List<String> lines(List<LogLine> ls) {
    return ls.stream().map(LogLine::line).toList();
  }
}
