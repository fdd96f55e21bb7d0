package dev.skiff.controlplane.events;

import dev.skiff.api.event.Event;
import java.util.Objects;

/**
 * What a component reports to the {@link EventLog}; the log adds the id, count and times.
 *
 * @param namespace the object's namespace
 * @param kind {@code Service}, {@code Revision} or {@code Instance}
 * @param name the object's name
 * @param service the service the object belongs to
 * @param type {@link Event#NORMAL} or {@link Event#WARNING}
 * @param reason a CamelCase reason
 * @param message what happened
 * @param source the reporting component
 */
public record EventNote(
    String namespace,
    String kind,
    String name,
    String service,
    String type,
    String reason,
    String message,
    String source) {
  public EventNote {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    if (!Event.NORMAL.equals(type) && !Event.WARNING.equals(type)) {
      throw new IllegalArgumentException("an event's type is Normal or Warning, not " + type);
    }
  }

  public static EventNote normal(
      String namespace,
      String kind,
      String name,
      String service,
      String reason,
      String message,
      String source) {
    return new EventNote(namespace, kind, name, service, Event.NORMAL, reason, message, source);
  }

  public static EventNote warning(
      String namespace,
      String kind,
      String name,
      String service,
      String reason,
      String message,
      String source) {
    return new EventNote(namespace, kind, name, service, Event.WARNING, reason, message, source);
  }
}
