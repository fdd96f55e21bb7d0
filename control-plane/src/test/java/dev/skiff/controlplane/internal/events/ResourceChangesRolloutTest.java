package dev.skiff.controlplane.internal.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.api.event.Event;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Rollout;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.events.EventLog;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The events a gradual rollout leaves in the log. */
class ResourceChangesRolloutTest {
  static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");
  final EventLog log = new EventLog(Clock.fixed(T0, ZoneOffset.UTC));
  final ResourceChanges changes = new ResourceChanges(log);
  long revision;

  static Rollout progressing(int percent) {
    return new Rollout(
        "hello-00001",
        "hello-00002",
        percent,
        Rollout.PROGRESSING,
        T0,
        T0.plusSeconds(1),
        30L,
        null,
        null,
        null);
  }

  void put(Rollout r, int newShare) {
    List<TrafficTarget> traffic =
        newShare >= 100
            ? List.of(new TrafficTarget("hello-00002", true, 100, null))
            : List.of(
                new TrafficTarget("hello-00001", true, 100 - newShare, null),
                new TrafficTarget("hello-00002", true, newShare, null));
    Service s =
        Service.of(
                ObjectMeta.of("default", "hello"),
                new ServiceSpec(
                    new RevisionTemplate("r/hello:2", null, null, null, null, null, null, null),
                    List.of()))
            .withStatus(
                new ServiceStatus(1L, "hello-00002", "hello-00002", null, traffic, null, r));
    changes.onEvent(
        new ResourceEvent(
            ResourceEvent.Type.PUT,
            Service.KIND,
            "/services/default/hello",
            ++revision,
            Json.mapper().valueToTree(s)));
  }

  List<String> reasons() {
    return log.list("default", "hello").stream().map(Event::reason).toList();
  }

  @Test
  void aRolloutStartsProgressesInOneEventAndSucceeds() {
    put(null, 0);
    put(progressing(1), 1);
    put(progressing(4), 4);
    put(progressing(7), 7);
    put(
        new Rollout(
            "hello-00001",
            "hello-00002",
            100,
            Rollout.SUCCEEDED,
            T0,
            null,
            30L,
            "RolloutComplete",
            "revision hello-00002 took all of the latest traffic in 30s",
            T0.plusSeconds(30)),
        100);
    assertEquals(
        List.of("Created", "RolloutStarted", "RolloutProgressing", "RolloutSucceeded"), reasons());
    Event progress = log.list("default", "hello").get(2);
    assertEquals(2, progress.count());
    assertEquals(
        "revision hello-00002 at 7 %: hello-00001 93%, hello-00002 7%", progress.message());
  }

  @Test
  void anAutomaticRollbackIsOneWarningWithItsReason() {
    put(null, 0);
    put(progressing(1), 1);
    put(progressing(1).rolledBack("ErrorRateExceeded", "2 of 23 failed", T0.plusSeconds(3)), 0);
    List<Event> events = log.list("default", "hello");
    Event last = events.get(events.size() - 1);
    assertEquals("RolledBack", last.reason());
    assertEquals(Event.WARNING, last.type());
    assertEquals("ErrorRateExceeded: 2 of 23 failed", last.message());
    assertEquals(List.of("Created", "RolloutStarted", "RolledBack"), reasons());
  }
}
