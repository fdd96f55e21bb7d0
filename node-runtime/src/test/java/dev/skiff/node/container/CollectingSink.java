package dev.skiff.node.container;

import dev.skiff.node.spi.LogSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A log sink that keeps every line, for assertions. */
final class CollectingSink implements LogSink {
  final List<String> lines = new CopyOnWriteArrayList<>();

  @Override
  public void line(String stream, String line) {
    lines.add(stream + ": " + line);
  }

  /** Waits (polling) until some line matches; fails after {@code timeout} showing what arrived. */
  String await(Predicate<String> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String l : lines) {
        if (match.test(l)) {
          return l;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no matching log line within " + timeout + "; got " + lines);
  }

  String await(String contains) throws InterruptedException {
    return await(l -> l.contains(contains), Duration.ofSeconds(20));
  }
}
