package dev.skiff.controlplane.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.event.Event;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventLogTest {
  private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  private static EventNote scaled(String ns, String revision, String message) {
    return EventNote.normal(ns, "Revision", revision, "hello", "ScaledUp", message, "autoscaler");
  }

  @Test
  void foldsRepeatsIntoOneEventWithACount() {
    EventLog log = new EventLog(clock);
    log.record(scaled("default", "hello-00001", "scaled to 2"));
    log.record(scaled("default", "hello-00001", "scaled to 3"));
    Event e = log.record(scaled("default", "hello-00001", "scaled to 2"));

    List<Event> all = log.list("default", null);
    assertEquals(2, all.size());
    assertEquals(2, e.count());
    assertEquals(e, all.get(1), "a repeat becomes the newest");
  }

  @Test
  void anUpdateReplacesTheNewestEventOfItsReasonWhateverItsMessage() {
    EventLog log = new EventLog(clock);
    log.record(scaled("default", "hello-00001", "scaled to 2"));
    log.update(pulling("hello-00001", "pulling x: 1.0 MiB of 4.0 MiB (0 of 2 layers)"));
    log.update(pulling("hello-00002", "pulling x: 0 B of 4.0 MiB (0 of 2 layers)"));
    Event e = log.update(pulling("hello-00001", "pulling x: 3.0 MiB of 4.0 MiB (1 of 2 layers)"));

    List<Event> all = log.list("default", "hello-00001");
    assertEquals(
        List.of("scaled to 2", "pulling x: 3.0 MiB of 4.0 MiB (1 of 2 layers)"),
        all.stream().map(Event::message).toList());
    assertEquals(2, e.count());
    assertEquals(1, log.list("default", "hello-00002").size(), "other objects keep their own");
  }

  private static EventNote pulling(String revision, String message) {
    return EventNote.normal("default", "Revision", revision, "hello", "Pulling", message, "node");
  }

  @Test
  void keepsOnlyTheNewestEventsOfEachNamespace() {
    EventLog log = new EventLog(clock, 3, 10);
    for (int i = 0; i < 10; i++) {
      log.record(scaled("default", "hello-00001", "scaled to " + i));
    }
    log.record(scaled("other", "hello-00001", "scaled to 1"));

    List<Event> kept = log.list("default", null);
    assertEquals(
        List.of("scaled to 7", "scaled to 8", "scaled to 9"),
        kept.stream().map(Event::message).toList());
    assertEquals(1, log.list("other", null).size());
  }

  @Test
  void forgetsTheNamespaceQuietLongestBeyondTheCap() {
    EventLog log = new EventLog(clock, 3, 2);
    log.record(scaled("a", "x-00001", "m"));
    log.record(scaled("b", "x-00001", "m"));
    log.record(scaled("a", "x-00001", "n"));
    log.record(scaled("c", "x-00001", "m"));

    assertEquals(List.of(), log.list("b", null));
    assertEquals(2, log.list("a", null).size());
  }

  @Test
  void filtersByObjectOrItsService() {
    EventLog log = new EventLog(clock);
    log.record(scaled("default", "hello-00001", "up"));
    log.record(EventNote.normal("default", "Service", "other", "other", "Created", "c", "cp"));

    assertEquals(1, log.list("default", "hello").size(), "by service");
    assertEquals(1, log.list("default", "hello-00001").size(), "by object");
    assertEquals(2, log.list(null, null).size());
  }

  @Test
  void subscribersGetTheCurrentListingThenOnlyMatchingNewEvents() {
    EventLog log = new EventLog(clock);
    log.record(scaled("default", "hello-00001", "before"));
    List<Event> seen = new ArrayList<>();
    EventLog.Subscription sub = log.subscribe("default", "hello", Runnable::run, seen::add);
    log.record(scaled("other", "hello-00001", "elsewhere"));
    log.record(scaled("default", "hello-00001", "after"));
    sub.cancel().run();
    log.record(scaled("default", "hello-00001", "too late"));

    assertEquals(List.of("before"), sub.current().stream().map(Event::message).toList());
    assertEquals(List.of("after"), seen.stream().map(Event::message).toList());
  }

  @Test
  void cutsLongMessages() {
    Event e = new EventLog(clock).record(scaled("default", "hello-00001", "x".repeat(5000)));
    assertTrue(e.message().length() <= EventLog.MAX_MESSAGE);
  }

  @Test
  void refusesATypeOtherThanNormalOrWarning() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new EventNote("default", "Service", "a", "a", "Info", "R", "m", "cp"));
  }
}
