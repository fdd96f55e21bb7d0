package dev.skiff.node;

import dev.skiff.node.spi.LogSink;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Recent log lines of every service on this node, kept per service in a bounded ring, with live
 * subscriptions for {@code skiff logs --follow}. Thread-safe.
 */
public final class LogStore {
  private final int capacity;
  private final Clock clock;
  private final Map<String, Ring> rings = new ConcurrentHashMap<>();

  public LogStore(int capacityPerService, Clock clock) {
    this.capacity = capacityPerService;
    this.clock = clock;
  }

  /** A sink that files lines under the service, tagged with revision and instance. */
  public LogSink sink(String namespace, String service, String revision, String instance) {
    Ring ring = ring(namespace, service);
    return (stream, line) ->
        ring.add(new LogLine(clock.instant(), revision, instance, stream, line));
  }

  /**
   * The service's lines, oldest first: only those of {@code revision} when not null, at or after
   * {@code since} when not null, the last {@code tail} when {@code tail >= 0}.
   */
  public List<LogLine> read(
      String namespace, String service, String revision, Instant since, int tail) {
    List<LogLine> out = new ArrayList<>();
    for (LogLine l : ring(namespace, service).snapshot()) {
      if ((revision == null || revision.equals(l.revision()))
          && (since == null || !l.time().isBefore(since))) {
        out.add(l);
      }
    }
    return tail >= 0 && out.size() > tail ? out.subList(out.size() - tail, out.size()) : out;
  }

  /** Calls {@code listener} with every new line of the service until the returned handle runs. */
  public Runnable follow(String namespace, String service, Consumer<LogLine> listener) {
    Ring ring = ring(namespace, service);
    ring.listeners.add(listener);
    return () -> ring.listeners.remove(listener);
  }

  private Ring ring(String namespace, String service) {
    return rings.computeIfAbsent(namespace + "/" + service, k -> new Ring(capacity));
  }

  private static final class Ring {
    private final int capacity;
    private final ArrayDeque<LogLine> lines = new ArrayDeque<>();
    private final List<Consumer<LogLine>> listeners = new CopyOnWriteArrayList<>();

    Ring(int capacity) {
      this.capacity = capacity;
    }

    void add(LogLine line) {
      synchronized (lines) {
        if (lines.size() == capacity) {
          lines.removeFirst();
        }
        lines.addLast(line);
      }
      listeners.forEach(l -> l.accept(line));
    }

    List<LogLine> snapshot() {
      synchronized (lines) {
        return List.copyOf(lines);
      }
    }
  }
}
