package dev.skiff.controlplane.events;

import dev.skiff.api.event.Event;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The recent events of each namespace, newest last, like Kubernetes events: a repeat of the same
 * reason and message on the same object folds into the earlier event (its count grows, its last
 * time moves, it becomes the newest). Each namespace keeps at most {@code perNamespace} events and
 * the log at most {@code maxNamespaces} namespaces (the one quiet longest goes first), so no caller
 * can grow it without bound. Nothing is persisted: the log starts empty with skiffd.
 *
 * <p>Thread-safe: components record from their own threads; subscribers are called on the executor
 * they gave, one event at a time, in order.
 */
public final class EventLog {
  /** Events kept per namespace by default. */
  public static final int DEFAULT_PER_NAMESPACE = 256;

  /** Namespaces kept by default. */
  public static final int DEFAULT_MAX_NAMESPACES = 1024;

  /** Longer messages are cut to this many characters. */
  static final int MAX_MESSAGE = 1024;

  private final Clock clock;
  private final int perNamespace;
  private final int maxNamespaces;
  // namespace -> (fold key -> event), both in the order of last change (oldest first).
  private final LinkedHashMap<String, LinkedHashMap<FoldKey, Event>> byNamespace =
      new LinkedHashMap<>(16, 0.75f, true);
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private long lastId;

  public EventLog(Clock clock) {
    this(clock, DEFAULT_PER_NAMESPACE, DEFAULT_MAX_NAMESPACES);
  }

  public EventLog(Clock clock, int perNamespace, int maxNamespaces) {
    if (perNamespace < 1 || maxNamespaces < 1) {
      throw new IllegalArgumentException("the event log keeps at least one event and namespace");
    }
    this.clock = clock;
    this.perNamespace = perNamespace;
    this.maxNamespaces = maxNamespaces;
  }

  /** Records {@code note} (or folds it into the same earlier event) and tells subscribers. */
  public Event record(EventNote note) {
    return record(note, false);
  }

  /**
   * Records {@code note} as the latest state of something under way, such as an image pull's bytes:
   * it folds into the newest event with the same reason about the same object whatever that event's
   * message (which it replaces; the count grows), so updates make one event, not many.
   */
  public Event update(EventNote note) {
    return record(note, true);
  }

  private Event record(EventNote note, boolean anyMessage) {
    Event event;
    synchronized (this) {
      Instant now = clock.instant();
      String message = cut(note.message());
      FoldKey key = new FoldKey(note.kind(), note.name(), note.reason(), message);
      LinkedHashMap<FoldKey, Event> ring =
          byNamespace.computeIfAbsent(note.namespace(), ns -> new LinkedHashMap<>());
      Event before = ring.remove(anyMessage ? newestLike(ring, key) : key);
      event =
          new Event(
              ++lastId,
              note.namespace(),
              note.type(),
              note.reason(),
              message,
              note.kind(),
              note.name(),
              note.service(),
              note.source(),
              before == null ? 1 : before.count() + 1,
              before == null ? now : before.firstTime(),
              now);
      ring.put(key, event);
      trim(ring, perNamespace);
      trim(byNamespace, maxNamespaces);
      for (Subscriber s : subscribers) {
        if (s.wants(event)) {
          s.executor.execute(() -> s.handler.accept(event));
        }
      }
    }
    return event;
  }

  /**
   * The kept events, oldest first: of one namespace or (null) all, about one object or service
   * (null: any).
   */
  public synchronized List<Event> list(String namespace, String object) {
    List<Event> out = new ArrayList<>();
    for (Map.Entry<String, LinkedHashMap<FoldKey, Event>> e : byNamespace.entrySet()) {
      if (namespace == null || namespace.equals(e.getKey())) {
        for (Event ev : e.getValue().values()) {
          if (object == null || ev.concerns(object)) {
            out.add(ev);
          }
        }
      }
    }
    if (namespace == null) {
      out.sort(java.util.Comparator.comparingLong(Event::id));
    }
    return out;
  }

  /**
   * Lists as {@link #list} and then calls {@code handler} with every later matching event, on
   * {@code executor}, until the returned action runs. The listing and the subscription are atomic:
   * no event falls between them.
   */
  public synchronized Subscription subscribe(
      String namespace, String object, Executor executor, Consumer<Event> handler) {
    List<Event> now = list(namespace, object);
    Subscriber s = new Subscriber(namespace, object, executor, handler);
    subscribers.add(s);
    return new Subscription(now, () -> subscribers.remove(s));
  }

  /** The current listing and how to end the subscription. */
  public record Subscription(List<Event> current, Runnable cancel) {}

  /** The key of the newest event with {@code key}'s object and reason, any message; else key. */
  private static FoldKey newestLike(LinkedHashMap<FoldKey, Event> ring, FoldKey key) {
    FoldKey found = key;
    for (FoldKey k : ring.keySet()) {
      if (k.kind().equals(key.kind())
          && k.name().equals(key.name())
          && k.reason().equals(key.reason())) {
        found = k;
      }
    }
    return found;
  }

  private static String cut(String message) {
    return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE - 1) + "…";
  }

  private static void trim(LinkedHashMap<?, ?> map, int max) {
    Iterator<?> it = map.keySet().iterator();
    while (map.size() > max && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  private record FoldKey(String kind, String name, String reason, String message) {}

  private record Subscriber(
      String namespace, String object, Executor executor, Consumer<Event> handler) {
    boolean wants(Event e) {
      return (namespace == null || namespace.equals(e.namespace()))
          && (object == null || e.concerns(object));
    }
  }
}
