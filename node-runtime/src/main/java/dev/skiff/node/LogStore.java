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

  /**
   * A sink that files lines under the service, tagged with revision and instance. The service's
   * ring is made at its first line, not here: most Wasm functions print nothing, and a service at
   * zero would otherwise keep an empty ring (about 0.3 KB) from each instance it ever ran.
   */
  public LogSink sink(String namespace, String service, String revision, String instance) {
    return new Sink(namespace + "/" + service, revision, instance);
  }

  /**
   * The service's lines, oldest first: only those of {@code revision} when not null, at or after
   * {@code since} when not null, the last {@code tail} when {@code tail >= 0}.
   */
  public List<LogLine> read(
      String namespace, String service, String revision, Instant since, int tail) {
    List<LogLine> out = new ArrayList<>();
    // A name nobody logged under has no ring, and a read (whoever asks) makes none.
    Ring ring = rings.get(key(namespace, service));
    if (ring == null) {
      return out;
    }
    for (LogLine l : ring.snapshot()) {
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

  /** How many services have a ring of lines (for tests). */
  int servicesWithLines() {
    return rings.size();
  }

  private Ring ring(String namespace, String service) {
    return ring(key(namespace, service));
  }

  private Ring ring(String key) {
    return rings.computeIfAbsent(key, k -> new Ring(capacity));
  }

  private static String key(String namespace, String service) {
    return namespace + "/" + service;
  }

  /** One instance's sink: finds its service's ring at its first line and keeps it (rings stay). */
  private final class Sink implements LogSink {
    private final String key;
    private final String revision;
    private final String instance;
    private volatile Ring ring;

    Sink(String key, String revision, String instance) {
      this.key = key;
      this.revision = revision;
      this.instance = instance;
    }

    @Override
    public void line(String stream, String line) {
      Ring r = ring;
      if (r == null) {
        r = ring(key); // two threads may both look it up: the map gives both the same ring
        ring = r;
      }
      r.add(new LogLine(clock.instant(), revision, instance, stream, line));
    }
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
